package monitoring

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRequestRoutes(t *testing.T) {
	tests := []struct {
		path string
		want Target
	}{
		{"cluster", Target{Level: LevelCluster}},
		{"nodes", Target{Level: LevelNode}},
		{"nodes/n1", Target{Level: LevelNode, Node: "n1"}},
		{"nodes/n1/pods", Target{Level: LevelPod, Node: "n1"}},
		{"nodes/n1/pods/p", Target{Level: LevelPod, Node: "n1", Pod: "p"}},
		{"workspaces", Target{Level: LevelWorkspace}},
		{"workspaces/ws", Target{Level: LevelWorkspace, Workspace: "ws"}},
		{"workspaces/ws/namespaces", Target{Level: LevelNamespace, Workspace: "ws"}},
		{"namespaces", Target{Level: LevelNamespace}},
		{"namespaces/demo", Target{Level: LevelNamespace, Namespace: "demo"}},
		{"namespaces/demo/workloads", Target{Level: LevelWorkload, Namespace: "demo"}},
		{"namespaces/demo/workloads/deployment", Target{Level: LevelWorkload, Namespace: "demo", WorkloadKind: "deployment"}},
		{"namespaces/demo/workloads/deployment/web/pods", Target{Level: LevelPod, Namespace: "demo", WorkloadKind: "deployment", Workload: "web"}},
		{"pods", Target{Level: LevelPod}},
		{"namespaces/demo/pods", Target{Level: LevelPod, Namespace: "demo"}},
		{"namespaces/demo/pods/p", Target{Level: LevelPod, Namespace: "demo", Pod: "p"}},
		{"namespaces/demo/pods/p/containers", Target{Level: LevelContainer, Namespace: "demo", Pod: "p"}},
		{"namespaces/demo/pods/p/containers/c", Target{Level: LevelContainer, Namespace: "demo", Pod: "p", Container: "c"}},
		{"storageclasses/fast/persistentvolumeclaims", Target{Level: LevelPVC, StorageClass: "fast"}},
		{"namespaces/demo/persistentvolumeclaims", Target{Level: LevelPVC, Namespace: "demo"}},
		{"namespaces/demo/persistentvolumeclaims/data", Target{Level: LevelPVC, Namespace: "demo", PVC: "data"}},
		{"namespaces/demo/ingresses", Target{Level: LevelIngress, Namespace: "demo"}},
		{"namespaces/demo/ingresses/web", Target{Level: LevelIngress, Namespace: "demo", Ingress: "web"}},
		{"components/etcd", Target{Level: LevelComponent, Component: ComponentEtcd}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, err := ParseRequest(tt.path, url.Values{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, req.Target)
			assert.NotEmpty(t, req.Metrics)
			assert.Nil(t, req.Range)
		})
	}
}

func TestParseRequestParameters(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		query string
		check func(t *testing.T, r *Request)
		field string // the *InvalidError's field, for refusals
		text  string // part of its message
	}{
		{name: "metrics_filter picks names anywhere, meters left out", path: "namespaces/demo", query: "metrics_filter=namespace_cpu_usage$|namespace_memory_usage$",
			check: func(t *testing.T, r *Request) {
				assert.Equal(t, []string{"namespace_cpu_usage", "namespace_memory_usage"}, r.Metrics)
			}},
		{name: "unanchored filter", path: "namespaces/demo", query: "metrics_filter=memory_usage",
			check: func(t *testing.T, r *Request) {
				assert.Equal(t, []string{"namespace_memory_usage", "namespace_memory_usage_wo_cache", "namespace_gpu_memory_usage"}, r.Metrics)
			}},
		{name: "range with default step", path: "cluster", query: "start=1700000000&end=1700003600",
			check: func(t *testing.T, r *Request) {
				require.NotNil(t, r.Range)
				assert.Equal(t, time.Unix(1700000000, 0), r.Range.Start)
				assert.Equal(t, DefaultStep, r.Range.Step)
			}},
		{name: "range with step", path: "cluster", query: "start=1700000000&end=1700003600&step=90s",
			check: func(t *testing.T, r *Request) { assert.Equal(t, 90*time.Second, r.Range.Step) }},
		{name: "prometheus duration step", path: "cluster", query: "start=1700000000&end=1800000000&step=1d",
			check: func(t *testing.T, r *Request) { assert.Equal(t, 24*time.Hour, r.Range.Step) }},
		{name: "instant at time", path: "cluster", query: "time=1700000000",
			check: func(t *testing.T, r *Request) { assert.Equal(t, time.Unix(1700000000, 0), r.Instant.Time) }},
		{name: "sort defaults", path: "namespaces", query: "sort_metric=namespace_cpu_usage",
			check: func(t *testing.T, r *Request) {
				assert.Equal(t, QueryOptions{SortMetric: "namespace_cpu_usage", SortType: SortDescending, Page: 1, Limit: 5}, r.Instant)
			}},
		{name: "sort ascending, page and limit", path: "namespaces", query: "sort_metric=namespace_cpu_usage&sort_type=asc&page=3&limit=10",
			check: func(t *testing.T, r *Request) {
				assert.Equal(t, QueryOptions{SortMetric: "namespace_cpu_usage", SortType: SortAscending, Page: 3, Limit: 10}, r.Instant)
			}},
		{name: "resources_filter", path: "nodes", query: "resources_filter=kwok-.*",
			check: func(t *testing.T, r *Request) { assert.Equal(t, "kwok-.*", r.Target.ResourcesFilter) }},
		{name: "namespaced_resources_filter loses a trailing $", path: "pods", query: "namespaced_resources_filter=a/p1|b/p2$",
			check: func(t *testing.T, r *Request) { assert.Equal(t, "a/p1|b/p2", r.Target.NamespacedResourcesFilter) }},
		{name: "ingress job, pod and duration", path: "namespaces/demo/ingresses/web", query: "job=nginx&pod=ctl-0&duration=90s&time=1700000000",
			check: func(t *testing.T, r *Request) {
				assert.Equal(t, "nginx", r.Target.Job)
				assert.Equal(t, "ctl-0", r.Target.Pod)
				assert.Equal(t, 90*time.Second, r.Target.Duration)
			}},

		{name: "bad resources_filter", path: "nodes", query: "resources_filter=a(", field: "resources_filter", text: "regular expression"},
		{name: "bad metrics_filter", path: "nodes", query: "metrics_filter=[", field: "metrics_filter", text: "regular expression"},
		{name: "start without end", path: "cluster", query: "start=1700000000", field: "time", text: errParamConflict},
		{name: "start after end", path: "cluster", query: "start=1700003600&end=1700000000", field: "start", text: errInvalidStartEnd},
		{name: "start not a number", path: "cluster", query: "start=yesterday&end=1700000000", field: "start"},
		{name: "bad step", path: "cluster", query: "start=1700000000&end=1700003600&step=-1m", field: "step"},
		{name: "bad time", path: "cluster", query: "time=now", field: "time"},
		{name: "bad page", path: "namespaces", query: "sort_metric=x&page=0", field: "page", text: errInvalidPage},
		{name: "bad limit", path: "namespaces", query: "sort_metric=x&limit=ten", field: "limit", text: errInvalidLimit},
		{name: "unknown kind", path: "namespaces/demo/workloads/cronjob", field: "kind"},
		{name: "unknown component", path: "components/kubelet", field: "component"},
		{name: "no route", path: "namespaces/demo/secrets", field: "path"},
		{name: "dot segment", path: "namespaces/../pods", field: "path"},
		{name: "bad duration", path: "namespaces/demo/ingresses", query: "duration=soon&time=1", field: "duration"},
		{name: "empty namespaced alternative", path: "pods", query: "namespaced_resources_filter=a/p||b/q", field: "namespaced_resources_filter"},
		{name: "oversized parameter", path: "nodes", query: "resources_filter=" + strings.Repeat("a", maxParamLength+1), field: "resources_filter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			r, err := ParseRequest(tt.path, q)
			if tt.field == "" {
				require.NoError(t, err)
				tt.check(t, r)
				return
			}
			var inv *InvalidError
			require.True(t, errors.As(err, &inv), "want an *InvalidError, got %v", err)
			assert.Equal(t, tt.field, inv.Field)
			assert.Contains(t, inv.Error(), tt.text)
		})
	}
}

// FuzzParseRequest feeds arbitrary paths and query strings to the parser:
// it never panics, and whatever it accepts builds expressions that
// Prometheus's parser accepts, so no input changes a query's shape.
func FuzzParseRequest(f *testing.F) {
	for _, s := range [][2]string{
		{"namespaces/demo/pods", "resources_filter=web.*&sort_metric=pod_cpu_usage&limit=3"},
		{"workspaces/ws/namespaces", `resources_filter=a"}) or vector(1) or (x{a="`},
		{"namespaces/de\"mo/workloads/deployment/we}b/pods", "metrics_filter=pod_cpu"},
		{"pods", "namespaced_resources_filter=a/p|b/q$"},
		{"nodes/n1/pods/ns/p", "time=1700000000"},
		{"namespaces/demo/ingresses", "job=x&pod=y&duration=1m&time=1"},
		{"cluster", "start=1&end=2&step=1s"},
	} {
		f.Add(s[0], s[1])
	}
	p := parser.NewParser(parser.Options{})
	f.Fuzz(func(t *testing.T, path, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		r, err := ParseRequest(path, q)
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("not an *InvalidError: %v", err)
			}
			return
		}
		for _, m := range r.Metrics {
			expr, err := Expr(m, r.Target)
			if err != nil {
				t.Fatalf("accepted request, but %s: %v", m, err)
			}
			if _, err := p.ParseExpr(expr); err != nil {
				t.Fatalf("%s for %+v does not parse: %v\n%s", m, r.Target, err, expr)
			}
		}
	})
}
