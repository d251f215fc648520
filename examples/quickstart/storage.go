package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/storage"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi"
)

// startStorage starts a CSI driver on the embedded cluster (testenv/csi:
// spherekit's hostpath driver behind the real external-provisioner,
// external-snapshotter and external-resizer, built from source the first
// time) with a StorageClass that allows expansion and a
// VolumeSnapshotClass.
func startStorage(ctx context.Context, cluster *testenv.Cluster, progress io.Writer) (d *csi.Driver, class string, err error) {
	d, err = csi.Start(ctx, cluster, csi.Options{Progress: progress})
	if err != nil {
		return nil, "", fmt.Errorf("start csi driver: %w", err)
	}
	class = "hostpath"
	objs := []client.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: class}, Provisioner: d.Name(), AllowVolumeExpansion: ptr.To(true)},
		&snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: class}, Driver: d.Name(), DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete},
	}
	for _, o := range objs {
		if err := cluster.Client.Create(ctx, o); err != nil {
			_ = d.Stop()
			return nil, "", fmt.Errorf("create %s: %w", o.GetName(), err)
		}
	}
	return d, class, nil
}

// storageTour asks what each class can do and, with a class of the
// embedded cluster's driver, claims a volume in the project, writes a file
// into it, snapshots it, restores the snapshot into a new claim that holds
// the file, and expands the new claim. driver is nil on a given cluster.
func storageTour(ctx context.Context, out io.Writer, c client.Client, driver *csi.Driver, class, project string) error {
	sc, err := storage.NewClient(c, storage.ClientOptions{FieldOwner: "spherekit-quickstart"})
	if err != nil {
		return err
	}
	var classes storagev1.StorageClassList
	if err := c.List(ctx, &classes); err != nil {
		return fmt.Errorf("list storage classes: %w", err)
	}
	fmt.Fprintf(out, "Storage classes (%d), as the cluster describes them:\n", len(classes.Items))
	for _, cl := range classes.Items {
		caps, err := sc.Capabilities(ctx, cl.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-12s provisioner=%s snapshot=%s clone=%s expand=%s\n", cl.Name, caps.Provisioner, caps.Snapshot, caps.Clone, caps.Expansion)
	}
	if driver == nil {
		fmt.Fprintln(out, "Skipped volume snapshots: on a given cluster the tour creates no volumes.")
		return nil
	}

	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if err := c.Create(ctx, pvc); err != nil {
		return fmt.Errorf("create claim: %w", err)
	}
	if pvc, err = sc.WaitForClaim(wctx, project, pvc.Name); err != nil {
		return err
	}
	dir, err := volumeDir(ctx, c, driver, pvc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from the quickstart"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "Claimed volume %s (1Gi of class %s) in %s and wrote hello.txt into it.\n", pvc.Name, class, project)

	snap, err := sc.CreateSnapshot(wctx, project, pvc.Name, storage.CreateSnapshotOptions{Name: "data-snap", Wait: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Snapshot %s is ready to use (restore size %s).\n", snap.Name, snap.Status.RestoreSize)
	restored, err := sc.RestoreSnapshot(wctx, project, snap.Name, "data-restored", storage.RestoreOptions{Wait: true})
	if err != nil {
		return err
	}
	dir, err = volumeDir(ctx, c, driver, restored)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
	if err != nil {
		return fmt.Errorf("read the restored file: %w", err)
	}
	fmt.Fprintf(out, "Restored it into claim %s, which holds hello.txt: %q.\n", restored.Name, data)
	grown, err := sc.ExpandVolume(wctx, project, restored.Name, resource.MustParse("2Gi"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Expanded %s to %s.\n", grown.Name, grown.Status.Capacity.Storage())
	_, err = sc.ExpandVolume(wctx, project, restored.Name, resource.MustParse("1Gi"))
	fmt.Fprintf(out, "Shrinking it back is refused: %v\n", err)
	return nil
}

// volumeDir is the folder of pvc's volume on the embedded driver.
func volumeDir(ctx context.Context, c client.Client, d *csi.Driver, pvc *corev1.PersistentVolumeClaim) (string, error) {
	pv := &corev1.PersistentVolume{}
	if err := c.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, pv); err != nil {
		return "", fmt.Errorf("get volume of %s: %w", pvc.Name, err)
	}
	if pv.Spec.CSI == nil {
		return "", fmt.Errorf("volume %s is not a CSI volume", pv.Name)
	}
	return d.VolumeDir(pv.Spec.CSI.VolumeHandle)
}
