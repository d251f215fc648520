package storage

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Auto-expansion annotations, as KubeSphere's pvc-autoresizer reads them
// from StorageClasses and claims.
const (
	// AutoResizeAnnotation "true" on a class expands its claims, on a claim
	// that claim. A claim's "false" opts it out of its class's expansion
	// (KubeSphere's expands it anyway).
	AutoResizeAnnotation = "resize.kubesphere.io/enabled"
	// ResizeThresholdAnnotation is the free space below which a claim is
	// expanded: a percentage of the volume's capacity ("10%", the default)
	// or a quantity ("1Gi"). The claim's value wins over its class's.
	ResizeThresholdAnnotation = "resize.kubesphere.io/threshold"
	// ResizeInodesThresholdAnnotation is the same for free inodes, a
	// percentage only (default "10%"), read from the claim.
	ResizeInodesThresholdAnnotation = "resize.kubesphere.io/inodes-threshold"
	// ResizeIncreaseAnnotation is how much an expansion adds: a percentage
	// of the current request ("10%", the default) or a quantity. The
	// claim's value wins over its class's.
	ResizeIncreaseAnnotation = "resize.kubesphere.io/increase"
	// StorageLimitAnnotation caps expansions. The class's value wins over
	// the claim's, which wins over the claim's spec.resources.limits.storage;
	// without any of them a claim is never expanded.
	StorageLimitAnnotation = "resize.kubesphere.io/storage-limit"
	// PreviousCapacityAnnotation records the capacity a claim had when it
	// was last expanded: while the volume still reports it, the expansion
	// is in progress and no other starts (so a restarted resizer does not
	// expand twice).
	PreviousCapacityAnnotation = "resize.kubesphere.io/pre-capacity-bytes"
)

// Defaults of the auto-expansion annotations.
const (
	DefaultResizeThreshold       = "10%"
	DefaultResizeInodesThreshold = "10%"
	DefaultResizeIncrease        = "10%"
)

// VolumeStats is what the kubelet reports about a mounted volume
// (kubelet_volume_stats_*).
type VolumeStats struct {
	CapacityBytes  int64
	AvailableBytes int64
	Inodes         int64
	InodesFree     int64
}

// ResizePolicy is a claim's auto-expansion policy, from its annotations and
// its class's.
type ResizePolicy struct {
	// Threshold and InodesThreshold are the free space and free inodes
	// below which the claim is expanded; Increase is what an expansion
	// adds. Each is a percentage or (not InodesThreshold) a quantity.
	Threshold, InodesThreshold, Increase string
	// Limit caps expansions.
	Limit resource.Quantity
}

// ResizePolicyOf returns the auto-expansion policy of pvc of class sc, and
// whether the claim is expanded automatically at all: the class or the
// claim enables it, the claim has not opted out, the class allows
// expansion, the claim is bound, is a filesystem volume, and has a limit.
// A malformed annotation is an *InvalidError naming it.
func ResizePolicyOf(pvc *corev1.PersistentVolumeClaim, sc *storagev1.StorageClass) (ResizePolicy, bool, error) {
	enabled := pvc.Annotations[AutoResizeAnnotation] == "true" ||
		(sc.Annotations[AutoResizeAnnotation] == "true" && pvc.Annotations[AutoResizeAnnotation] != "false")
	if !enabled || sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion || pvc.Status.Phase != corev1.ClaimBound ||
		(pvc.Spec.VolumeMode != nil && *pvc.Spec.VolumeMode != corev1.PersistentVolumeFilesystem) {
		return ResizePolicy{}, false, nil
	}
	p := ResizePolicy{
		Threshold:       first(pvc.Annotations[ResizeThresholdAnnotation], sc.Annotations[ResizeThresholdAnnotation], DefaultResizeThreshold),
		InodesThreshold: first(pvc.Annotations[ResizeInodesThresholdAnnotation], DefaultResizeInodesThreshold),
		Increase:        first(pvc.Annotations[ResizeIncreaseAnnotation], sc.Annotations[ResizeIncreaseAnnotation], DefaultResizeIncrease),
	}
	field := "metadata.annotations[" + StorageLimitAnnotation + "]"
	switch limit := first(sc.Annotations[StorageLimitAnnotation], pvc.Annotations[StorageLimitAnnotation]); {
	case limit != "":
		q, err := resource.ParseQuantity(limit)
		if err != nil {
			return ResizePolicy{}, false, &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a quantity", limit), Err: err}
		}
		p.Limit = q
	default:
		p.Limit = pvc.Spec.Resources.Limits[corev1.ResourceStorage]
	}
	if p.Limit.Sign() <= 0 {
		return ResizePolicy{}, false, nil
	}
	for _, a := range []struct{ key, value string }{
		{ResizeThresholdAnnotation, p.Threshold}, {ResizeIncreaseAnnotation, p.Increase},
	} {
		if _, err := sizeOf(a.value, 100); err != nil {
			return ResizePolicy{}, false, &InvalidError{Field: "metadata.annotations[" + a.key + "]", Reason: err.Error()}
		}
	}
	if !strings.HasSuffix(p.InodesThreshold, "%") {
		return ResizePolicy{}, false, &InvalidError{Field: "metadata.annotations[" + ResizeInodesThresholdAnnotation + "]", Reason: fmt.Sprintf("%q is not a percentage", p.InodesThreshold)}
	}
	if _, err := sizeOf(p.InodesThreshold, 100); err != nil {
		return ResizePolicy{}, false, &InvalidError{Field: "metadata.annotations[" + ResizeInodesThresholdAnnotation + "]", Reason: err.Error()}
	}
	return p, true, nil
}

// NextSize decides the expansion of a claim requesting request whose
// volume reports stats: when free space or free inodes are below their
// thresholds, the request grows by Increase, rounded up to a whole GiB (as
// KubeSphere's pvc-autoresizer does) and capped at Limit. ok is false when
// no expansion is due or the limit is reached. The policy must come from
// ResizePolicyOf.
func (p ResizePolicy) NextSize(request resource.Quantity, stats VolumeStats) (next resource.Quantity, ok bool) {
	if request.Cmp(p.Limit) >= 0 {
		return resource.Quantity{}, false
	}
	threshold, _ := sizeOf(p.Threshold, stats.CapacityBytes)
	inodes, _ := sizeOf(p.InodesThreshold, stats.Inodes)
	if stats.AvailableBytes >= threshold && (stats.Inodes == 0 || stats.InodesFree >= inodes) {
		return resource.Quantity{}, false
	}
	increase, _ := sizeOf(p.Increase, request.Value())
	const gib = 1 << 30
	bytes := int64(math.Ceil(float64(request.Value()+increase)/gib)) * gib
	next = *resource.NewQuantity(bytes, resource.BinarySI)
	if next.Cmp(p.Limit) > 0 {
		next = p.Limit.DeepCopy()
	}
	return next, next.Cmp(request) > 0
}

// sizeOf reads a percentage of whole, or a positive quantity.
func sizeOf(v string, whole int64) (int64, error) {
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		rate, err := strconv.ParseFloat(pct, 64)
		if err != nil || rate < 0 || rate > 100 {
			return 0, fmt.Errorf("%q is not a percentage from 0%% to 100%%", v)
		}
		return int64(float64(whole) * rate / 100), nil
	}
	q, err := resource.ParseQuantity(v)
	if err != nil || q.Sign() <= 0 {
		return 0, fmt.Errorf("%q is neither a percentage nor a positive quantity", v)
	}
	return q.Value(), nil
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
