package storage_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/spherekit/spherekit/storage"
	"github.com/spherekit/spherekit/storage/controllers"
	"github.com/spherekit/spherekit/testenv"
)

// TestResizePolicyOf: which claims are expanded automatically, with which
// policy, and which annotations are refused.
func TestResizePolicyOf(t *testing.T) {
	class := func(ann map[string]string, expand bool) *storagev1.StorageClass {
		return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast", Annotations: ann}, AllowVolumeExpansion: ptr.To(expand)}
	}
	claim := func(ann map[string]string, mutate ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "data", Annotations: ann},
			Spec:       corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("fast")},
			Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound},
		}
		for _, m := range mutate {
			m(pvc)
		}
		return pvc
	}
	on := map[string]string{storage.AutoResizeAnnotation: "true", storage.StorageLimitAnnotation: "10Gi"}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	defaults := storage.ResizePolicy{Threshold: "10%", InodesThreshold: "10%", Increase: "10%", Limit: resource.MustParse("10Gi")}
	for _, tc := range []struct {
		name    string
		pvc     *corev1.PersistentVolumeClaim
		sc      *storagev1.StorageClass
		want    storage.ResizePolicy
		enabled bool
		field   string
	}{
		{name: "enabled on the claim", pvc: claim(on), sc: class(nil, true), want: defaults, enabled: true},
		{name: "enabled on the class, limit on the class", sc: class(on, true), pvc: claim(nil), want: defaults, enabled: true},
		{name: "the claim opts out of its class", sc: class(on, true), pvc: claim(map[string]string{storage.AutoResizeAnnotation: "false"})},
		{name: "not enabled", pvc: claim(map[string]string{storage.StorageLimitAnnotation: "10Gi"}), sc: class(nil, true)},
		{name: "class without expansion", pvc: claim(on), sc: class(nil, false)},
		{name: "claim not bound", pvc: claim(on, func(p *corev1.PersistentVolumeClaim) { p.Status.Phase = corev1.ClaimPending }), sc: class(nil, true)},
		{name: "block volume", pvc: claim(on, func(p *corev1.PersistentVolumeClaim) { p.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeBlock) }), sc: class(nil, true)},
		{name: "no limit anywhere", pvc: claim(map[string]string{storage.AutoResizeAnnotation: "true"}), sc: class(nil, true)},
		{name: "the claim's spec limit", pvc: claim(map[string]string{storage.AutoResizeAnnotation: "true"}, func(p *corev1.PersistentVolumeClaim) {
			p.Spec.Resources.Limits = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}
		}), sc: class(nil, true), want: defaults, enabled: true},
		{name: "the class's limit wins", pvc: claim(on), sc: class(map[string]string{storage.StorageLimitAnnotation: "20Gi"}, true),
			want: storage.ResizePolicy{Threshold: "10%", InodesThreshold: "10%", Increase: "10%", Limit: resource.MustParse("20Gi")}, enabled: true},
		{name: "the claim's threshold and increase win", pvc: claim(with(on, storage.ResizeThresholdAnnotation, "1Gi", storage.ResizeIncreaseAnnotation, "2Gi")),
			sc:   class(map[string]string{storage.ResizeThresholdAnnotation: "50%", storage.ResizeIncreaseAnnotation: "50%"}, true),
			want: storage.ResizePolicy{Threshold: "1Gi", InodesThreshold: "10%", Increase: "2Gi", Limit: resource.MustParse("10Gi")}, enabled: true},
		{name: "the class's threshold", pvc: claim(on), sc: class(map[string]string{storage.ResizeThresholdAnnotation: "50%"}, true),
			want: storage.ResizePolicy{Threshold: "50%", InodesThreshold: "10%", Increase: "10%", Limit: resource.MustParse("10Gi")}, enabled: true},
		{name: "bad limit", pvc: claim(with(on, storage.StorageLimitAnnotation, "lots")), sc: class(nil, true), field: "metadata.annotations[resize.kubesphere.io/storage-limit]"},
		{name: "percentage above 100", pvc: claim(with(on, storage.ResizeThresholdAnnotation, "120%")), sc: class(nil, true), field: "metadata.annotations[resize.kubesphere.io/threshold]"},
		{name: "negative increase", pvc: claim(with(on, storage.ResizeIncreaseAnnotation, "-1Gi")), sc: class(nil, true), field: "metadata.annotations[resize.kubesphere.io/increase]"},
		{name: "inodes threshold as a quantity", pvc: claim(with(on, storage.ResizeInodesThresholdAnnotation, "1000")), sc: class(nil, true), field: "metadata.annotations[resize.kubesphere.io/inodes-threshold]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, enabled, err := storage.ResizePolicyOf(tc.pvc, tc.sc)
			if tc.field != "" {
				var invalid *storage.InvalidError
				require.ErrorAs(t, err, &invalid)
				assert.Equal(t, tc.field, invalid.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.enabled, enabled)
			if tc.enabled {
				assert.Equal(t, tc.want.Threshold, got.Threshold)
				assert.Equal(t, tc.want.InodesThreshold, got.InodesThreshold)
				assert.Equal(t, tc.want.Increase, got.Increase)
				assert.True(t, tc.want.Limit.Equal(got.Limit), "limit %s", got.Limit.String())
			}
		})
	}
}

// TestNextSize: an expansion is due below either threshold, grows by the
// increase rounded up to a whole GiB, and stops at the limit.
func TestNextSize(t *testing.T) {
	const gib = int64(1) << 30
	p := storage.ResizePolicy{Threshold: "10%", InodesThreshold: "10%", Increase: "10%", Limit: resource.MustParse("10Gi")}
	q := resource.MustParse
	for _, tc := range []struct {
		name    string
		policy  storage.ResizePolicy
		request resource.Quantity
		stats   storage.VolumeStats
		want    string
	}{
		{"plenty free", p, q("4Gi"), storage.VolumeStats{CapacityBytes: 4 * gib, AvailableBytes: 2 * gib}, ""},
		{"exactly at the threshold", p, q("10Gi"), storage.VolumeStats{CapacityBytes: 10 * gib, AvailableBytes: gib}, ""},
		{"below the threshold: +10% rounded up to 5Gi", p, q("4Gi"), storage.VolumeStats{CapacityBytes: 4 * gib, AvailableBytes: gib / 10}, "5Gi"},
		{"a small claim grows to 1Gi", p, q("100Mi"), storage.VolumeStats{CapacityBytes: 100 << 20, AvailableBytes: 1 << 20}, "1Gi"},
		{"capped at the limit", p, q("9800Mi"), storage.VolumeStats{CapacityBytes: 9800 << 20, AvailableBytes: 0}, "10Gi"},
		{"limit reached", p, q("10Gi"), storage.VolumeStats{CapacityBytes: 10 * gib, AvailableBytes: 0}, ""},
		{"free inodes low", p, q("4Gi"), storage.VolumeStats{CapacityBytes: 4 * gib, AvailableBytes: 2 * gib, Inodes: 1000, InodesFree: 50}, "5Gi"},
		{"no inode statistics", p, q("4Gi"), storage.VolumeStats{CapacityBytes: 4 * gib, AvailableBytes: 2 * gib}, ""},
		{"a quantity threshold and increase", storage.ResizePolicy{Threshold: "3Gi", InodesThreshold: "10%", Increase: "3Gi", Limit: q("100Gi")},
			q("4Gi"), storage.VolumeStats{CapacityBytes: 4 * gib, AvailableBytes: 2 * gib}, "7Gi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, ok := tc.policy.NextSize(tc.request, tc.stats)
			if tc.want == "" {
				assert.False(t, ok, "no expansion, got %s", next.String())
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, next.String())
		})
	}
}

// staticStats is a volume statistics source a test sets: no kubelet runs
// on testenv's simulated nodes, so nothing measures the volumes.
type staticStats map[types.NamespacedName]storage.VolumeStats

func (s staticStats) VolumeStats(context.Context) (map[types.NamespacedName]storage.VolumeStats, error) {
	return s, nil
}

// TestAutoResizer: a claim of a class that enables auto-expansion, whose
// volume reports little free space, is expanded through the real
// csi-resizer; while the volume still reports the capacity it had, further
// passes (a restarted resizer's included) start nothing; once it reports
// the new capacity with room to spare, nothing is due.
func TestAutoResizer(t *testing.T) {
	ctx := ctxT(t)
	project := env.NewNamespace(t)
	class := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: name("auto"), Annotations: map[string]string{
			storage.AutoResizeAnnotation: "true", storage.StorageLimitAnnotation: "3Gi"}},
		Provisioner: full.Name(), AllowVolumeExpansion: ptr.To(true),
	}
	create(t, class)
	pvc, _ := boundClaim(t, ctx, full, project, "data", class.Name, "1Mi")
	boundClaim(t, ctx, full, project, "other", fullClass, "1Mi")
	key := types.NamespacedName{Namespace: project, Name: "data"}
	other := types.NamespacedName{Namespace: project, Name: "other"}
	stats := staticStats{
		key:   {CapacityBytes: 1 << 20, AvailableBytes: 1 << 10},
		other: {CapacityBytes: 1 << 20, AvailableBytes: 0}, // its class does not enable auto-expansion
	}
	resizer := &controllers.AutoResizer{Common: controllers.Common{Client: env.Client, Scheme: env.Client.Scheme()}, Stats: stats}

	started, err := resizer.Pass(ctx)
	require.NoError(t, err)
	assert.Equal(t, []types.NamespacedName{key}, started)
	testenv.Eventually(t, func() (bool, error) {
		if err := env.Client.Get(ctx, key, pvc); err != nil {
			return false, err
		}
		return resource.MustParse("1Gi").Equal(pvc.Status.Capacity[corev1.ResourceStorage]), nil
	}, "the resizer did not expand %s: %s", key, full.LogTail())
	assert.Equal(t, "1048576", pvc.Annotations[storage.PreviousCapacityAnnotation])

	again := &controllers.AutoResizer{Common: resizer.Common, Stats: stats}
	started, err = again.Pass(ctx)
	require.NoError(t, err)
	assert.Empty(t, started, "the volume still reports its old capacity: the expansion is in progress")

	stats[key] = storage.VolumeStats{CapacityBytes: 1 << 30, AvailableBytes: 1 << 29}
	started, err = again.Pass(ctx)
	require.NoError(t, err)
	assert.Empty(t, started, "room to spare")

	stats[key] = storage.VolumeStats{CapacityBytes: 1 << 30, AvailableBytes: 1 << 20}
	started, err = again.Pass(ctx)
	require.NoError(t, err)
	assert.Equal(t, []types.NamespacedName{key}, started, "full again: 1Gi + 10% rounds up to 2Gi")
	require.NoError(t, env.Client.Get(ctx, key, pvc))
	assert.Equal(t, "2Gi", pvc.Spec.Resources.Requests.Storage().String())
}
