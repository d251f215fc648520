package csi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv/csi"
)

// The snapshot kinds, read and written as unstructured objects: the SDK's
// scheme does not carry them.
var (
	snapshotGVK      = schema.GroupVersionKind{Group: csi.SnapshotGroup, Version: "v1", Kind: "VolumeSnapshot"}
	snapshotClassGVK = schema.GroupVersionKind{Group: csi.SnapshotGroup, Version: "v1", Kind: "VolumeSnapshotClass"}
	contentGVK       = schema.GroupVersionKind{Group: csi.SnapshotGroup, Version: "v1", Kind: "VolumeSnapshotContent"}
)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	if cluster == nil {
		t.Skip("fuzzing: TestMain started no cluster; run without -fuzz for this test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// deleteAtEnd deletes obj when the test ends.
func deleteAtEnd(t *testing.T, obj client.Object) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Client.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete %s: %v", obj.GetName(), err)
		}
	})
}

// storageClass creates a StorageClass of the driver (immediate binding,
// volumes deleted with their claims) for the test.
func storageClass(t *testing.T, ctx context.Context, d *csi.Driver, allowExpansion bool) string {
	t.Helper()
	sc := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{GenerateName: "test-"},
		Provisioner:          d.Name(),
		ReclaimPolicy:        ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode:    ptr.To(storagev1.VolumeBindingImmediate),
		AllowVolumeExpansion: ptr.To(allowExpansion),
	}
	require.NoError(t, cluster.Client.Create(ctx, sc))
	deleteAtEnd(t, sc)
	return sc.Name
}

// snapshotClass creates a VolumeSnapshotClass of the driver for the test,
// marked as the driver's default when isDefault.
func snapshotClass(t *testing.T, ctx context.Context, d *csi.Driver, isDefault bool) string {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(snapshotClassGVK)
	u.SetGenerateName("test-")
	if isDefault {
		u.SetAnnotations(map[string]string{"snapshot.storage.kubernetes.io/is-default-class": "true"})
	}
	u.Object["driver"] = d.Name()
	u.Object["deletionPolicy"] = "Delete"
	require.NoError(t, cluster.Client.Create(ctx, u))
	deleteAtEnd(t, u)
	return u.GetName()
}

func claimSpec(class, size string, source *corev1.TypedLocalObjectReference) corev1.PersistentVolumeClaimSpec {
	return corev1.PersistentVolumeClaimSpec{
		StorageClassName: ptr.To(class),
		AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
		DataSource:       source,
	}
}

// boundClaim creates a claim and waits until it is bound, returning it and
// its volume. A failure shows the driver's sidecar logs.
func boundClaim(t *testing.T, ctx context.Context, d *csi.Driver, ns, name string, spec corev1.PersistentVolumeClaimSpec) (*corev1.PersistentVolumeClaim, *corev1.PersistentVolume) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
	err := cluster.CreateAndWait(ctx, pvc, func(o client.Object) (bool, error) {
		return o.(*corev1.PersistentVolumeClaim).Status.Phase == corev1.ClaimBound, nil
	})
	require.NoError(t, err, "claim %s/%s never bound; sidecar logs:\n%s", ns, name, d.LogTail())
	pv := &corev1.PersistentVolume{}
	require.NoError(t, cluster.Client.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, pv))
	require.NotNil(t, pv.Spec.CSI, "volume %s is not a CSI volume", pv.Name)
	return pvc, pv
}

// volumeSnapshot creates a VolumeSnapshot of a claim (class "" for the
// driver's default class).
func volumeSnapshot(t *testing.T, ctx context.Context, ns, name, claim, class string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(snapshotGVK)
	u.SetNamespace(ns)
	u.SetName(name)
	spec := map[string]any{"source": map[string]any{"persistentVolumeClaimName": claim}}
	if class != "" {
		spec["volumeSnapshotClassName"] = class
	}
	u.Object["spec"] = spec
	require.NoError(t, cluster.Client.Create(ctx, u))
	return u
}

// waitSnapshot polls a VolumeSnapshot until cond holds for it.
func waitSnapshot(t *testing.T, ctx context.Context, d *csi.Driver, snap *unstructured.Unstructured, what string, cond func(*unstructured.Unstructured) bool) {
	t.Helper()
	err := cluster.WaitFor(ctx, snap, func(o client.Object) (bool, error) {
		return cond(o.(*unstructured.Unstructured)), nil
	})
	require.NoError(t, err, "snapshot %s never %s (status %v); sidecar logs:\n%s", snap.GetName(), what, snap.Object["status"], d.LogTail())
}

func readyToUse(u *unstructured.Unstructured) bool {
	ready, _, _ := unstructured.NestedBool(u.Object, "status", "readyToUse")
	return ready
}

func snapshotError(u *unstructured.Unstructured) string {
	msg, _, _ := unstructured.NestedString(u.Object, "status", "error", "message")
	return msg
}

// snapshotHandle is the driver's ID of a bound snapshot, from its
// VolumeSnapshotContent.
func snapshotHandle(t *testing.T, ctx context.Context, snap *unstructured.Unstructured) string {
	t.Helper()
	name, _, _ := unstructured.NestedString(snap.Object, "status", "boundVolumeSnapshotContentName")
	require.NotEmpty(t, name, "snapshot %s is bound to no content", snap.GetName())
	content := &unstructured.Unstructured{}
	content.SetGroupVersionKind(contentGVK)
	require.NoError(t, cluster.Client.Get(ctx, client.ObjectKey{Name: name}, content))
	handle, _, _ := unstructured.NestedString(content.Object, "status", "snapshotHandle")
	require.NotEmpty(t, handle, "content %s has no snapshot handle", name)
	return handle
}

func quantity(s string) resource.Quantity { return resource.MustParse(s) }

func bytesOf(s string) int64 {
	q := resource.MustParse(s)
	return q.Value()
}

func describe(pvc *corev1.PersistentVolumeClaim) string {
	return fmt.Sprintf("%s/%s phase %s capacity %v conditions %v", pvc.Namespace, pvc.Name, pvc.Status.Phase, pvc.Status.Capacity, pvc.Status.Conditions)
}
