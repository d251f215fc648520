package controllers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/spherekit/spherekit/storage"
)

// VolumeStatsSource reports the kubelet's statistics of mounted volumes by
// claim. PrometheusVolumeStats reads them from Prometheus; a host may read
// them from anywhere else.
type VolumeStatsSource interface {
	VolumeStats(ctx context.Context) (map[types.NamespacedName]storage.VolumeStats, error)
}

// DefaultAutoResizeInterval is how often AutoResizer looks at the claims.
const DefaultAutoResizeInterval = time.Minute

// AutoResizer expands claims whose free space runs low, by the policy of
// their annotations and their class's (storage.ResizePolicyOf, KubeSphere's
// pvc-autoresizer's annotations): every Interval it reads Stats and raises
// the request of each claim due (storage.ResizePolicy.NextSize); the CSI
// resizer does the rest. It records the capacity it saw in
// storage.PreviousCapacityAnnotation and starts no other expansion of the
// claim until the volume reports another, so a restart does not expand a
// claim twice. Each expansion is announced by a Normal "Resized" event on
// the claim; a malformed annotation by a Warning "ResizeInvalid".
//
// It is a manager Runnable: it runs only on the leader.
type AutoResizer struct {
	Common
	// Stats reports volume usage; required.
	Stats VolumeStatsSource
	// Interval between passes; zero means DefaultAutoResizeInterval.
	Interval time.Duration
	// Recorder records the events; nil records none.
	Recorder recorder.EventRecorder
}

// SetupWithManager adds r to mgr, to run once the manager starts.
func (r *AutoResizer) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	if r.Stats == nil {
		return fmt.Errorf("auto resizer: %w", &OptionsError{Field: "Stats", Reason: "a volume statistics source is required"})
	}
	if r.Interval < 0 {
		return fmt.Errorf("auto resizer: %w", &OptionsError{Field: "Interval", Reason: "must not be negative"})
	}
	return mgr.Add(r)
}

// NeedLeaderElection reports that only the leader expands claims.
func (r *AutoResizer) NeedLeaderElection() bool { return true }

// Start runs passes until ctx ends. A failed pass is logged and retried at
// the next tick.
func (r *AutoResizer) Start(ctx context.Context) error {
	interval := r.Interval
	if interval == 0 {
		interval = DefaultAutoResizeInterval
	}
	log := ctrl.LoggerFrom(ctx).WithName("auto-resizer")
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := r.Pass(ctx); err != nil && ctx.Err() == nil {
			log.Error(err, "auto-resize pass failed")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Pass looks at every claim once and returns those whose expansion it
// started. Host programs call it directly to expand on their own schedule.
func (r *AutoResizer) Pass(ctx context.Context) ([]types.NamespacedName, error) {
	stats, err := r.Stats.VolumeStats(ctx)
	if err != nil {
		return nil, fmt.Errorf("read volume stats: %w", err)
	}
	var classes storagev1.StorageClassList
	if err := r.Client.List(ctx, &classes); err != nil {
		return nil, fmt.Errorf("list storage classes: %w", err)
	}
	byName := make(map[string]*storagev1.StorageClass, len(classes.Items))
	for i := range classes.Items {
		byName[classes.Items[i].Name] = &classes.Items[i]
	}
	var claims corev1.PersistentVolumeClaimList
	if err := r.Client.List(ctx, &claims); err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	var started []types.NamespacedName
	var errs []error
	for i := range claims.Items {
		pvc := &claims.Items[i]
		key := types.NamespacedName{Namespace: pvc.Namespace, Name: pvc.Name}
		sc, ok := byName[storage.ClaimClass(pvc)]
		st, measured := stats[key]
		if !ok || !measured {
			continue
		}
		policy, enabled, err := storage.ResizePolicyOf(pvc, sc)
		if err != nil {
			r.event(pvc, corev1.EventTypeWarning, "ResizeInvalid", err.Error())
			continue
		}
		if !enabled || waiting(pvc, st) {
			continue
		}
		next, due := policy.NextSize(pvc.Spec.Resources.Requests[corev1.ResourceStorage], st)
		if !due {
			continue
		}
		done, err := r.expand(ctx, key, st, next)
		if err != nil {
			errs = append(errs, fmt.Errorf("expand %s: %w", key, err))
			continue
		}
		if done != nil {
			r.event(done, corev1.EventTypeNormal, "Resized", fmt.Sprintf("free space below the threshold: request raised to %s", next.String()))
			started = append(started, key)
		}
	}
	return started, errors.Join(errs...)
}

// waiting reports whether the claim's last expansion is still in progress:
// the volume reports the capacity recorded when it started.
func waiting(pvc *corev1.PersistentVolumeClaim, st storage.VolumeStats) bool {
	prev, ok := pvc.Annotations[storage.PreviousCapacityAnnotation]
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(prev, 10, 64)
	return err == nil && n == st.CapacityBytes
}

// expand raises the claim's request to next and records the capacity it
// saw, on the claim as the API server has it; nil when the claim has gone
// or another writer raised it already.
func (r *AutoResizer) expand(ctx context.Context, key types.NamespacedName, st storage.VolumeStats, next resource.Quantity) (*corev1.PersistentVolumeClaim, error) {
	var out *corev1.PersistentVolumeClaim
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pvc := &corev1.PersistentVolumeClaim{}
		if err := r.Client.Get(ctx, key, pvc); err != nil {
			return err
		}
		if cur := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; cur.Cmp(next) >= 0 || waiting(pvc, st) {
			return nil
		}
		if pvc.Annotations == nil {
			pvc.Annotations = map[string]string{}
		}
		pvc.Annotations[storage.PreviousCapacityAnnotation] = strconv.FormatInt(st.CapacityBytes, 10)
		pvc.Spec.Resources.Requests[corev1.ResourceStorage] = next
		if err := r.Client.Update(ctx, pvc, client.FieldOwner(r.fieldOwner())); err != nil {
			return err
		}
		out = pvc
		return nil
	})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}

func (r *AutoResizer) event(pvc *corev1.PersistentVolumeClaim, kind, reason, note string) {
	if r.Recorder != nil {
		r.Recorder.Eventf(pvc, nil, kind, reason, "AutoResize", "%s", note)
	}
}

// PrometheusVolumeStats reads volume statistics from the kubelet's
// kubelet_volume_stats_* series in a Prometheus that scrapes the kubelets
// (their namespace and persistentvolumeclaim labels name the claim).
type PrometheusVolumeStats struct {
	API promv1.API
}

// VolumeStats queries the four series at the current time.
func (p PrometheusVolumeStats) VolumeStats(ctx context.Context) (map[types.NamespacedName]storage.VolumeStats, error) {
	out := map[types.NamespacedName]storage.VolumeStats{}
	for _, q := range []struct {
		metric string
		set    func(*storage.VolumeStats, int64)
	}{
		{"kubelet_volume_stats_capacity_bytes", func(s *storage.VolumeStats, v int64) { s.CapacityBytes = v }},
		{"kubelet_volume_stats_available_bytes", func(s *storage.VolumeStats, v int64) { s.AvailableBytes = v }},
		{"kubelet_volume_stats_inodes", func(s *storage.VolumeStats, v int64) { s.Inodes = v }},
		{"kubelet_volume_stats_inodes_free", func(s *storage.VolumeStats, v int64) { s.InodesFree = v }},
	} {
		val, _, _, err := p.API.Query(ctx, q.metric, time.Now())
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q.metric, err)
		}
		vec, ok := val.(model.Vector)
		if !ok {
			return nil, fmt.Errorf("query %s: a %s, not a vector", q.metric, val.Type())
		}
		addSamples(out, vec, q.set)
	}
	return out, nil
}

// addSamples sets one statistic of each claim a sample names.
func addSamples(out map[types.NamespacedName]storage.VolumeStats, vec model.Vector, set func(*storage.VolumeStats, int64)) {
	for _, s := range vec {
		key := types.NamespacedName{Namespace: string(s.Metric["namespace"]), Name: string(s.Metric["persistentvolumeclaim"])}
		if key.Namespace == "" || key.Name == "" {
			continue
		}
		st := out[key]
		set(&st, int64(s.Value))
		out[key] = st
	}
}
