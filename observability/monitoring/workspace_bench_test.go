package monitoring_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// BenchmarkWorkspaceQuery measures a workspace-level metric over a
// workspace of N namespaces, evaluated by Prometheus's own engine over an
// in-memory TSDB, two ways:
//
//   - spherekit: the expression monitoring.Expr builds, which reads the
//     one series per workspace that the package's recording rules record
//     (summing the per-namespace series, which carry the workspace label
//     the rules join from kube_namespace_labels), so neither its text nor
//     the series it reads grow with the workspace;
//   - regexp: KubeSphere's way when it has the namespaces' names, the same
//     template over {namespace=~"ns1|ns2|...|nsN"}, its text built for each
//     query as KubeSphere's handler does, so building and parsing the
//     alternation are counted.
//
// The TSDB also holds as many namespaces again in other workspaces. Both
// answers are checked equal before timing, which also checks the
// synthesized per-workspace series against the per-namespace ones. The
// recording rules' own cost (evaluated once per interval, not per query) is
// not part of this.
//
//	go test -run '^$' -bench WorkspaceQuery -benchtime 2s ./observability/monitoring/
func BenchmarkWorkspaceQuery(b *testing.B) {
	engine := promqltest.NewTestEngineWithOpts(b, promql.EngineOpts{
		MaxSamples:    50_000_000,
		Timeout:       time.Minute,
		LookbackDelta: 5 * time.Minute,
	})
	for _, n := range []int{20, 200, 2000} {
		db := promqltest.LoadedStorage(b, workspaceWorld(n))
		names := make([]string, n)
		for i := range names {
			names[i] = benchNamespace("ws-a", i)
		}
		for _, metric := range []string{"workspace_cpu_usage", "workspace_memory_usage_wo_cache"} {
			tmpl := kubeSphereWorkspaceTemplates[metric]
			spherekit := func() string {
				q, err := monitoring.Expr(metric, monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: "ws-a"})
				if err != nil {
					b.Fatal(err)
				}
				return q
			}
			alternation := func() string {
				return strings.ReplaceAll(tmpl, "$1", fmt.Sprintf(`namespace=~"%s"`, strings.Join(names, "|")))
			}
			want := instantValue(b, engine, db, spherekit())
			require.Equal(b, want, instantValue(b, engine, db, alternation()), "%s over %d namespaces", metric, n)
			require.Equal(b, `{workspace="ws-a"}`, want.Metric.String())
			require.NotZero(b, want.F)

			for _, side := range []struct {
				name  string
				build func() string
			}{{"spherekit", spherekit}, {"regexp", alternation}} {
				b.Run(fmt.Sprintf("%s/namespaces=%d/%s", metric, n, side.name), func(b *testing.B) {
					for b.Loop() {
						instantValue(b, engine, db, side.build())
					}
				})
			}
		}
	}
}

// kubeSphereWorkspaceTemplates are the two metrics' templates as
// KubeSphere v3.4.1 writes them, $1 standing for the selector. Only the
// selector differs from spherekit's catalog.
var kubeSphereWorkspaceTemplates = map[string]string{
	"workspace_cpu_usage":             `round(sum by (workspace) (namespace:container_cpu_usage_seconds_total:sum_rate{namespace!="", $1}), 0.001)`,
	"workspace_memory_usage_wo_cache": `sum by (workspace) (namespace:container_memory_usage_bytes_wo_cache:sum{namespace!="", $1})`,
}

func benchNamespace(ws string, i int) string { return fmt.Sprintf("%s-project-%04d", ws, i) }

// workspaceWorld is a load script with n namespaces in workspace ws-a and
// n more spread over ten other workspaces: for each namespace, the recorded
// series the workspace metrics read, labelled as the recording rules label
// them, and the kube-state-metrics series the rules take the workspace
// from; for each workspace, the per-workspace sums the rules record.
func workspaceWorld(n int) string {
	var b strings.Builder
	b.WriteString("load 30s\n")
	milliCPU := map[string]int{} // per workspace, in thousandths of a core
	memory := map[string]int{}
	add := func(ns, ws string, i int) {
		cpu, mem := (i%4)*1000+i%1000, 1<<20+i*4096
		milliCPU[ws] += cpu
		memory[ws] += mem
		fmt.Fprintf(&b, "  namespace:container_cpu_usage_seconds_total:sum_rate{namespace=%q,workspace=%q} %d.%03dx20\n", ns, ws, cpu/1000, cpu%1000)
		fmt.Fprintf(&b, "  namespace:container_memory_usage_bytes_wo_cache:sum{namespace=%q,workspace=%q} %dx20\n", ns, ws, mem)
		fmt.Fprintf(&b, "  kube_namespace_labels{namespace=%q,label_kubesphere_io_workspace=%q,job=\"kube-state-metrics\"} 1x20\n", ns, ws)
	}
	for i := range n {
		add(benchNamespace("ws-a", i), "ws-a", i)
	}
	for i := range n {
		ws := fmt.Sprintf("ws-other-%d", i%10)
		add(benchNamespace(ws, i), ws, i)
	}
	for ws, cpu := range milliCPU {
		fmt.Fprintf(&b, "  workspace:container_cpu_usage_seconds_total:sum_rate{workspace=%q} %d.%03dx20\n", ws, cpu/1000, cpu%1000)
		fmt.Fprintf(&b, "  workspace:container_memory_usage_bytes_wo_cache:sum{workspace=%q} %dx20\n", ws, memory[ws])
	}
	return b.String()
}

// instantValue evaluates q at 5 minutes into the loaded data and returns
// its single sample.
func instantValue(tb testing.TB, engine *promql.Engine, db storage.Storage, q string) promql.Sample {
	v := instantVector(tb, engine, db, q)
	if len(v) != 1 {
		tb.Fatalf("%s: want one sample, got %v", q, v)
	}
	return v[0]
}
