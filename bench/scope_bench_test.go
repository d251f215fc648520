package bench

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// The anchor of label injection is prom-label-proxy v0.12.1's PromQL
// enforcer. It does not compile against the Prometheus parser spherekit
// uses (v0.316 dropped the package-level ParseExpr it calls), so it runs
// in a module of its own, ./promlabelproxy, over the same queries
// (testdata/injection_queries.txt), and records what it returns in
// testdata/injection_namespace.golden; both sides check that file before
// timing.

func injectionCorpus(tb testing.TB) (queries, want []string) {
	tb.Helper()
	q, err := os.ReadFile("testdata/injection_queries.txt")
	require.NoError(tb, err)
	w, err := os.ReadFile("testdata/injection_namespace.golden")
	require.NoError(tb, err)
	queries = strings.Split(strings.TrimSpace(string(q)), "\n")
	want = strings.Split(strings.TrimSpace(string(w)), "\n")
	require.Len(tb, want, len(queries))
	return queries, want
}

// TestInjectionAgreesWithPromLabelProxy: for a namespace scope,
// monitoring.ScopeQuery returns exactly what prom-label-proxy's enforcer
// (refusing conflicting matchers) returns for each query.
func TestInjectionAgreesWithPromLabelProxy(t *testing.T) {
	queries, want := injectionCorpus(t)
	for i, q := range queries {
		got, err := monitoring.ScopeQuery(q, monitoring.TenantScope{Namespace: "team-a"})
		require.NoError(t, err, q)
		require.Equal(t, want[i], got, q)
	}
}

// BenchmarkLabelInjection: the namespace label injected into each query,
// parse to printed query. ./promlabelproxy's BenchmarkLabelInjection is the
// anchor's side.
func BenchmarkLabelInjection(b *testing.B) {
	queries, want := injectionCorpus(b)
	scope := monitoring.TenantScope{Namespace: "team-a"}
	for i, q := range queries {
		got, err := monitoring.ScopeQuery(q, scope)
		require.NoError(b, err)
		require.Equal(b, want[i], got)
	}
	b.Run("spherekit", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := monitoring.ScopeQuery(queries[i%len(queries)], scope); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("spherekit-workspace", func(b *testing.B) {
		ws := monitoring.TenantScope{Workspace: "ws-a"}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := monitoring.ScopeQuery(queries[i%len(queries)], ws); err != nil {
				b.Fatal(err)
			}
		}
	})
}
