package monitoring_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// exporterWorld holds, as their exporters write them, the series of the
// three sources testenv cannot run: the kubelet's volume statistics (no
// kubelet mounts a volume on a kwok node), ingress-nginx's controller
// metrics (its nginx needs OpenResty's Lua modules, which no Go build or
// Debian package here provides) and NVIDIA's DCGM exporter (no GPU). With
// them, the kube-state-metrics and recorded series those levels' templates
// join. The values are chosen so every expected figure below is exact.
//
// Samples every 30 s for 10 minutes; counters grow linearly, so every rate
// over the 5-minute window at 300 s is exact.
const exporterWorld = `
load 30s
  kube_persistentvolumeclaim_info{namespace="shop", persistentvolumeclaim="orders", storageclass="fast"} 1x20
  kube_persistentvolumeclaim_info{namespace="shop", persistentvolumeclaim="logs", storageclass="slow"} 1x20
  kube_persistentvolumeclaim_info{namespace="blog", persistentvolumeclaim="posts", storageclass="fast"} 1x20
  kubelet_volume_stats_capacity_bytes{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="orders"} 10737418240x20
  kubelet_volume_stats_used_bytes{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="orders"} 2684354560x20
  kubelet_volume_stats_available_bytes{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="orders"} 8053063680x20
  kubelet_volume_stats_inodes{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="orders"} 1000x20
  kubelet_volume_stats_inodes_used{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="orders"} 250x20
  kubelet_volume_stats_inodes_free{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="orders"} 750x20
  kubelet_volume_stats_capacity_bytes{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="logs"} 1073741824x20
  kubelet_volume_stats_used_bytes{job="kubelet", node="n1", namespace="shop", persistentvolumeclaim="logs"} 805306368x20
  kubelet_volume_stats_capacity_bytes{job="kubelet", node="n2", namespace="blog", persistentvolumeclaim="posts"} 2147483648x20
  kubelet_volume_stats_used_bytes{job="kubelet", node="n2", namespace="blog", persistentvolumeclaim="posts"} 536870912x20
  nginx_ingress_controller_requests{job="ingress-shop", controller_pod="ctl-1", exported_namespace="shop", ingress="web", status="200"} 0+30x20
  nginx_ingress_controller_requests{job="ingress-shop", controller_pod="ctl-1", exported_namespace="shop", ingress="web", status="404"} 0+6x20
  nginx_ingress_controller_requests{job="ingress-shop", controller_pod="ctl-1", exported_namespace="shop", ingress="api", status="503"} 0+3x20
  nginx_ingress_controller_requests{job="ingress-shop", controller_pod="ctl-1", exported_namespace="blog", ingress="web", status="200"} 0+300x20
  nginx_ingress_controller_request_duration_seconds_sum{job="ingress-shop", controller_pod="ctl-1", exported_namespace="shop", ingress="web"} 0+18x20
  nginx_ingress_controller_request_duration_seconds_count{job="ingress-shop", controller_pod="ctl-1", exported_namespace="shop", ingress="web"} 0+36x20
  nginx_ingress_controller_response_size_sum{job="ingress-shop", controller_pod="ctl-1", exported_namespace="shop", ingress="web"} 0+61440x20
  DCGM_FI_DEV_GPU_UTIL{gpu="0", node="n1", namespace="shop", pod="trainer-0"} 90x20
  DCGM_FI_DEV_GPU_UTIL{gpu="1", node="n1", namespace="shop", pod="trainer-1"} 70x20
  DCGM_FI_DEV_GPU_UTIL{gpu="2", node="n1"} 0x20
  DCGM_FI_DEV_FB_USED{gpu="0", node="n1", namespace="shop", pod="trainer-0"} 4096x20
  DCGM_FI_DEV_FB_USED{gpu="1", node="n1", namespace="shop", pod="trainer-1"} 2048x20
  DCGM_FI_DEV_FB_USED{gpu="2", node="n1"} 0x20
  DCGM_FI_DEV_FB_FREE{gpu="0", node="n1", namespace="shop", pod="trainer-0"} 12288x20
  DCGM_FI_DEV_FB_FREE{gpu="1", node="n1", namespace="shop", pod="trainer-1"} 14336x20
  DCGM_FI_DEV_FB_FREE{gpu="2", node="n1"} 16384x20
  kube_namespace_labels{namespace="shop", label_kubesphere_io_workspace="retail"} 1x20
  kube_namespace_labels{namespace="blog", label_kubesphere_io_workspace="media"} 1x20
  kube_pod_owner{namespace="shop", pod="trainer-0", owner_kind="StatefulSet", owner_name="trainer"} 1x20
  kube_pod_owner{namespace="shop", pod="trainer-1", owner_kind="StatefulSet", owner_name="trainer"} 1x20
  kube_pod_info{namespace="shop", pod="trainer-0", node="n1"} 1x20
  kube_pod_info{namespace="shop", pod="trainer-1", node="n1"} 1x20
  namespace_workload_pod:kube_pod_owner:relabel{namespace="shop", pod="trainer-0", workload="StatefulSet:trainer"} 1x20
  namespace_workload_pod:kube_pod_owner:relabel{namespace="shop", pod="trainer-1", workload="StatefulSet:trainer"} 1x20
`

const (
	gib = 1 << 30
	mib = 1 << 20
)

// TestExporterValues checks by value the metrics of the levels whose
// sources cannot run here (pvc, ingress and GPU at every level), with the
// catalog's expressions evaluated by Prometheus's own engine over the
// series those exporters write. It is the one place the monitoring tests
// stand in for real servers; TestValues checks every other level on the
// real stack.
func TestExporterValues(t *testing.T) {
	engine := promqltest.NewTestEngineWithOpts(t, promql.EngineOpts{MaxSamples: 1_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	db := promqltest.LoadedStorage(t, exporterWorld)
	shopPVC := monitoring.Target{Level: monitoring.LevelPVC, Namespace: "shop"}
	shopIngress := monitoring.Target{Level: monitoring.LevelIngress, Namespace: "shop", Job: "ingress-shop"}
	node := monitoring.Target{Level: monitoring.LevelNode, Node: "n1"}
	cases := []struct {
		metric     string
		target     monitoring.Target
		identifier string
		want       map[string]float64
	}{
		{"pvc_bytes_total", monitoring.Target{Level: monitoring.LevelPVC, Namespace: "shop", PVC: "orders"}, "persistentvolumeclaim", map[string]float64{"orders": 10 * gib}},
		{"pvc_bytes_used", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 2.5 * gib, "logs": 768 * mib}},
		{"pvc_bytes_available", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 7.5 * gib}},
		{"pvc_bytes_utilisation", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 0.25, "logs": 0.75}},
		{"pvc_inodes_total", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 1000}},
		{"pvc_inodes_used", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 250}},
		{"pvc_inodes_available", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 750}},
		{"pvc_inodes_utilisation", shopPVC, "persistentvolumeclaim", map[string]float64{"orders": 0.25}},
		// By storage class, across namespaces.
		{"pvc_bytes_total", monitoring.Target{Level: monitoring.LevelPVC, StorageClass: "fast"}, "persistentvolumeclaim", map[string]float64{"orders": 10 * gib, "posts": 2 * gib}},

		// shop's requests: 1/s answered 200, 0.2/s 404 (web), 0.1/s 503 (api).
		{"ingress_request_volume", shopIngress, "", map[string]float64{"": 1.3}},
		{"ingress_request_volume_by_ingress", shopIngress, "ingress", map[string]float64{"web": 1.2, "api": 0.1}},
		{"ingress_request_count", shopIngress, "", map[string]float64{"": 390}},
		{"ingress_request_4xx_count", shopIngress, "", map[string]float64{"": 60}},
		{"ingress_request_5xx_count", shopIngress, "", map[string]float64{"": 30}},
		{"ingress_success_rate", shopIngress, "", map[string]float64{"": 1.0 / 1.3}},
		{"ingress_request_duration_average", shopIngress, "", map[string]float64{"": 0.5}},
		{"ingress_request_network_sent", shopIngress, "", map[string]float64{"": 2048}},
		{"ingress_request_count", monitoring.Target{Level: monitoring.LevelIngress, Namespace: "shop", Ingress: "api"}, "", map[string]float64{"": 30}},
		{"ingress_request_volume", monitoring.Target{Level: monitoring.LevelIngress, Namespace: "blog"}, "", map[string]float64{"": 10}},

		{"node_gpu_utilisation", node, "node", map[string]float64{"n1": (90 + 70 + 0) / 3.0}},
		{"node_gpu_count", node, "node", map[string]float64{"n1": 3}},
		{"node_gpu_memory_usage", node, "node", map[string]float64{"n1": 6144 * mib}},
		{"node_gpu_memory_total", node, "node", map[string]float64{"n1": 3 * 16384 * mib}},
		{"node_gpu_memory_utilisation", node, "node", map[string]float64{"n1": 6144.0 / (3 * 16384)}},
		{"namespace_gpu_utilisation", monitoring.Target{Level: monitoring.LevelNamespace, Namespace: "shop"}, "namespace", map[string]float64{"shop": 80}},
		{"namespace_gpu_memory_usage", monitoring.Target{Level: monitoring.LevelNamespace, Namespace: "shop"}, "namespace", map[string]float64{"shop": 6144 * mib}},
		{"workload_gpu_utilisation", monitoring.Target{Level: monitoring.LevelWorkload, Namespace: "shop"}, "workload", map[string]float64{"StatefulSet:trainer": 80}},
		{"workload_gpu_memory_usage", monitoring.Target{Level: monitoring.LevelWorkload, Namespace: "shop", WorkloadKind: "statefulset"}, "workload", map[string]float64{"StatefulSet:trainer": 6144 * mib}},
		{"pod_gpu_utilisation", monitoring.Target{Level: monitoring.LevelPod, Namespace: "shop"}, "pod", map[string]float64{"trainer-0": 90, "trainer-1": 70}},
		{"pod_gpu_memory_usage", monitoring.Target{Level: monitoring.LevelPod, Namespace: "shop", WorkloadKind: "statefulset", Workload: "trainer", Pod: "trainer-1"}, "pod", map[string]float64{"trainer-1": 2048 * mib}},
	}
	for _, tc := range cases {
		t.Run(tc.metric, func(t *testing.T) {
			q, err := monitoring.Expr(tc.metric, tc.target)
			require.NoError(t, err)
			got := map[string]float64{}
			for _, s := range instantVector(t, engine, db, q) {
				got[s.Metric.Get(tc.identifier)] = s.F
			}
			require.Len(t, got, len(tc.want), "%s: %v", q, got)
			for k, v := range tc.want {
				assert.InDelta(t, v, got[k], 1e-9*max(1, v), "%s %q: %s", tc.metric, k, q)
			}
		})
	}
}

// instantVector evaluates q at 300 s into the loaded data.
func instantVector(tb testing.TB, engine *promql.Engine, db storage.Storage, q string) promql.Vector {
	tb.Helper()
	ctx := context.Background()
	qry, err := engine.NewInstantQuery(ctx, db, nil, q, time.Unix(300, 0))
	require.NoError(tb, err, q)
	defer qry.Close()
	res := qry.Exec(ctx)
	require.NoError(tb, res.Err, q)
	v, ok := res.Value.(promql.Vector)
	require.True(tb, ok, "%s: %T", q, res.Value)
	return v
}
