package monitoring_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/monitoring"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
)

// TestScopeOnPrometheus runs scoped queries on the package's real
// Prometheus (see TestMain), which scrapes a real cluster: kube-state-metrics (kube_pod_info, and
// kube_namespace_labels carrying each namespace's workspace) and kwok's
// per-container usage. Tenant A is namespace team-a (1 pod, 100m CPU), or
// workspace ws-a (team-a and team-a2, 3 pods, at most 200m CPU each);
// team-b in ws-b has 3 pods using 400m each. The scoped answers count,
// measure and name only tenant A's pods and namespaces.
func TestScopeOnPrometheus(t *testing.T) {
	if testenv.Fuzzing() {
		t.Skip("a fuzz worker starts no cluster; run the tests without -fuzz")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	tenants := []struct {
		ns, ws string
		pods   int
		cpu    string
	}{{"team-a", "ws-a", 1, "100m"}, {"team-a2", "ws-a", 2, "200m"}, {"team-b", "ws-b", 3, "400m"}}
	for _, tn := range tenants {
		require.NoError(t, cluster.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name: tn.ns, Labels: map[string]string{kubestatemetrics.WorkspaceLabel: tn.ws},
		}}))
		for i := range tn.pods {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%d", i), Namespace: tn.ns, Annotations: map[string]string{
					testenv.UsageCPUAnnotation: tn.cpu, testenv.UsageMemoryAnnotation: "64Mi",
				}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
			}
			require.NoError(t, cluster.CreateAndWait(ctx, pod, func(o client.Object) (bool, error) {
				return o.(*corev1.Pod).Status.Phase == corev1.PodRunning, nil
			}))
		}
	}
	// Every pod known to kube-state-metrics and measured by the kubelet
	// job, with at least two samples each for rate.
	_, err := prom.WaitForQuery(ctx, `count(kube_pod_info{namespace=~"team-.*"}) == 6 and count(count_over_time(container_cpu_usage_seconds_total{namespace=~"team-.*"}[30s]) > 2) == 6 and count(kube_namespace_labels{label_kubesphere_io_workspace=~"ws-.*"}) == 3`, nil)
	require.NoError(t, err)

	// Every instant query is evaluated at one time, so figures compare
	// exactly.
	at := time.Now()
	query := func(t *testing.T, q string) model.Vector {
		t.Helper()
		v, _, _, err := prom.API().Query(ctx, q, at)
		require.NoError(t, err, q)
		vec, ok := v.(model.Vector)
		require.True(t, ok, "%s returned a %s", q, v.Type())
		return vec
	}
	one := func(t *testing.T, q string) float64 {
		t.Helper()
		v := query(t, q)
		require.Len(t, v, 1, "%s: %s", q, v)
		return float64(v[0].Value)
	}
	namespaces := func(v model.Vector) []string {
		set := map[string]bool{}
		for _, s := range v {
			set[string(s.Metric[model.LabelName(monitoring.NamespaceLabel)])] = true
		}
		return slices.Sorted(maps.Keys(set))
	}

	for _, tt := range []struct {
		scope      monitoring.TenantScope
		namespaces []string
		pods       float64
		regexp     string // the tenant's namespaces, for the reference queries
	}{
		{monitoring.TenantScope{Namespace: "team-a"}, []string{"team-a"}, 1, "team-a"},
		{monitoring.TenantScope{Workspace: "ws-a", WorkspaceMembership: `kube_namespace_labels{job="kube-state-metrics"}`}, []string{"team-a", "team-a2"}, 3, "team-a|team-a2"},
	} {
		t.Run(tt.scope.Namespace+tt.scope.Workspace, func(t *testing.T) {
			scoped := func(q string) string {
				out, err := monitoring.ScopeQuery(q, tt.scope)
				require.NoError(t, err, q)
				return out
			}
			// Unscoped, the same queries see team-b: the test can fail.
			require.Equal(t, float64(6), one(t, `count(kube_pod_info{namespace=~"team-.*"})`))

			assert.Equal(t, tt.pods, one(t, scoped(`count(kube_pod_info)`)), "pods counted")
			assert.Equal(t, tt.pods, one(t, scoped(`count(count by (namespace, pod) (container_cpu_usage_seconds_total))`)), "pods measured")
			assert.Equal(t, tt.namespaces, namespaces(query(t, scoped(`count by (namespace) ({__name__=~".+"})`))), "namespaces of every series")
			assert.Equal(t, tt.namespaces, namespaces(query(t, scoped(`kube_namespace_labels`))), "membership seen")
			assert.Equal(t, tt.pods, one(t, scoped(`count(label_replace(kube_pod_info, "namespace", "team-b", "", ""))`)), "relabelled, still only the tenant's")
			// app-2 exists only in team-b.
			assert.Empty(t, query(t, scoped(`kube_pod_info{pod="app-2"}`)), "team-b's third pod is not seen")
			assert.Equal(t, float64(1), one(t, scoped(`absent(kube_pod_info{pod="app-2"})`)), "nor does it exist for the tenant")
			// The busiest container is the tenant's: the same figure as
			// the tenant's namespaces listed, below team-b's (which use
			// the most CPU), at one evaluation time.
			busiest := `max(rate(container_cpu_usage_seconds_total%s[30s]))`
			got := one(t, scoped(fmt.Sprintf(busiest, "")))
			assert.Equal(t, one(t, fmt.Sprintf(busiest, `{namespace=~"`+tt.regexp+`"}`)), got)
			assert.Less(t, got, one(t, fmt.Sprintf(busiest, `{namespace="team-b"}`)))

			// A range query too.
			end := at
			r, _, _, err := prom.API().QueryRange(ctx, scoped(`sum by (namespace) (rate(container_cpu_usage_seconds_total[30s]))`),
				promv1.Range{Start: end.Add(-20 * time.Second), End: end, Step: 5 * time.Second})
			require.NoError(t, err)
			m, ok := r.(model.Matrix)
			require.True(t, ok)
			seen := map[string]bool{}
			for _, s := range m {
				seen[string(s.Metric[monitoring.NamespaceLabel])] = true
			}
			assert.Equal(t, tt.namespaces, slices.Sorted(maps.Keys(seen)))
		})
	}
}
