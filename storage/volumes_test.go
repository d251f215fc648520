package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	"github.com/spherekit/spherekit/testenv"
)

const dataFile = "greeting.txt"

// ctxT is a context for one test, bounded well below go test's timeout.
func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// boundClaim creates claim name of class in project, waits until it is
// bound and returns it with its volume's folder on the driver.
func boundClaim(t *testing.T, ctx context.Context, d driverDirs, project, name, class, size string) (*corev1.PersistentVolumeClaim, string) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
		},
	}
	create(t, pvc)
	pvc, err := sc.WaitForClaim(ctx, project, name)
	require.NoError(t, err)
	return pvc, volumeDir(t, ctx, d, pvc)
}

// driverDirs is what the tests read of a driver: its volumes' folders.
type driverDirs interface {
	VolumeDir(volumeHandle string) (string, error)
}

func volumeDir(t *testing.T, ctx context.Context, d driverDirs, pvc *corev1.PersistentVolumeClaim) string {
	t.Helper()
	pv := &corev1.PersistentVolume{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, pv))
	require.NotNil(t, pv.Spec.CSI, "volume %s is not a CSI volume", pv.Name)
	dir, err := d.VolumeDir(pv.Spec.CSI.VolumeHandle)
	require.NoError(t, err)
	return dir
}

func readData(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, dataFile))
	require.NoError(t, err)
	return string(data)
}

func writeData(t *testing.T, dir, s string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, dataFile), []byte(s), 0o644))
}

// TestSnapshotAndRestore cuts a snapshot through the Client, which the
// real csi-snapshotter and snapshot-controller make ready; restores it
// into a new claim, which the real csi-provisioner fills with the
// snapshot's data (not what was written after); lists it by status, class
// and source; and deletes it.
func TestSnapshotAndRestore(t *testing.T) {
	ctx := ctxT(t)
	project := env.NewNamespace(t)
	_, srcDir := boundClaim(t, ctx, full, project, "data", fullClass, "1Mi")
	writeData(t, srcDir, "before")

	snap, err := sc.CreateSnapshot(ctx, project, "data", storage.CreateSnapshotOptions{Wait: true, Labels: map[string]string{"app": "db"}})
	require.NoError(t, err, full.LogTail())
	assert.True(t, ptr.Deref(snap.Status.ReadyToUse, false))
	assert.Equal(t, fullSnapshotClass, ptr.Deref(snap.Spec.VolumeSnapshotClassName, ""), "the driver's only class is taken")
	assert.Equal(t, "db", snap.Labels["app"])
	writeData(t, srcDir, "after")

	restored, err := sc.RestoreSnapshot(ctx, project, snap.Name, "restored", storage.RestoreOptions{Wait: true})
	require.NoError(t, err, full.LogTail())
	assert.Equal(t, corev1.ClaimBound, restored.Status.Phase)
	assert.Equal(t, fullClass, storage.ClaimClass(restored), "the source claim's class")
	assert.True(t, resource.MustParse("1Mi").Equal(restored.Spec.Resources.Requests[corev1.ResourceStorage]), "the snapshot's restore size")
	assert.Equal(t, "before", readData(t, volumeDir(t, ctx, full, restored)))

	larger, err := sc.RestoreSnapshot(ctx, project, snap.Name, "larger", storage.RestoreOptions{Size: resource.MustParse("3Mi"), Wait: true})
	require.NoError(t, err, full.LogTail())
	assert.True(t, resource.MustParse("3Mi").Equal(larger.Status.Capacity[corev1.ResourceStorage]), "capacity %v", larger.Status.Capacity)

	for _, tc := range []struct {
		name string
		q    resources.Query
		want int
	}{
		{"ready", resources.Query{Status: resources.StatusReady}, 1},
		{"creating", resources.Query{Status: resources.StatusCreating}, 0},
		{"by class", resources.Query{Filters: map[string]string{resources.FilterVolumeSnapshotClassName: fullSnapshotClass}}, 1},
		{"by source claim", resources.Query{Filters: map[string]string{resources.FilterPersistentVolumeClaimName: "data"}}, 1},
		{"by another source claim", resources.Query{Filters: map[string]string{resources.FilterPersistentVolumeClaimName: "restored"}}, 0},
		{"by label", resources.Query{Label: "app=db"}, 1},
	} {
		t.Run("list "+tc.name, func(t *testing.T) {
			items, total, err := sc.ListSnapshots(ctx, project, tc.q)
			require.NoError(t, err)
			assert.Equal(t, tc.want, total)
			assert.Len(t, items, tc.want)
		})
	}

	require.NoError(t, sc.DeleteSnapshot(ctx, project, snap.Name))
	testenv.Eventually(t, func() (bool, error) {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(snap), &snapshotv1.VolumeSnapshot{})
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	}, "snapshot %s is not deleted", snap.Name)
	require.ErrorIs(t, sc.DeleteSnapshot(ctx, project, snap.Name), storage.ErrNotFound)
}

// TestCloneVolume clones a claim through the Client: the new claim is
// bound in the source's class and holds a copy of the source's files.
func TestCloneVolume(t *testing.T) {
	ctx := ctxT(t)
	project := env.NewNamespace(t)
	_, srcDir := boundClaim(t, ctx, full, project, "data", fullClass, "1Mi")
	writeData(t, srcDir, "original")

	clone, err := sc.CloneVolume(ctx, project, "data", "copy", storage.CloneOptions{Size: resource.MustParse("2Mi"), Wait: true})
	require.NoError(t, err, full.LogTail())
	assert.Equal(t, fullClass, storage.ClaimClass(clone))
	assert.True(t, resource.MustParse("2Mi").Equal(clone.Status.Capacity[corev1.ResourceStorage]))
	dir := volumeDir(t, ctx, full, clone)
	assert.Equal(t, "original", readData(t, dir))
	writeData(t, dir, "changed")
	assert.Equal(t, "original", readData(t, srcDir), "the clone is a copy")
}

// TestExpandVolume grows a claim through the Client, which waits until the
// real csi-resizer has expanded the volume: the claim, its volume and the
// driver all report the new size. The same size again returns at once.
func TestExpandVolume(t *testing.T) {
	ctx := ctxT(t)
	project := env.NewNamespace(t)
	pvc, _ := boundClaim(t, ctx, full, project, "data", fullClass, "1Mi")
	for _, size := range []string{"2Mi", "5Mi", "5Mi"} {
		got, err := sc.ExpandVolume(ctx, project, "data", resource.MustParse(size))
		require.NoError(t, err, full.LogTail())
		assert.True(t, resource.MustParse(size).Equal(got.Status.Capacity[corev1.ResourceStorage]), "claim capacity %v", got.Status.Capacity)
		pv := &corev1.PersistentVolume{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: pvc.Spec.VolumeName}, pv))
		assert.True(t, resource.MustParse(size).Equal(pv.Spec.Capacity[corev1.ResourceStorage]), "volume capacity %v", pv.Spec.Capacity)
		n, err := full.Capacity(pv.Spec.CSI.VolumeHandle)
		require.NoError(t, err)
		want := resource.MustParse(size)
		assert.Equal(t, want.Value(), n, "the driver's record")
	}
}

// TestVolumeUsersAndList: pods that mount a claim are its users, and
// ListVolumes shows KubeSphere's in-use and allow-snapshot annotations
// (computed, never written).
func TestVolumeUsersAndList(t *testing.T) {
	ctx := ctxT(t)
	project := env.NewNamespace(t)
	boundClaim(t, ctx, full, project, "used", fullClass, "1Mi")
	boundClaim(t, ctx, limited, project, "idle", limitedClass, "1Mi")
	for _, name := range []string{"web-1", "web-0"} {
		create(t, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "app", Image: "busybox"}},
				Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "used"}}}},
			},
		})
	}
	users, err := sc.VolumeUsers(ctx, project, "used")
	require.NoError(t, err)
	assert.Equal(t, []string{"web-0", "web-1"}, users)
	users, err = sc.VolumeUsers(ctx, project, "idle")
	require.NoError(t, err)
	assert.Empty(t, users)
	_, err = sc.VolumeUsers(ctx, project, "ghost")
	require.ErrorIs(t, err, storage.ErrNotFound)

	items, total, err := sc.ListVolumes(ctx, project, resources.Query{SortBy: resources.SortByName, Ascending: true})
	require.NoError(t, err)
	require.Equal(t, 2, total)
	require.Len(t, items, 2)
	assert.Equal(t, "idle", items[0].Name)
	assert.Equal(t, "false", items[0].Annotations[storage.InUseAnnotation])
	assert.Equal(t, "false", items[0].Annotations[storage.AllowSnapshotAnnotation], "the limited driver has no snapshot class")
	assert.Equal(t, "true", items[1].Annotations[storage.InUseAnnotation])
	assert.Equal(t, "true", items[1].Annotations[storage.AllowSnapshotAnnotation])
	stored := &corev1.PersistentVolumeClaim{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: project, Name: "used"}, stored))
	assert.NotContains(t, stored.Annotations, storage.InUseAnnotation, "computed, not written")

	_, total, err = sc.ListVolumes(ctx, project, resources.Query{Filters: map[string]string{resources.FilterStorageClassName: limitedClass}})
	require.NoError(t, err)
	assert.Equal(t, 1, total)
}

// TestVolumeRefusals: every operation refuses bad input with a typed error
// naming the field before it writes anything; a clone the driver cannot
// make is removed when the wait ends.
func TestVolumeRefusals(t *testing.T) {
	ctx := ctxT(t)
	// A project of a workspace whose claims of fullClass an Accessor refuses.
	fenced := project(t, workspace(t, nil), nil)
	project := env.NewNamespace(t)
	boundClaim(t, ctx, full, project, "data", fullClass, "2Mi")
	boundClaim(t, ctx, limited, project, "plain", limitedClass, "1Mi")
	create(t, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "pending"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class(t, "example.com/nobody")),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Mi")}},
		},
	})
	snap, err := sc.CreateSnapshot(ctx, project, "data", storage.CreateSnapshotOptions{Name: "snap", Wait: true})
	require.NoError(t, err, full.LogTail())
	notReady := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "not-ready"},
		Spec:       snapshotv1.VolumeSnapshotSpec{Source: snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To("pending")}},
	}
	create(t, notReady)

	create(t, &storagev1alpha1.Accessor{
		ObjectMeta: metav1.ObjectMeta{Name: name("fence")},
		Spec: storagev1alpha1.AccessorSpec{StorageClassName: fullClass, NamespaceSelector: storagev1alpha1.AccessorSelector{
			FieldSelector: []storagev1alpha1.FieldRule{{FieldExpressions: []storagev1alpha1.FieldExpression{
				{Field: storagev1alpha1.FieldName, Operator: storagev1alpha1.NotIn, Values: []string{fenced}}}}}}},
	})

	type check struct {
		is    error
		field string
	}
	invalid := func(field string) check { return check{field: field} }
	for _, tc := range []struct {
		name string
		do   func() error
		want check
	}{
		{"snapshot of a class without snapshots", func() error {
			_, err := sc.CreateSnapshot(ctx, project, "plain", storage.CreateSnapshotOptions{})
			return err
		}, check{is: storage.ErrUnsupported, field: "claim"}},
		{"snapshot of an unbound claim", func() error {
			_, err := sc.CreateSnapshot(ctx, project, "pending", storage.CreateSnapshotOptions{})
			return err
		}, invalid("claim")},
		{"snapshot of an unknown claim", func() error {
			_, err := sc.CreateSnapshot(ctx, project, "ghost", storage.CreateSnapshotOptions{})
			return err
		}, check{is: storage.ErrNotFound, field: "claim"}},
		{"snapshot with another driver's class", func() error {
			_, err := sc.CreateSnapshot(ctx, project, "data", storage.CreateSnapshotOptions{SnapshotClass: "someone-elses"})
			return err
		}, invalid("opts.SnapshotClass")},
		{"snapshot with a bad name", func() error {
			_, err := sc.CreateSnapshot(ctx, project, "data", storage.CreateSnapshotOptions{Name: "Not_A_Name"})
			return err
		}, invalid("opts.Name")},
		{"restore into a smaller claim", func() error {
			_, err := sc.RestoreSnapshot(ctx, project, snap.Name, "small", storage.RestoreOptions{Size: resource.MustParse("1Mi")})
			return err
		}, invalid("opts.Size")},
		{"restore into another driver's class", func() error {
			_, err := sc.RestoreSnapshot(ctx, project, snap.Name, "elsewhere", storage.RestoreOptions{StorageClass: limitedClass})
			return err
		}, invalid("opts.StorageClass")},
		{"restore into an unknown class", func() error {
			_, err := sc.RestoreSnapshot(ctx, project, snap.Name, "nowhere", storage.RestoreOptions{StorageClass: "ghost"})
			return err
		}, check{is: storage.ErrNotFound, field: "opts.StorageClass"}},
		{"restore from a snapshot not ready", func() error {
			_, err := sc.RestoreSnapshot(ctx, project, "not-ready", "early", storage.RestoreOptions{})
			return err
		}, invalid("snapshot")},
		{"restore from an unknown snapshot", func() error {
			_, err := sc.RestoreSnapshot(ctx, project, "ghost", "none", storage.RestoreOptions{})
			return err
		}, check{is: storage.ErrNotFound, field: "snapshot"}},
		{"restore onto an existing claim", func() error {
			_, err := sc.RestoreSnapshot(ctx, project, snap.Name, "plain", storage.RestoreOptions{})
			return err
		}, check{field: "claim", is: nil}},
		{"clone into a smaller claim", func() error {
			_, err := sc.CloneVolume(ctx, project, "data", "small", storage.CloneOptions{Size: resource.MustParse("1Mi")})
			return err
		}, invalid("opts.Size")},
		{"clone of an unbound claim", func() error {
			_, err := sc.CloneVolume(ctx, project, "pending", "copy", storage.CloneOptions{})
			return err
		}, invalid("source")},
		{"expand a class without allowVolumeExpansion", func() error {
			_, err := sc.ExpandVolume(ctx, project, "plain", resource.MustParse("2Mi"))
			return err
		}, check{is: storage.ErrUnsupported, field: "claim"}},
		{"shrink", func() error {
			_, err := sc.ExpandVolume(ctx, project, "data", resource.MustParse("1Mi"))
			return err
		}, invalid("size")},
		{"expand to nothing", func() error {
			_, err := sc.ExpandVolume(ctx, project, "data", resource.Quantity{})
			return err
		}, invalid("size")},
		{"bad project name", func() error {
			_, err := sc.ExpandVolume(ctx, "Bad Project", "data", resource.MustParse("3Mi"))
			return err
		}, invalid("project")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			require.Error(t, err)
			if tc.want.is != nil {
				require.ErrorIs(t, err, tc.want.is)
			}
			assert.Equal(t, tc.want.field, fieldOf(err), "%v", err)
		})
	}

	var claims corev1.PersistentVolumeClaimList
	require.NoError(t, env.Client.List(ctx, &claims, client.InNamespace(project)))
	assert.Len(t, claims.Items, 3, "no claim was created")
	stored := &corev1.PersistentVolumeClaim{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: project, Name: "data"}, stored))
	assert.True(t, resource.MustParse("2Mi").Equal(stored.Spec.Resources.Requests[corev1.ResourceStorage]), "no claim was changed")

	t.Run("a clone the driver cannot make is removed", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		_, err := sc.CloneVolume(short, project, "plain", "impossible", storage.CloneOptions{Wait: true})
		var failed *storage.FailedError
		require.ErrorAs(t, err, &failed)
		assert.True(t, failed.Removed)
		assert.Equal(t, "clone", failed.Operation)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, failed.Reason, "the provisioner reported", "the provisioner's complaint is carried")
		err = env.Client.Get(ctx, client.ObjectKey{Namespace: project, Name: "impossible"}, &corev1.PersistentVolumeClaim{})
		assert.True(t, apierrors.IsNotFound(err), "no orphan claim: %v", err)
	})

	t.Run("a restore into a project an Accessor fences off", func(t *testing.T) {
		// No webhook runs here, so the fenced project can hold a claim of
		// the class; the Client refuses a new one before writing it.
		boundClaim(t, ctx, full, fenced, "data", fullClass, "1Mi")
		s, err := sc.CreateSnapshot(ctx, fenced, "data", storage.CreateSnapshotOptions{Wait: true})
		require.NoError(t, err)
		_, err = sc.RestoreSnapshot(ctx, fenced, s.Name, "restored", storage.RestoreOptions{})
		var denied *storage.AccessDeniedError
		require.ErrorAs(t, err, &denied)
		assert.Equal(t, fullClass, denied.StorageClass)
		_, err = sc.CloneVolume(ctx, fenced, "data", "cloned", storage.CloneOptions{})
		require.ErrorIs(t, err, storage.ErrAccessDenied)
		var claims corev1.PersistentVolumeClaimList
		require.NoError(t, env.Client.List(ctx, &claims, client.InNamespace(fenced)))
		assert.Len(t, claims.Items, 1, "nothing was created")
	})
}

// fieldOf is the field a typed error names; empty for other errors.
func fieldOf(err error) string {
	var invalid *storage.InvalidError
	var notFound *storage.NotFoundError
	var conflict *storage.ConflictError
	switch {
	case errors.As(err, &invalid):
		return invalid.Field
	case errors.As(err, &notFound):
		return notFound.Field
	case errors.As(err, &conflict):
		return conflict.Field
	}
	return ""
}
