package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/storage"
)

// rawPoll is the raw path's polling interval: the Client's, so the rows
// differ only in what the Client does besides waiting.
const rawPoll = 100 * time.Millisecond

// rawSnapshot is what a program does without the Client: create the
// VolumeSnapshot with the driver's class and poll until it is ready.
func rawSnapshot(ctx context.Context, c client.Client, project, claim, class string) (*snapshotv1.VolumeSnapshot, error) {
	snap := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, GenerateName: claim + "-"},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim)},
			VolumeSnapshotClassName: ptr.To(class),
		},
	}
	if err := c.Create(ctx, snap); err != nil {
		return nil, err
	}
	err := wait.PollUntilContextCancel(ctx, rawPoll, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(snap), snap); err != nil {
			return false, err
		}
		return snap.Status != nil && ptr.Deref(snap.Status.ReadyToUse, false), nil
	})
	return snap, err
}

// rawRestore creates claim from snapshot with the given class and size and
// polls until it is bound.
func rawRestore(ctx context.Context, c client.Client, project, snapshot, claim, class string, size resource.Quantity) (*corev1.PersistentVolumeClaim, error) {
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: claim},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
			DataSource:       &corev1.TypedLocalObjectReference{APIGroup: ptr.To(snapshotv1.GroupName), Kind: "VolumeSnapshot", Name: snapshot},
		},
	}
	if err := c.Create(ctx, pvc); err != nil {
		return nil, err
	}
	err := wait.PollUntilContextCancel(ctx, rawPoll, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(pvc), pvc); err != nil {
			return false, err
		}
		return pvc.Status.Phase == corev1.ClaimBound, nil
	})
	return pvc, err
}

// BenchmarkSnapshotToReady and BenchmarkRestoreToBound time issue 12's
// round trips on the real CSI stack, through the Client and through the
// raw calls a program would make (same polling interval), alternating
// rows within one run. Before timing, both paths give the same answer: a
// ready snapshot of the same restore size, a bound claim of the same
// capacity.
func BenchmarkSnapshotToReady(b *testing.B) {
	ctx := context.Background()
	project := env.NewNamespace(b)
	boundClaimB(b, ctx, project, "data")
	viaClient := func() (*snapshotv1.VolumeSnapshot, error) {
		return sc.CreateSnapshot(ctx, project, "data", storage.CreateSnapshotOptions{Wait: true})
	}
	viaRaw := func() (*snapshotv1.VolumeSnapshot, error) {
		return rawSnapshot(ctx, env.Client, project, "data", fullSnapshotClass)
	}
	a, err := viaClient()
	require.NoError(b, err)
	r, err := viaRaw()
	require.NoError(b, err)
	require.True(b, a.Status.RestoreSize.Equal(*r.Status.RestoreSize), "same restore size")
	require.Equal(b, ptr.Deref(a.Spec.VolumeSnapshotClassName, ""), ptr.Deref(r.Spec.VolumeSnapshotClassName, ""))
	for _, row := range []struct {
		name string
		do   func() (*snapshotv1.VolumeSnapshot, error)
	}{{"client", viaClient}, {"raw", viaRaw}} {
		b.Run(row.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := row.do(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRestoreToBound(b *testing.B) {
	ctx := context.Background()
	project := env.NewNamespace(b)
	boundClaimB(b, ctx, project, "data")
	snap, err := sc.CreateSnapshot(ctx, project, "data", storage.CreateSnapshotOptions{Wait: true})
	require.NoError(b, err)
	n := 0
	next := func() string { n++; return fmt.Sprintf("restored-%d", n) }
	viaClient := func() (*corev1.PersistentVolumeClaim, error) {
		return sc.RestoreSnapshot(ctx, project, snap.Name, next(), storage.RestoreOptions{Wait: true})
	}
	viaRaw := func() (*corev1.PersistentVolumeClaim, error) {
		return rawRestore(ctx, env.Client, project, snap.Name, next(), fullClass, *snap.Status.RestoreSize)
	}
	a, err := viaClient()
	require.NoError(b, err)
	r, err := viaRaw()
	require.NoError(b, err)
	require.True(b, a.Status.Capacity.Storage().Equal(*r.Status.Capacity.Storage()), "same capacity")
	for _, row := range []struct {
		name string
		do   func() (*corev1.PersistentVolumeClaim, error)
	}{{"client", viaClient}, {"raw", viaRaw}} {
		b.Run(row.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := row.do(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCapabilities discovers what 200 StorageClasses of 20 CSI
// drivers (each with a CSIDriver, a CSINode entry and a
// VolumeSnapshotClass) can do: every class once per iteration, read from
// the API server and from a synced cache.
func BenchmarkCapabilities(b *testing.B) {
	ctx := context.Background()
	const drivers, classes = 20, 200
	suffix := name("b")
	var objs []client.Object
	for d := range drivers {
		drv := fmt.Sprintf("d%02d-%s.csi.example.com", d, suffix)
		objs = append(objs,
			&storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: drv}},
			&snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: "vsc-" + drv}, Driver: drv, DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete})
	}
	var names []string
	for i := range classes {
		n := fmt.Sprintf("sc-%s-%03d", suffix, i)
		names = append(names, n)
		objs = append(objs, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: n},
			Provisioner: fmt.Sprintf("d%02d-%s.csi.example.com", i%drivers, suffix), AllowVolumeExpansion: ptr.To(i%2 == 0)})
	}
	for _, o := range objs {
		require.NoError(b, env.Client.Create(ctx, o))
	}
	b.Cleanup(func() {
		for _, o := range objs {
			_ = env.Client.Delete(context.Background(), o)
		}
	})
	cache := env.Manager.GetCache()
	discover := func(r client.Reader) ([]string, error) {
		var out []string
		for _, n := range names {
			cl := &storagev1.StorageClass{}
			if err := r.Get(ctx, client.ObjectKey{Name: n}, cl); err != nil {
				return nil, err
			}
			caps, err := storage.CapabilitiesOf(ctx, r, cl)
			if err != nil {
				return nil, err
			}
			out = append(out, fmt.Sprint(caps.Snapshot, caps.Clone, caps.Expansion, caps.SnapshotClasses))
		}
		return out, nil
	}
	var fromCache []string
	require.Eventually(b, func() bool {
		var err error
		fromCache, err = discover(cache)
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "the cache never had the classes")
	fromAPI, err := discover(env.Client)
	require.NoError(b, err)
	require.Equal(b, fromAPI, fromCache, "both readers give the same answers")
	for _, row := range []struct {
		name string
		r    client.Reader
	}{{"api-server", env.Client}, {"cache", cache}} {
		b.Run(row.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := discover(row.r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func boundClaimB(b *testing.B, ctx context.Context, project, name string) {
	b.Helper()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(fullClass),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Mi")}},
		},
	}
	require.NoError(b, env.Client.Create(ctx, pvc))
	_, err := sc.WaitForClaim(ctx, project, name)
	require.NoError(b, err)
}
