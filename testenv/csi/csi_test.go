package csi_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi"
)

// TestProvision: a claim of each driver's class is bound to a volume the
// driver made, sized as asked; deleting the claim deletes the volume and
// its folder.
func TestProvision(t *testing.T) {
	for _, tc := range []struct {
		name   string
		driver func() *csi.Driver
	}{
		{"full driver", func() *csi.Driver { return full }},
		{"limited driver", func() *csi.Driver { return limited }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			d := tc.driver()
			ns := cluster.NewNamespace(t)
			class := storageClass(t, ctx, d, false)
			pvc, pv := boundClaim(t, ctx, d, ns, "data", claimSpec(class, "1Gi", nil))

			assert.Equal(t, d.Name(), pv.Spec.CSI.Driver)
			assert.Equal(t, class, pv.Spec.StorageClassName)
			assert.True(t, quantity("1Gi").Equal(pv.Spec.Capacity[corev1.ResourceStorage]), "volume capacity %v", pv.Spec.Capacity)
			assert.True(t, quantity("1Gi").Equal(pvc.Status.Capacity[corev1.ResourceStorage]), "claim capacity %v", pvc.Status.Capacity)
			dir, err := d.VolumeDir(pv.Spec.CSI.VolumeHandle)
			require.NoError(t, err)
			assert.DirExists(t, dir)
			assert.Equal(t, filepath.Join(d.Root(), "volumes", pv.Spec.CSI.VolumeHandle), dir)
			got, err := d.Capacity(pv.Spec.CSI.VolumeHandle)
			require.NoError(t, err)
			assert.Equal(t, bytesOf("1Gi"), got)

			require.NoError(t, cluster.Client.Delete(ctx, pvc))
			testenv.Eventually(t, func() (bool, error) {
				err := cluster.Client.Get(ctx, client.ObjectKeyFromObject(pv), &corev1.PersistentVolume{})
				return apierrors.IsNotFound(err), err
			}, "volume %s stayed after its claim was deleted; logs:\n%s", pv.Name, d.LogTail())
			assert.NoDirExists(t, dir, "the driver deleted the volume's folder")
		})
	}
}

// TestCopyData: a claim restored from a snapshot holds the files the source
// had when the snapshot was taken, and a clone holds the source's files;
// both are copies.
func TestCopyData(t *testing.T) {
	const file = "greeting.txt"
	for _, tc := range []struct {
		name string
		// source prepares the data source of the new claim from a source
		// claim holding "before" in file.
		source func(t *testing.T, ctx context.Context, ns string, src *corev1.PersistentVolumeClaim, srcDir string) *corev1.TypedLocalObjectReference
	}{
		{"restore from a snapshot", func(t *testing.T, ctx context.Context, ns string, src *corev1.PersistentVolumeClaim, srcDir string) *corev1.TypedLocalObjectReference {
			class := snapshotClass(t, ctx, full, false)
			snap := volumeSnapshot(t, ctx, ns, "snap", src.Name, class)
			waitSnapshot(t, ctx, full, snap, "became ready", readyToUse)
			restoreSize, _, _ := unstructured.NestedString(snap.Object, "status", "restoreSize")
			assert.True(t, quantity("1Gi").Equal(quantity(restoreSize)), "restore size %s", restoreSize)
			snapDir, err := full.SnapshotDir(snapshotHandle(t, ctx, snap))
			require.NoError(t, err)
			data, err := os.ReadFile(filepath.Join(snapDir, file))
			require.NoError(t, err, "the snapshot is a copy of the volume's files")
			assert.Equal(t, "before", string(data))
			// Changed after the snapshot: the restore must not see it.
			require.NoError(t, os.WriteFile(filepath.Join(srcDir, file), []byte("after"), 0o644))
			return &corev1.TypedLocalObjectReference{APIGroup: ptr.To(csi.SnapshotGroup), Kind: "VolumeSnapshot", Name: snap.GetName()}
		}},
		{"clone a claim", func(*testing.T, context.Context, string, *corev1.PersistentVolumeClaim, string) *corev1.TypedLocalObjectReference {
			return &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "source"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			ns := cluster.NewNamespace(t)
			class := storageClass(t, ctx, full, false)
			src, srcPV := boundClaim(t, ctx, full, ns, "source", claimSpec(class, "1Gi", nil))
			srcDir, err := full.VolumeDir(srcPV.Spec.CSI.VolumeHandle)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(srcDir, file), []byte("before"), 0o644))

			source := tc.source(t, ctx, ns, src, srcDir)
			_, pv := boundClaim(t, ctx, full, ns, "copy", claimSpec(class, "2Gi", source))
			assert.NotEqual(t, srcPV.Spec.CSI.VolumeHandle, pv.Spec.CSI.VolumeHandle)
			assert.True(t, quantity("2Gi").Equal(pv.Spec.Capacity[corev1.ResourceStorage]), "capacity %v", pv.Spec.Capacity)
			dir, err := full.VolumeDir(pv.Spec.CSI.VolumeHandle)
			require.NoError(t, err)
			data, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err, "the new volume holds the source's files")
			assert.Equal(t, "before", string(data))

			require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte("copy's own"), 0o644))
			data, err = os.ReadFile(filepath.Join(srcDir, file))
			require.NoError(t, err)
			assert.NotEqual(t, "copy's own", string(data), "the copy shares no file with its source")
		})
	}
}

// TestExpand: raising a claim's request makes the resizer expand the
// volume through the driver; the volume and the claim report the new size
// without a kubelet.
func TestExpand(t *testing.T) {
	ctx := ctxT(t)
	ns := cluster.NewNamespace(t)
	class := storageClass(t, ctx, full, true)
	pvc, pv := boundClaim(t, ctx, full, ns, "data", claimSpec(class, "1Gi", nil))
	for _, size := range []string{"2Gi", "5Gi"} {
		t.Run("to "+size, func(t *testing.T) {
			// kube-controller-manager writes the claim's status too.
			require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
				if err := cluster.Client.Get(ctx, client.ObjectKeyFromObject(pvc), pvc); err != nil {
					return err
				}
				pvc.Spec.Resources.Requests[corev1.ResourceStorage] = quantity(size)
				return cluster.Client.Update(ctx, pvc)
			}))

			err := cluster.WaitFor(ctx, pvc, func(o client.Object) (bool, error) {
				c := o.(*corev1.PersistentVolumeClaim)
				return quantity(size).Equal(c.Status.Capacity[corev1.ResourceStorage]), nil
			})
			require.NoError(t, err, "claim %s; logs:\n%s", describe(pvc), full.LogTail())
			require.NoError(t, cluster.Client.Get(ctx, client.ObjectKeyFromObject(pv), pv))
			assert.True(t, quantity(size).Equal(pv.Spec.Capacity[corev1.ResourceStorage]), "volume capacity %v", pv.Spec.Capacity)
			got, err := full.Capacity(pv.Spec.CSI.VolumeHandle)
			require.NoError(t, err)
			assert.Equal(t, bytesOf(size), got, "the driver recorded the new size")
			for _, c := range pvc.Status.Conditions {
				assert.NotContains(t, []corev1.PersistentVolumeClaimConditionType{corev1.PersistentVolumeClaimResizing, corev1.PersistentVolumeClaimFileSystemResizePending}, c.Type, "a resize condition is left")
			}
		})
	}
}

// TestSnapshotSupport: a VolumeSnapshot without a class takes its driver's
// default VolumeSnapshotClass. The driver without snapshots has none (and
// no csi-snapshotter), so the snapshot-controller leaves its VolumeSnapshot
// not ready with an error, while the other driver's becomes ready.
func TestSnapshotSupport(t *testing.T) {
	ctx := ctxT(t)
	snapshotClass(t, ctx, full, true)
	for _, tc := range []struct {
		name      string
		driver    func() *csi.Driver
		wantReady bool
		wantError string
	}{
		{"full driver", func() *csi.Driver { return full }, true, ""},
		{"driver without snapshots", func() *csi.Driver { return limited }, false, "cannot find default snapshot class"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.driver()
			ns := cluster.NewNamespace(t)
			class := storageClass(t, ctx, d, false)
			boundClaim(t, ctx, d, ns, "data", claimSpec(class, "1Gi", nil))
			snap := volumeSnapshot(t, ctx, ns, "snap", "data", "")
			if tc.wantReady {
				waitSnapshot(t, ctx, d, snap, "became ready", readyToUse)
				assert.Empty(t, snapshotError(snap))
				return
			}
			waitSnapshot(t, ctx, d, snap, "reported an error", func(u *unstructured.Unstructured) bool { return snapshotError(u) != "" })
			assert.False(t, readyToUse(snap))
			assert.Contains(t, snapshotError(snap), tc.wantError)
		})
	}
}

// TestCSIDriverObjects: each driver has its CSIDriver object, as Start
// makes it, and a second driver of a name in use is refused.
func TestCSIDriverObjects(t *testing.T) {
	ctx := ctxT(t)
	for _, d := range []*csi.Driver{full, limited} {
		obj := &storagev1.CSIDriver{}
		require.NoError(t, cluster.Client.Get(ctx, client.ObjectKey{Name: d.Name()}, obj))
		assert.Equal(t, ptr.To(false), obj.Spec.AttachRequired, d.Name())
		assert.Equal(t, []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}, obj.Spec.VolumeLifecycleModes, d.Name())
		assert.Equal(t, csi.ManagedByValue, obj.Labels[csi.ManagedByLabel], d.Name())
	}
	_, err := csi.Start(ctx, cluster, csi.Options{Name: full.Name()})
	var oe *csi.OptionsError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "Name", oe.Field)
	obj := &storagev1.CSIDriver{}
	assert.NoError(t, cluster.Client.Get(ctx, client.ObjectKey{Name: full.Name()}, obj), "the refused start left the running driver's object alone")
}

// TestStartRefuses: bad options and a cluster without nodes are refused
// before anything starts.
func TestStartRefuses(t *testing.T) {
	ctx := ctxT(t)
	for _, tc := range []struct {
		name    string
		cluster *testenv.Cluster
		opts    csi.Options
		field   string
	}{
		{"no cluster", nil, csi.Options{}, "cluster"},
		{"cluster without nodes", &testenv.Cluster{Config: cluster.Config}, csi.Options{}, "cluster"},
		{"name not a DNS subdomain", cluster, csi.Options{Name: "Not_A_Name"}, "Name"},
		{"negative timeout", cluster, csi.Options{Name: "x.example.com", StartTimeout: -1}, "StartTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := csi.Start(ctx, tc.cluster, tc.opts)
			var oe *csi.OptionsError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tc.field, oe.Field)
		})
	}
}
