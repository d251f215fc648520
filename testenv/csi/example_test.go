package csi_test

import (
	"context"
	"fmt"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi"
)

// Run the CSI stack on a cluster and provision a claim through it.
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cluster, err := testenv.Start(ctx, testenv.Options{Nodes: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()
	driver, err := csi.Start(ctx, cluster, csi.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = driver.Stop() }()

	class := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: "hostpath"},
		Provisioner:          driver.Name(),
		AllowVolumeExpansion: ptr.To(true),
	}
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "default"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class.Name),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if err := cluster.Client.Create(ctx, class); err != nil {
		log.Fatal(err)
	}
	if err := cluster.CreateAndWait(ctx, claim, func(o client.Object) (bool, error) {
		return o.(*corev1.PersistentVolumeClaim).Status.Phase == corev1.ClaimBound, nil
	}); err != nil {
		log.Fatal(err)
	}
	pv := &corev1.PersistentVolume{}
	if err := cluster.Client.Get(ctx, client.ObjectKey{Name: claim.Spec.VolumeName}, pv); err != nil {
		log.Fatal(err)
	}
	dir, err := driver.VolumeDir(pv.Spec.CSI.VolumeHandle)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("claim bound; its files are in", dir)
}
