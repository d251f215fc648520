package controllers

import (
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/types"

	"github.com/spherekit/spherekit/storage"
)

// TestAddSamples: PrometheusVolumeStats keys the kubelet's samples by
// their namespace and persistentvolumeclaim labels and skips samples
// without them. (Prometheus itself is not started here: the simulated
// nodes have no kubelet whose volume statistics it could scrape.)
func TestAddSamples(t *testing.T) {
	out := map[types.NamespacedName]storage.VolumeStats{}
	sample := func(ns, pvc string, v float64) *model.Sample {
		m := model.Metric{"__name__": "kubelet_volume_stats_capacity_bytes", "node": "n1"}
		if ns != "" {
			m["namespace"] = model.LabelValue(ns)
		}
		if pvc != "" {
			m["persistentvolumeclaim"] = model.LabelValue(pvc)
		}
		return &model.Sample{Metric: m, Value: model.SampleValue(v)}
	}
	addSamples(out, model.Vector{sample("shop", "data", 1024), sample("shop", "", 7), sample("", "data", 7)},
		func(s *storage.VolumeStats, v int64) { s.CapacityBytes = v })
	addSamples(out, model.Vector{sample("shop", "data", 512)},
		func(s *storage.VolumeStats, v int64) { s.AvailableBytes = v })
	assert.Equal(t, map[types.NamespacedName]storage.VolumeStats{
		{Namespace: "shop", Name: "data"}: {CapacityBytes: 1024, AvailableBytes: 512},
	}, out)
}
