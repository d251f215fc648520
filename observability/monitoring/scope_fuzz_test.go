package monitoring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// The non-interference tests evaluate queries with Prometheus's own PromQL
// engine over two in-memory TSDBs that hold the same tenant series and
// different series of everyone else: other namespaces, series without a
// namespace, other workspaces' membership, a forged membership series
// without a namespace. A scoped query must return the same answer (or the
// same error) from both; one that leaks another tenant's data, even only
// its count or existence, tells them apart.

// world is one of the two TSDBs' load script. variant 0 and 1 differ only
// outside the tenant.
func world(scope monitoring.TenantScope, variant int) string {
	tenant := map[string]bool{"team-a": true}
	if scope.Workspace != "" {
		tenant["team-a2"] = true
	}
	var b strings.Builder
	b.WriteString("load 30s\n")
	// Every series gets its own multiplier c, so that no two tenant
	// series tie at any step and topk or bottomk never choose by storage
	// order (promqltest loads series in map order). The tenant's series
	// come first, so their c is the same in both worlds.
	c := 0
	for _, ns := range []string{"team-a", "team-a2", "team-b", "team-c", ""} {
		pods := []string{"p1", "p2"}
		skew := 1
		if !tenant[ns] && variant == 1 {
			pods = append(pods, "p3")
			skew = 3
		}
		nsl := ""
		if ns != "" {
			nsl = fmt.Sprintf(`namespace=%q,`, ns)
		}
		for _, pod := range pods {
			c++
			fmt.Fprintf(&b, "  m1{%spod=%q,job=\"j1\"} %d+%dx20\n", nsl, pod, 1000*c*skew, c*skew)
			c++
			fmt.Fprintf(&b, "  m2{%spod=%q,job=\"j2\"} %d-%dx20\n", nsl, pod, 500000+1000*c*skew, c*skew)
			for _, le := range []string{"0.1", "1", "+Inf"} {
				c++
				fmt.Fprintf(&b, "  m3_bucket{%spod=%q,le=%q} %d+%dx20\n", nsl, pod, le, 1000*c*skew, c*skew)
			}
		}
	}
	if variant == 1 {
		// Under a name-dropping function m4 collides with m1 (same
		// labels): a query over both must not fail only here.
		b.WriteString("  m4{namespace=\"team-b\",pod=\"p1\",job=\"j1\"} 1+1x20\n")
	}
	membership := map[string]string{"team-a": "ws-a", "team-a2": "ws-a", "team-b": "ws-b"}
	if variant == 1 {
		membership["team-b"] = "ws-c"
		membership["team-c"] = "ws-b"
		b.WriteString("  kube_namespace_labels{label_kubesphere_io_workspace=\"ws-a\",job=\"forged\"} 1x20\n")
	}
	for _, ns := range []string{"team-a", "team-a2", "team-b", "team-c"} {
		if ws := membership[ns]; ws != "" {
			fmt.Fprintf(&b, "  kube_namespace_labels{namespace=%q,label_kubesphere_io_workspace=%q,job=\"ksm\"} 1x20\n", ns, ws)
		}
	}
	return b.String()
}

type twoWorlds struct {
	engine *promql.Engine
	db     [2]storage.Storage
}

func newTwoWorlds(tb testing.TB, scope monitoring.TenantScope) *twoWorlds {
	w := &twoWorlds{engine: promqltest.NewTestEngineWithOpts(tb, promql.EngineOpts{
		MaxSamples:               50_000_000,
		Timeout:                  time.Minute,
		LookbackDelta:            5 * time.Minute,
		EnableAtModifier:         true,
		NoStepSubqueryIntervalFn: func(int64) int64 { return time.Minute.Milliseconds() },
	})}
	for v := range w.db {
		w.db[v] = promqltest.LoadedStorage(tb, world(scope, v))
	}
	return w
}

// eval runs q as a range query over the data in world v and returns its
// result, or its error, as text.
func (w *twoWorlds) eval(v int, q string) string {
	qry, err := w.engine.NewRangeQuery(context.Background(), w.db[v], nil, q, time.Unix(0, 0), time.Unix(600, 0), time.Minute)
	if err != nil {
		return "error: " + err.Error()
	}
	defer qry.Close()
	res := qry.Exec(context.Background())
	if res.Err != nil {
		return "error: " + errorKind(res.Err.Error())
	}
	m, ok := res.Value.(promql.Matrix)
	if !ok {
		return res.Value.String()
	}
	// Rounded: sums and standard deviations add in storage order, which
	// differs between the worlds in the last bits whatever the data.
	var b strings.Builder
	for _, s := range m {
		b.WriteString(s.Metric.String())
		for _, p := range s.Floats {
			fmt.Fprintf(&b, " %.9g@%d", p.F, p.T)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// errorKind drops from the engine's error the series it names: which one
// of several offending match groups it reports depends on map order, so
// it differs from run to run even over the same data.
func errorKind(msg string) string {
	if i := strings.Index(msg, "{"); i >= 0 {
		return msg[:i]
	}
	return msg
}

// queryGen writes random PromQL over the worlds' metrics, meant to reach
// every construct that could carry another tenant's data: namespace
// matchers of every kind, several metrics at once, offsets and @,
// subqueries, absent, label rewriting, vector matching, set operators.
type queryGen struct{ r *rand.Rand }

func (g queryGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g queryGen) selector() string {
	name := g.pick("m1", "m2", "m3_bucket", "kube_namespace_labels", "")
	var ms []string
	if name == "" {
		ms = append(ms, g.pick(`__name__=~"m.*"`, `__name__="m1"`, `__name__=~".+"`, `__name__=~"kube.*|m2"`))
	}
	for range g.r.IntN(3) {
		ms = append(ms, g.pick(`namespace="team-a"`, `namespace="team-b"`, `namespace="team-a2"`, `namespace=~"team-.*"`,
			`namespace!="team-b"`, `namespace=""`, `namespace=~".*"`, `namespace!~"team-a"`, `pod="p1"`, `pod!="p1"`,
			`job=~"j.*|ksm"`, `pod="p3"`, `label_kubesphere_io_workspace="ws-a"`, `label_kubesphere_io_workspace!="ws-a"`))
	}
	if len(ms) == 0 {
		return name
	}
	return name + "{" + strings.Join(ms, ",") + "}"
}

func (g queryGen) mod() string {
	return g.pick("", "", "", " offset 1m", " @ 300", " @ end()", " @ start()", " offset 2m")
}

func (g queryGen) matrix(d int) string {
	if d > 0 && g.r.IntN(3) == 0 {
		return "(" + g.vector(d-1) + ")[3m:1m]" + g.mod()
	}
	return g.selector() + "[2m]" + g.mod()
}

func (g queryGen) scalar(d int) string {
	switch g.r.IntN(4) {
	case 0:
		return "time()"
	case 1:
		if d > 0 {
			return "scalar(" + g.vector(d-1) + ")"
		}
	}
	return g.pick("1", "0.5", "2")
}

func (g queryGen) grouping() string {
	return g.pick("", " by (namespace)", " by (pod)", " without (pod)", " by (namespace, le)", " without (namespace)")
}

func (g queryGen) vector(d int) string {
	if d <= 0 {
		return g.selector() + g.mod()
	}
	switch g.r.IntN(16) {
	case 0, 1:
		return g.selector() + g.mod()
	case 2:
		return g.pick("rate", "sum_over_time", "max_over_time", "count_over_time", "absent_over_time", "last_over_time",
			"changes", "resets", "delta", "present_over_time", "stddev_over_time") + "(" + g.matrix(d) + ")"
	case 3:
		return "quantile_over_time(" + g.scalar(d) + ", " + g.matrix(d) + ")"
	case 4:
		return "predict_linear(" + g.matrix(d) + ", 60)"
	case 5:
		return g.pick("sum", "count", "max", "min", "avg", "group", "stddev") + g.grouping() + " (" + g.vector(d-1) + ")"
	case 6:
		// topk and bottomk break ties by storage order, which differs
		// between the worlds whatever the data; k is large enough to
		// keep every series.
		if g.r.IntN(2) == 0 {
			return g.pick("topk", "bottomk") + g.grouping() + " (50, " + g.vector(d-1) + ")"
		}
		return "quantile" + g.grouping() + " (" + g.scalar(d) + ", " + g.vector(d-1) + ")"
	case 7:
		return `count_values("` + g.pick("namespace", "v") + `", ` + g.vector(d-1) + ")"
	case 8:
		return g.vector(d-1) + " " + g.pick("+", "*", "/", "-", ">", "== bool", "and", "or", "unless") + " " +
			g.pick("", "on (namespace) ", "on (pod) ", "ignoring (pod) ", "on () ", "ignoring (namespace, job) ") + g.vector(d-1)
	case 9:
		return g.vector(d-1) + " * on (pod) group_left (" + g.pick("namespace", "job", "") + ") " + g.vector(d-1)
	case 10:
		return g.vector(d-1) + " " + g.pick("+", ">", "*", "<= bool") + " " + g.scalar(d)
	case 11:
		return fmt.Sprintf(g.pick("abs(%s)", "timestamp(%s)", "absent(%s)", "sort(%s)", "clamp_min(%s, 1)", "histogram_quantile(0.5, %s)", "-%s"), g.vector(d-1))
	case 12:
		return `label_replace(` + g.vector(d-1) + `, "namespace", "` + g.pick("team-b", "team-a", "$1") + `", "` + g.pick("pod", "namespace", "") + `", "` + g.pick("(.*)", "", "p(.*)") + `")`
	case 13:
		return `label_join(` + g.vector(d-1) + `, "namespace", "-", "pod", "job")`
	case 14:
		return "vector(" + g.scalar(d) + ")"
	default:
		return "histogram_quantile(0.5, sum by (le" + g.pick("", ", namespace") + ") (rate(m3_bucket" + g.pick("", `{pod="p1"}`) + "[2m])))"
	}
}

// TestScopeNonInterference: random queries, scoped, answer the same in
// both worlds; the same queries unscoped often do not, so the worlds do
// tell a leak apart.
func TestScopeNonInterference(t *testing.T) {
	for _, scope := range []monitoring.TenantScope{nsA, wsA} {
		t.Run(scope.Namespace+scope.Workspace, func(t *testing.T) {
			w := newTwoWorlds(t, scope)
			g := queryGen{r: rand.New(rand.NewPCG(14, 2))}
			var compared, nonEmpty, rawDiffer, refused int
			for range 1500 {
				q := g.vector(1 + g.r.IntN(3))
				scoped, err := monitoring.ScopeQuery(q, scope)
				if err != nil {
					refused++
					continue
				}
				require.NoError(t, confined(scoped, scope), q)
				a, b := w.eval(0, scoped), w.eval(1, scoped)
				require.Equal(t, a, b, "query %s scoped as %s answers differently when only other tenants' data differ", q, scoped)
				compared++
				if !strings.HasPrefix(a, "error") && a != "" {
					nonEmpty++
				}
				if w.eval(0, q) != w.eval(1, q) {
					rawDiffer++
				}
			}
			t.Logf("%d compared (%d with data), %d refused; unscoped, %d differ between the worlds", compared, nonEmpty, refused, rawDiffer)
			assert.Greater(t, compared, 1000)
			assert.Greater(t, nonEmpty, compared/3, "too few scoped queries return data for the test to mean much")
			assert.Greater(t, rawDiffer, compared/3, "the worlds rarely tell unscoped queries apart")
		})
	}
}

// FuzzScopeQuery: whatever the input, ScopeQuery does not panic; what it
// returns parses, is confined (confined's independent reading of the
// tree), and answers the same in the two worlds.
func FuzzScopeQuery(f *testing.F) {
	for _, s := range []string{
		`up`, `rate(x[5m])`, `m1{namespace="team-b"}`, `m1{namespace=~".*"}`, `{__name__=~".+"}`,
		`max_over_time(rate(m1[2m])[5m:1m] @ end())`, `absent(m1{namespace="team-b"})`, `absent_over_time(m1{pod="p3"}[2m])`,
		`count(m1)`, `count_values("namespace", m1)`, `label_replace(m1, "namespace", "team-b", "", "")`,
		`m1 * on(pod) group_left(namespace) m2`, `vector(1) unless m1`, `timestamp(m2 offset 1m)`, `m1[5m]`,
		`sum by (namespace) (kube_namespace_labels)`, `scalar(count(m1)) + time()`, `topk(1, m1 @ 300)`,
		`histogram_quantile(0.5, sum by (le) (rate(m3_bucket[2m])))`, `info(m1)`, `rate(m1`, `-m1 offset -1m`,
		`quantile_over_time(scalar(count(m2)), m1[2m])`, `((m1))`, `m1 or on() vector(count(m1))`,
	} {
		f.Add(s)
	}
	scopes := []monitoring.TenantScope{nsA, wsA}
	var worlds []*twoWorlds
	for _, s := range scopes {
		worlds = append(worlds, newTwoWorlds(f, s))
	}
	f.Fuzz(func(t *testing.T, q string) {
		for i, scope := range scopes {
			out, err := monitoring.ScopeQuery(q, scope)
			if err != nil {
				var ie *monitoring.InvalidError
				require.ErrorAs(t, err, &ie)
				continue
			}
			require.NoError(t, confined(out, scope))
			a, b := worlds[i].eval(0, out), worlds[i].eval(1, out)
			if strings.Contains(a, "too many samples") || strings.Contains(b, "too many samples") || strings.Contains(a, "context") {
				continue // a cost limit, not an answer
			}
			require.Equal(t, a, b, "%s scoped as %s", q, out)
		}
	})
}
