package controllers_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

const absent = "<absent>"

// annotation waits until class's annotation key is want (absent: missing).
func annotation(t *testing.T, class, key, want string) {
	t.Helper()
	var last string
	eventually(t, func() bool {
		sc := &storagev1.StorageClass{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: class}, sc); err != nil {
			return false
		}
		v, ok := sc.Annotations[key]
		if !ok {
			v = absent
		}
		last = v
		return v == want
	}, "class %s annotation %s = %q (last %q)", class, key, want, last)
}

// capabilityFeatures waits until class's StorageClassCapability has want.
func capabilityFeatures(t *testing.T, class, provisioner string, want storagev1alpha1.CapabilityFeatures) {
	t.Helper()
	var last storagev1alpha1.StorageClassCapabilitySpec
	eventually(t, func() bool {
		c := &storagev1alpha1.StorageClassCapability{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: class}, c); err != nil {
			return false
		}
		last = c.Spec
		return c.Spec.Provisioner == provisioner && cmp.Equal(c.Spec.Features, want)
	}, "capability of %s: %s", class, cmp.Diff(storagev1alpha1.StorageClassCapabilitySpec{Provisioner: provisioner, Features: want}, last))
}

func driver(t *testing.T) string {
	t.Helper()
	d := name("drv") + ".csi.example.com"
	create(t, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: d}})
	return d
}

func snapshotClass(t *testing.T, driver string) string {
	t.Helper()
	n := name("vsc")
	create(t, &snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: n}, Driver: driver, DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete})
	return n
}

func storageClass(t *testing.T, provisioner string, annotations map[string]string) string {
	t.Helper()
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name("sc"), Annotations: annotations}, Provisioner: provisioner, AllowVolumeExpansion: ptr.To(true)}
	create(t, sc)
	return sc.Name
}

var (
	csiWithSnapshots = storagev1alpha1.CapabilityFeatures{
		Volume:   storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown},
		Snapshot: storagev1alpha1.SnapshotFeature{Create: true},
	}
	csiWithoutSnapshots = storagev1alpha1.CapabilityFeatures{
		Volume: storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown},
	}
)

func TestStorageClassAnnotations(t *testing.T) {
	tests := []struct {
		name         string
		csi          bool
		snapshots    bool
		annotations  map[string]string
		wantSnapshot string
		wantClone    string
	}{
		{name: "csi with a snapshot class", csi: true, snapshots: true, wantSnapshot: "true", wantClone: "true"},
		{name: "csi without a snapshot class", csi: true, wantSnapshot: "false", wantClone: "true"},
		{name: "a user's valid values stay", csi: true, snapshots: true,
			annotations:  map[string]string{storagev1alpha1.AllowSnapshotAnnotation: "false", storagev1alpha1.AllowCloneAnnotation: "FALSE"},
			wantSnapshot: "false", wantClone: "FALSE"},
		{name: "invalid values are replaced", csi: true, snapshots: true,
			annotations:  map[string]string{storagev1alpha1.AllowSnapshotAnnotation: "maybe", storagev1alpha1.AllowCloneAnnotation: ""},
			wantSnapshot: "true", wantClone: "true"},
		{name: "in-tree: nothing is said", wantSnapshot: absent, wantClone: absent},
		{name: "in-tree: a user's values stay", annotations: map[string]string{storagev1alpha1.AllowSnapshotAnnotation: "true"},
			wantSnapshot: "true", wantClone: absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			provisioner := "kubernetes.io/" + name("intree")
			if tt.csi {
				provisioner = driver(t)
			}
			if tt.snapshots {
				snapshotClass(t, provisioner)
			}
			class := storageClass(t, provisioner, tt.annotations)
			annotation(t, class, storagev1alpha1.PVCCountAnnotation, "0")
			annotation(t, class, storagev1alpha1.AllowSnapshotAnnotation, tt.wantSnapshot)
			annotation(t, class, storagev1alpha1.AllowCloneAnnotation, tt.wantClone)
			want := storagev1alpha1.CapabilityFeatures{Volume: storagev1alpha1.VolumeFeature{Create: true, Expand: storagev1alpha1.ExpandModeUnknown}}
			if tt.csi {
				want = csiWithoutSnapshots
				if tt.snapshots {
					want = csiWithSnapshots
				}
			}
			capabilityFeatures(t, class, provisioner, want)
		})
	}
}

// TestAnnotationsFollowTheCluster: the controllers' own values change with
// the cluster (KubeSphere wrote them once), a user's do not, and a value
// the user takes over is theirs.
func TestAnnotationsFollowTheCluster(t *testing.T) {
	ctx := context.Background()
	d := driver(t)
	class := storageClass(t, d, nil)
	annotation(t, class, storagev1alpha1.AllowSnapshotAnnotation, "false")
	capabilityFeatures(t, class, d, csiWithoutSnapshots)

	vsc := snapshotClass(t, d)
	annotation(t, class, storagev1alpha1.AllowSnapshotAnnotation, "true")
	capabilityFeatures(t, class, d, csiWithSnapshots)

	require.NoError(t, env.Client.Delete(ctx, &snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: vsc}}))
	annotation(t, class, storagev1alpha1.AllowSnapshotAnnotation, "false")

	// The user says true: from now on it is theirs.
	sc := &storagev1.StorageClass{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: class}, sc))
	patch := client.MergeFrom(sc.DeepCopy())
	sc.Annotations[storagev1alpha1.AllowSnapshotAnnotation] = "true"
	require.NoError(t, env.Client.Patch(ctx, sc, patch, client.FieldOwner("a-user")))
	// Deleting the CSIDriver makes the provisioner say nothing: the
	// controllers drop their own allow-clone, not the user's allow-snapshot.
	require.NoError(t, env.Client.Delete(ctx, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: d}}))
	annotation(t, class, storagev1alpha1.AllowCloneAnnotation, absent)
	annotation(t, class, storagev1alpha1.AllowSnapshotAnnotation, "true")
}

func TestPVCCount(t *testing.T) {
	ctx := context.Background()
	class := storageClass(t, "kubernetes.io/"+name("intree"), nil)
	annotation(t, class, storagev1alpha1.PVCCountAnnotation, "0")
	ns := env.NewNamespace(t)
	claim := func(byAnnotation bool) *corev1.PersistentVolumeClaim {
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name("pvc")},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}
		if byAnnotation {
			pvc.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: class}
			pvc.Spec.StorageClassName = ptr.To("")
		} else {
			pvc.Spec.StorageClassName = ptr.To(class)
		}
		require.NoError(t, env.Client.Create(ctx, pvc))
		return pvc
	}
	a := claim(false)
	claim(true)
	annotation(t, class, storagev1alpha1.PVCCountAnnotation, "2")
	// Without kube-controller-manager nobody removes the claim's
	// protection finalizer: the test does.
	require.NoError(t, env.Client.Delete(ctx, a))
	require.NoError(t, client.IgnoreNotFound(env.Client.Patch(ctx, a, client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`)))))
	annotation(t, class, storagev1alpha1.PVCCountAnnotation, "1")
}

func TestStorageClassCapabilityLifecycle(t *testing.T) {
	ctx := context.Background()
	d := driver(t)
	class := storageClass(t, d, nil)
	capabilityFeatures(t, class, d, csiWithoutSnapshots)

	c := &storagev1alpha1.StorageClassCapability{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: class}, c))
	owner := metav1.GetControllerOf(c)
	require.NotNil(t, owner, "owned by its class")
	assert.Equal(t, "StorageClass", owner.Kind)
	assert.Equal(t, class, owner.Name)

	// Drift is repaired.
	c.Spec.Features.Volume.Clone = false
	c.Spec.Provisioner = "someone-else"
	require.NoError(t, env.Client.Update(ctx, c))
	capabilityFeatures(t, class, d, csiWithoutSnapshots)

	// A driver that says ONLINE: the class allows expansion, so its
	// capability says so too.
	pc := &storagev1alpha1.ProvisionerCapability{}
	eventually(t, func() bool { return env.Client.Get(ctx, client.ObjectKey{Name: d}, pc) == nil }, "provisioner capability of %s", d)
	pc.Spec.Features.Volume.Expand = storagev1alpha1.ExpandModeOnline
	require.NoError(t, env.Client.Update(ctx, pc))
	online := csiWithoutSnapshots
	online.Volume.Expand = storagev1alpha1.ExpandModeOnline
	capabilityFeatures(t, class, d, online)

	// Deleting the class removes its capability (no garbage collector runs
	// here: the reconciler does).
	require.NoError(t, env.Client.Delete(ctx, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: class}}))
	eventually(t, func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Name: class}, &storagev1alpha1.StorageClassCapability{}))
	}, "capability of %s removed", class)
}

func TestProvisionerCapability(t *testing.T) {
	ctx := context.Background()
	d := driver(t)
	want := storagev1alpha1.ProvisionerCapabilitySpec{PluginInfo: storagev1alpha1.PluginInfo{Name: d}, Features: csiWithoutSnapshots}
	get := func() (*storagev1alpha1.ProvisionerCapability, error) {
		pc := &storagev1alpha1.ProvisionerCapability{}
		return pc, env.Client.Get(ctx, client.ObjectKey{Name: d}, pc)
	}
	eventually(t, func() bool { pc, err := get(); return err == nil && cmp.Equal(pc.Spec, want) }, "provisioner capability of %s", d)

	snapshotClass(t, d)
	want.Features = csiWithSnapshots
	eventually(t, func() bool { pc, err := get(); return err == nil && cmp.Equal(pc.Spec, want) }, "provisioner capability with snapshots")

	// An expand mode someone else wrote is kept.
	pc, err := get()
	require.NoError(t, err)
	pc.Spec.Features.Volume.Expand = storagev1alpha1.ExpandModeOffline
	pc.Spec.Features.Volume.Attach = false
	require.NoError(t, env.Client.Update(ctx, pc))
	want.Features.Volume.Expand = storagev1alpha1.ExpandModeOffline
	eventually(t, func() bool { pc, err := get(); return err == nil && cmp.Equal(pc.Spec, want) }, "attach repaired, expand mode kept")

	require.NoError(t, env.Client.Delete(ctx, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: d}}))
	eventually(t, func() bool { _, err := get(); return apierrors.IsNotFound(err) }, "provisioner capability of a deleted driver removed")
}

func TestSnapshotCount(t *testing.T) {
	ctx := context.Background()
	vsc := snapshotClass(t, name("drv")+".csi.example.com")
	eventually(t, func() bool {
		c := &snapshotv1.VolumeSnapshotClass{}
		return env.Client.Get(ctx, client.ObjectKey{Name: vsc}, c) == nil && c.Annotations[storagev1alpha1.SnapshotCountAnnotation] == "0"
	}, "snapshot count 0")
	ns := env.NewNamespace(t)
	for range 2 {
		create(t, &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name("snap")}, Spec: snapshotv1.VolumeSnapshotSpec{
			VolumeSnapshotClassName: ptr.To(vsc), Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("data")}}})
	}
	// Another class's snapshot does not count.
	create(t, &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name("snap")}, Spec: snapshotv1.VolumeSnapshotSpec{
		VolumeSnapshotClassName: ptr.To("other"), Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("data")}}})
	eventually(t, func() bool {
		c := &snapshotv1.VolumeSnapshotClass{}
		return env.Client.Get(ctx, client.ObjectKey{Name: vsc}, c) == nil && c.Annotations[storagev1alpha1.SnapshotCountAnnotation] == "2"
	}, "snapshot count 2")
}
