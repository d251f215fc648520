package monitoring_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/monitoring"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

const mi = 1 << 20

// tenant is a workspace with two namespaces and workloads of known usage:
//
//	ns1: Deployment web, 2 replicas at 250m CPU and 64Mi each;
//	     StatefulSet db, 1 replica at 100m and 16Mi
//	ns2: Deployment api, 1 replica at 500m and 32Mi
type tenant struct {
	workspace, ns1, ns2 string
}

func newClient(t testing.TB) *monitoring.Client {
	t.Helper()
	c, err := monitoring.NewClient(prom.API(), monitoring.ClientOptions{Reader: cluster.Client})
	require.NoError(t, err)
	return c
}

func name(prefix string) string { return prefix + "-" + rand.String(6) }

func namespace(t testing.TB, ws string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("proj"), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}}
	require.NoError(t, cluster.Client.Create(context.Background(), ns))
	t.Cleanup(func() { _ = cluster.Client.Delete(context.Background(), ns) })
	return ns.Name
}

func podTemplate(app, cpu, mem string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      map[string]string{"app": app},
			Annotations: map[string]string{testenv.UsageCPUAnnotation: cpu, testenv.UsageMemoryAnnotation: mem},
		},
		Spec: corev1.PodSpec{
			Containers:  []corev1.Container{{Name: "main", Image: "example/" + app + ":1"}},
			Tolerations: []corev1.Toleration{{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
		},
	}
}

func deployment(t testing.TB, ns, app string, replicas int32, cpu, mem string) {
	t.Helper()
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: podTemplate(app, cpu, mem),
		},
	}
	require.NoError(t, cluster.Client.Create(context.Background(), d))
}

func statefulSet(t testing.TB, ns, app string, replicas int32, cpu, mem string) {
	t.Helper()
	s := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: podTemplate(app, cpu, mem),
		},
	}
	require.NoError(t, cluster.Client.Create(context.Background(), s))
}

// setupTenant creates the tenant and waits until its pods run.
func setupTenant(t *testing.T) tenant { return setupTenantB(t) }

// setupTenantB is setupTenant for tests and benchmarks.
func setupTenantB(t testing.TB) tenant {
	t.Helper()
	tn := tenant{workspace: name("ws")}
	tn.ns1, tn.ns2 = namespace(t, tn.workspace), namespace(t, tn.workspace)
	deployment(t, tn.ns1, "web", 2, "250m", "64Mi")
	statefulSet(t, tn.ns1, "db", 1, "100m", "16Mi")
	deployment(t, tn.ns2, "api", 1, "500m", "32Mi")
	testenv.Eventually(t, func() (bool, error) {
		for ns, want := range map[string]int{tn.ns1: 3, tn.ns2: 1} {
			var pods corev1.PodList
			if err := cluster.Client.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
				return false, err
			}
			running := 0
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning {
					running++
				}
			}
			if running != want {
				return false, nil
			}
		}
		return true, nil
	}, "pods of %s running", tn.workspace)
	return tn
}

// eventually polls query until every expected value matches (each series
// named by its identifier label), or fails with the last answer.
func eventually(t testing.TB, c *monitoring.Client, tgt monitoring.Target, metric, identifier string, want map[string]float64, tolerance float64) *monitoring.Metrics {
	t.Helper()
	var last, good *monitoring.Metrics
	var lastErr error
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		last, lastErr = c.Query(ctx, tgt, []string{metric}, monitoring.QueryOptions{})
		if lastErr == nil {
			good = last
			if matches(last, identifier, want, tolerance) {
				return last
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s for %+v: want %v, last answer %s (last error %v)", metric, tgt, want, describe(good, identifier), lastErr)
		case <-time.After(time.Second):
		}
	}
}

func matches(m *monitoring.Metrics, identifier string, want map[string]float64, tol float64) bool {
	if len(m.Results) != 1 || m.Results[0].Error != "" {
		return false
	}
	got := map[string]float64{}
	for _, s := range m.Results[0].Data.Result {
		if s.Value != nil {
			got[s.Labels[identifier]] = s.Value.Value
		}
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok || math.Abs(g-v) > tol {
			return false
		}
	}
	return true
}

func describe(m *monitoring.Metrics, identifier string) string {
	if m == nil || len(m.Results) == 0 {
		return "nothing"
	}
	r := m.Results[0]
	if r.Error != "" {
		return "error " + r.Error
	}
	out := ""
	for _, s := range r.Data.Result {
		if s.Value != nil {
			out += fmt.Sprintf("%s=%v ", s.Labels[identifier], s.Value.Value)
		}
	}
	return out
}

// TestValues drives known usage through the real stack and reads every
// level back by value.
func TestValues(t *testing.T) {
	tn := setupTenant(t)
	c := newClient(t)
	const cpuTol = 0.002 // rates of simulated counters, rounded to 0.001

	t.Run("namespace", func(t *testing.T) {
		eventually(t, c, monitoring.Target{Level: monitoring.LevelNamespace, Workspace: tn.workspace}, "namespace_cpu_usage", "namespace",
			map[string]float64{tn.ns1: 0.6, tn.ns2: 0.5}, cpuTol)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelNamespace, Namespace: tn.ns1}, "namespace_memory_usage_wo_cache", "namespace",
			map[string]float64{tn.ns1: 144 * mi}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelNamespace, Namespace: tn.ns1}, "namespace_pod_running_count", "namespace",
			map[string]float64{tn.ns1: 3}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelNamespace, Namespace: tn.ns1}, "namespace_deployment_count", "namespace",
			map[string]float64{tn.ns1: 1}, 0)
	})
	t.Run("workspace", func(t *testing.T) {
		tgt := monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: tn.workspace}
		eventually(t, c, tgt, "workspace_cpu_usage", "workspace", map[string]float64{tn.workspace: 1.1}, cpuTol)
		eventually(t, c, tgt, "workspace_memory_usage_wo_cache", "workspace", map[string]float64{tn.workspace: 176 * mi}, 0)
		eventually(t, c, tgt, "workspace_memory_usage", "workspace", map[string]float64{tn.workspace: 176 * mi}, 0)
		eventually(t, c, tgt, "workspace_pod_count", "workspace", map[string]float64{tn.workspace: 4}, 0)
		eventually(t, c, tgt, "workspace_pod_running_count", "workspace", map[string]float64{tn.workspace: 4}, 0)
		eventually(t, c, tgt, "workspace_pod_succeeded_count", "workspace", map[string]float64{tn.workspace: 0}, 0)
		eventually(t, c, tgt, "workspace_pod_abnormal_ratio", "workspace", map[string]float64{tn.workspace: 0}, 0)
		eventually(t, c, tgt, "workspace_deployment_count", "workspace", map[string]float64{tn.workspace: 2}, 0)
	})
	t.Run("workload", func(t *testing.T) {
		tgt := monitoring.Target{Level: monitoring.LevelWorkload, Namespace: tn.ns1}
		eventually(t, c, tgt, "workload_deployment_replica_available", "workload", map[string]float64{"Deployment:web": 2}, 0)
		eventually(t, c, tgt, "workload_statefulset_replica_available", "workload", map[string]float64{"StatefulSet:db": 1}, 0)
		eventually(t, c, tgt, "workload_cpu_usage", "workload", map[string]float64{"Deployment:web": 0.5, "StatefulSet:db": 0.1}, cpuTol)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelWorkload, Namespace: tn.ns1, WorkloadKind: "deployment"}, "workload_memory_usage_wo_cache", "workload",
			map[string]float64{"Deployment:web": 128 * mi}, 0)
	})
	t.Run("pod", func(t *testing.T) {
		var pods corev1.PodList
		require.NoError(t, cluster.Client.List(context.Background(), &pods, client.InNamespace(tn.ns1), client.MatchingLabels{"app": "web"}))
		require.Len(t, pods.Items, 2)
		want := map[string]float64{pods.Items[0].Name: 0.25, pods.Items[1].Name: 0.25}
		m := eventually(t, c, monitoring.Target{Level: monitoring.LevelPod, Namespace: tn.ns1, WorkloadKind: "deployment", Workload: "web"}, "pod_cpu_usage", "pod", want, cpuTol)
		assert.Len(t, m.Results[0].Data.Result, 2, "only the Deployment's pods")
		eventually(t, c, monitoring.Target{Level: monitoring.LevelPod, NamespacedResourcesFilter: tn.ns1 + "/" + pods.Items[0].Name}, "pod_memory_usage_wo_cache", "pod",
			map[string]float64{pods.Items[0].Name: 64 * mi}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelContainer, Namespace: tn.ns1, Pod: pods.Items[1].Name}, "container_memory_usage_wo_cache", "container",
			map[string]float64{"main": 64 * mi}, 0)
	})
	t.Run("node", func(t *testing.T) {
		nodes := cluster.NodeNames()
		// Pods the API server says run on each node, over what it holds
		// (110 pods per simulated node).
		want := map[string]float64{}
		testenv.Eventually(t, func() (bool, error) {
			var pods corev1.PodList
			if err := cluster.Client.List(context.Background(), &pods); err != nil {
				return false, err
			}
			running := map[string]int{}
			for _, p := range pods.Items {
				if p.Status.Phase == corev1.PodRunning {
					running[p.Spec.NodeName]++
				}
			}
			for _, n := range nodes {
				want[n] = float64(running[n]) / 110
			}
			m, err := c.Query(context.Background(), monitoring.Target{Level: monitoring.LevelNode}, []string{"node_pod_utilisation"}, monitoring.QueryOptions{})
			if err != nil {
				return false, err
			}
			return matches(m, "node", want, 1e-9), nil
		}, "node_pod_utilisation matches the API server's pods")
		eventually(t, c, monitoring.Target{Level: monitoring.LevelNode, Node: nodes[0]}, "node_cpu_total", "node", map[string]float64{nodes[0]: 32}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelNode, Node: nodes[0]}, "node_memory_total", "node", map[string]float64{nodes[0]: 256 << 30}, 0)
	})
	t.Run("cluster", func(t *testing.T) {
		tgt := monitoring.Target{Level: monitoring.LevelCluster}
		eventually(t, c, tgt, "cluster_node_total", "", map[string]float64{"": 2}, 0)
		eventually(t, c, tgt, "cluster_cpu_total", "", map[string]float64{"": 64}, 0)
		var deploys appsv1.DeploymentList
		require.NoError(t, cluster.Client.List(context.Background(), &deploys))
		eventually(t, c, tgt, "cluster_deployment_count", "", map[string]float64{"": float64(len(deploys.Items))}, 0)
	})
	t.Run("component", func(t *testing.T) {
		eventually(t, c, monitoring.Target{Level: monitoring.LevelComponent, Component: monitoring.ComponentEtcd}, "etcd_server_total", "", map[string]float64{"": 1}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelComponent, Component: monitoring.ComponentEtcd}, "etcd_server_up_total", "", map[string]float64{"": 1}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelComponent, Component: monitoring.ComponentAPIServer}, "apiserver_up_sum", "", map[string]float64{"": 1}, 0)
		eventually(t, c, monitoring.Target{Level: monitoring.LevelComponent, Component: monitoring.ComponentScheduler}, "scheduler_up_sum", "", map[string]float64{"": 1}, 0)
	})
	t.Run("sorted and paged", func(t *testing.T) {
		m, err := c.Query(context.Background(), monitoring.Target{Level: monitoring.LevelNamespace, Workspace: tn.workspace},
			[]string{"namespace_cpu_usage", "namespace_memory_usage_wo_cache"},
			monitoring.QueryOptions{SortMetric: "namespace_memory_usage_wo_cache", SortType: monitoring.SortAscending, Page: 1, Limit: 1})
		require.NoError(t, err)
		assert.Equal(t, 2, m.TotalItem)
		assert.Equal(t, 2, m.TotalPage)
		for _, r := range m.Results {
			require.Len(t, r.Data.Result, 1, r.MetricName)
			assert.Equal(t, tn.ns2, r.Data.Result[0].Labels["namespace"], "ns2 uses less memory, so it comes first in %s", r.MetricName)
		}
	})
	t.Run("range", func(t *testing.T) {
		end := time.Now()
		m, err := c.QueryRange(context.Background(), monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: tn.workspace},
			[]string{"workspace_memory_usage_wo_cache"}, monitoring.QueryRangeOptions{Start: end.Add(-10 * time.Second), End: end, Step: time.Second})
		require.NoError(t, err)
		require.Len(t, m.Results[0].Data.Result, 1)
		s := m.Results[0].Data.Result[0]
		assert.Equal(t, monitoring.ResultTypeMatrix, m.Results[0].Data.ResultType)
		assert.NotEmpty(t, s.Values)
		assert.Equal(t, "184549376.0000000000", s.MaxValue, "176Mi")
	})
}

// TestNamespaceCreationFloor checks KubeSphere's floor: nothing before the
// namespace existed, and a range cut to start after its creation.
func TestNamespaceCreationFloor(t *testing.T) {
	c := newClient(t)
	ns := namespace(t, name("ws"))
	var obj corev1.Namespace
	require.NoError(t, cluster.Client.Get(context.Background(), client.ObjectKey{Name: ns}, &obj))
	created := obj.CreationTimestamp.Time
	tgt := monitoring.Target{Level: monitoring.LevelNamespace, Namespace: ns}

	_, err := c.Query(context.Background(), tgt, []string{"namespace_pod_count"}, monitoring.QueryOptions{Time: created.Add(-time.Minute)})
	require.ErrorIs(t, err, monitoring.ErrBeforeCreation)
	assert.Contains(t, err.Error(), "'end' or 'time' must be after the namespace creation time.")

	_, err = c.QueryRange(context.Background(), tgt, []string{"namespace_pod_count"}, monitoring.QueryRangeOptions{Start: created.Add(-time.Hour), End: created.Add(-time.Minute)})
	require.ErrorIs(t, err, monitoring.ErrBeforeCreation)

	// A range starting an hour before: its points start after creation,
	// on the grid counted back from end.
	end := created.Add(20 * time.Second)
	testenv.Eventually(t, func() (bool, error) { return time.Now().After(end.Add(2 * time.Second)), nil }, "time passes")
	m, err := c.QueryRange(context.Background(), tgt, []string{"namespace_pod_count"}, monitoring.QueryRangeOptions{Start: created.Add(-time.Hour), End: end, Step: 5 * time.Second})
	require.NoError(t, err)
	require.NotEmpty(t, m.Results[0].Data.Result, "the namespace counts 0 pods")
	for _, p := range m.Results[0].Data.Result[0].Values {
		assert.True(t, p.Time.After(created), "point at %v is before creation %v", p.Time, created)
		assert.Zero(t, end.Sub(p.Time)%(5*time.Second), "on the grid of end")
	}

	_, err = c.Query(context.Background(), monitoring.Target{Level: monitoring.LevelNamespace, Namespace: "no-such-ns"}, []string{"namespace_pod_count"}, monitoring.QueryOptions{})
	require.ErrorIs(t, err, monitoring.ErrNotFound)
	var nf *monitoring.NotFoundError
	require.True(t, errors.As(err, &nf))
}
