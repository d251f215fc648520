package monitoring_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
	"github.com/spherekit/spherekit/tenancy"
)

var (
	nsA = monitoring.TenantScope{Namespace: "team-a"}
	wsA = monitoring.TenantScope{Workspace: "ws-a"}
)

// member is what the workspace scope ws-a joins on, as printed.
const member = `kube_namespace_labels{label_kubesphere_io_workspace="ws-a",namespace!=""}`

func TestScopeQueryNamespace(t *testing.T) {
	tests := []struct {
		name, in, want string
		refused        string // part of the refusal's reason; "" when accepted
	}{
		{"bare name", `up`, `up{namespace="team-a"}`, ""},
		{"other matchers kept", `http_requests_total{job="api",code=~"5.."}`, `http_requests_total{code=~"5..",job="api",namespace="team-a"}`, ""},
		{"range function", `rate(x[5m])`, `rate(x{namespace="team-a"}[5m])`, ""},
		{"offset", `sum by (pod) (rate(x[5m] offset 1h))`, `sum by (pod) (rate(x{namespace="team-a"}[5m] offset 1h))`, ""},
		{"@", `x @ 100`, `x{namespace="team-a"} @ 100.000`, ""},
		{"@ end()", `x @ end()`, `x{namespace="team-a"} @ end()`, ""},
		{"subquery", `max_over_time(x[1h:5m])`, `max_over_time(x{namespace="team-a"}[1h:5m])`, ""},
		{"nested subquery", `max_over_time(rate(x[5m])[1h:5m] @ end())`, `max_over_time(rate(x{namespace="team-a"}[5m])[1h:5m] @ end())`, ""},
		{"bare range selector", `x[5m]`, `x{namespace="team-a"}[5m]`, ""},
		{"name matcher only", `{__name__=~".+"}`, `{__name__=~".+",namespace="team-a"}`, ""},
		{"own namespace kept once", `x{namespace="team-a"}`, `x{namespace="team-a"}`, ""},
		{"regexp matching it is replaced", `x{namespace=~"team-.*"}`, `x{namespace="team-a"}`, ""},
		{"negative matcher matching it", `x{namespace!="team-b"}`, `x{namespace="team-a"}`, ""},
		{"both sides of a binary expression", `x / on(pod) group_left(namespace) y`, `x{namespace="team-a"} / on (pod) group_left (namespace) y{namespace="team-a"}`, ""},
		{"or", `x or y`, `x{namespace="team-a"} or y{namespace="team-a"}`, ""},
		{"unless", `vector(1) unless x`, `vector(1) unless x{namespace="team-a"}`, ""},
		{"aggregation parameter", `topk(scalar(y), x)`, `topk(scalar(y{namespace="team-a"}), x{namespace="team-a"})`, ""},
		{"count_values", `count_values("namespace", x)`, `count_values("namespace", x{namespace="team-a"})`, ""},
		{"label_replace relabels only the tenant's series", `label_replace(x, "namespace", "team-b", "", "")`, `label_replace(x{namespace="team-a"}, "namespace", "team-b", "", "")`, ""},
		{"absent", `absent(x{job="a"})`, `absent(x{job="a",namespace="team-a"})`, ""},
		{"absent_over_time", `absent_over_time(x[5m])`, `absent_over_time(x{namespace="team-a"}[5m])`, ""},
		{"timestamp", `timestamp(x)`, `timestamp(x{namespace="team-a"})`, ""},
		{"histogram_quantile", `histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))`, `histogram_quantile(0.9, sum by (le) (rate(x_bucket{namespace="team-a"}[5m])))`, ""},
		{"scalar arguments", `quantile_over_time(scalar(y), x[5m])`, `quantile_over_time(scalar(y{namespace="team-a"}), x{namespace="team-a"}[5m])`, ""},
		{"nothing read", `vector(1)`, `vector(1)`, ""},
		{"time", `time() - 60`, `time() - 60`, ""},
		{"string", `"text"`, `"text"`, ""},
		{"unary", `-x`, `-x{namespace="team-a"}`, ""},

		{"another namespace", `x{namespace="team-b"}`, "", `matcher namespace="team-b" selects outside namespace "team-a"`},
		{"another namespace deep inside", `sum(rate(x[5m])) / sum(rate(x{namespace="team-b"}[5m]))`, "", `selector x{namespace="team-b"}`},
		{"not this namespace", `x{namespace!="team-a"}`, "", `selects outside`},
		{"regexp not matching it", `x{namespace=~"team-b|team-c"}`, "", `selects outside`},
		{"series without a namespace", `x{namespace=""}`, "", `selects outside`},
		{"one good one bad matcher", `x{namespace="team-a",namespace=~"team-b"}`, "", `selects outside`},
		{"inside a subquery", `max_over_time(x{namespace="team-b"}[1h:5m])`, "", `selects outside`},
		{"info is experimental", `info(x)`, "", `not valid PromQL`},
		{"malformed", `rate(x`, "", `not valid PromQL`},
		{"empty", ``, "", `not valid PromQL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := monitoring.ScopeQuery(tt.in, nsA)
			checkScoped(t, got, err, tt.want, tt.refused, nsA)
		})
	}
}

func TestScopeQueryWorkspace(t *testing.T) {
	f := func(e string) string { return "(" + e + " and on (namespace) " + member + ")" }
	tests := []struct {
		name, in, want string
		refused        string
	}{
		{"bare name", `up`, f(`up`), ""},
		{"user's namespace matcher kept and joined", `x{namespace="team-b"}`, f(`x{namespace="team-b"}`), ""},
		{"range function filtered after the call", `rate(x{job="api"}[5m])`, f(`rate(x{job="api"}[5m])`), ""},
		{"offset carried to membership", `rate(x[5m] offset 1h)`, `(rate(x[5m] offset 1h) and on (namespace) ` + member + ` offset 1h)`, ""},
		{"@ carried to membership", `x @ 100`, `(x @ 100.000 and on (namespace) ` + member + ` @ 100.000)`, ""},
		{"@ end() carried", `x @ end()`, `(x @ end() and on (namespace) ` + member + ` @ end())`, ""},
		{"subquery filtered inside", `max_over_time(x[1h:5m])`, `max_over_time(` + f(`x`) + `[1h:5m])`, ""},
		{"nested", `max_over_time(rate(x[5m])[1h:5m] @ end())`, `max_over_time(` + f(`rate(x[5m])`) + `[1h:5m] @ end())`, ""},
		{"aggregation", `sum by (namespace) (x)`, `sum by (namespace) (` + f(`x`) + `)`, ""},
		{"binary with group_left", `x * on(pod) group_left(namespace) y`, f(`x`) + ` * on (pod) group_left (namespace) ` + f(`y`), ""},
		{"or", `x or vector(1)`, f(`x`) + ` or vector(1)`, ""},
		{"scalar argument of a range function", `quantile_over_time(scalar(y), x[5m])`, f(`quantile_over_time(scalar(` + f(`y`) + `), x[5m])`), ""},
		{"timestamp reads the selector", `timestamp(x)`, f(`timestamp(x)`), ""},
		{"timestamp through parentheses", `timestamp((x))`, f(`timestamp(x)`), ""},
		{"absent keeps its labels", `absent(x{job="a",pod=~"p.*"})`, `label_replace(absent(` + f(`x{job="a",pod=~"p.*"}`) + `), "job", "a", "", "")`, ""},
		{"absent label value with $", `absent(x{job="a$1"})`, `label_replace(absent(` + f(`x{job="a$1"}`) + `), "job", "a$$1", "", "")`, ""},
		{"absent of duplicate equality drops the label", `absent(x{job="a",job="b"})`, `absent(` + f(`x{job="a",job="b"}`) + `)`, ""},
		{"absent_over_time", `absent_over_time(x{job="a"}[5m] offset 1m)`, `label_replace(absent((count_over_time(x{job="a"}[5m] offset 1m) and on (namespace) ` + member + ` offset 1m)), "job", "a", "", "")`, ""},
		{"absent of an expression", `absent(sum(x))`, `absent(sum(` + f(`x`) + `))`, ""},
		{"label_replace", `label_replace(x, "namespace", "team-b", "", "")`, `label_replace(` + f(`x`) + `, "namespace", "team-b", "", "")`, ""},
		{"membership metric itself", `kube_namespace_labels`, f(`kube_namespace_labels`), ""},
		{"nothing read", `vector(1)`, `vector(1)`, ""},

		{"bare range selector", `x[5m]`, "", `range selector x[5m]`},
		{"range selector in parentheses", `(x[5m])`, "", `range selector`},
		{"range function over several metrics", `rate({__name__=~"x.*"}[5m])`, "", `must read one metric`},
		{"timestamp over several metrics", `timestamp({__name__=~"x.*"})`, "", `must read one metric`},
		{"info is experimental", `info(x)`, "", `not valid PromQL`},
		{"malformed", `sum(`, "", `not valid PromQL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := monitoring.ScopeQuery(tt.in, wsA)
			checkScoped(t, got, err, tt.want, tt.refused, wsA)
		})
	}
}

func TestScopeQueryMembership(t *testing.T) {
	got, err := monitoring.ScopeQuery(`up`, monitoring.TenantScope{Workspace: "ws-a", WorkspaceMembership: `kube_namespace_labels{job="kube-state-metrics"}`})
	require.NoError(t, err)
	assert.Equal(t, `(up and on (namespace) kube_namespace_labels{job="kube-state-metrics",label_kubesphere_io_workspace="ws-a",namespace!=""})`, got)
}

func TestScopeQueryBadScope(t *testing.T) {
	tests := []struct {
		name  string
		scope monitoring.TenantScope
		field string
	}{
		{"empty", monitoring.TenantScope{}, "scope"},
		{"both", monitoring.TenantScope{Namespace: "a", Workspace: "b"}, "scope"},
		{"namespace not a DNS label", monitoring.TenantScope{Namespace: `a"} or {b="`}, "scope.Namespace"},
		{"workspace not a DNS label", monitoring.TenantScope{Workspace: "Team A"}, "scope.Workspace"},
		{"membership for a namespace", monitoring.TenantScope{Namespace: "a", WorkspaceMembership: "x"}, "scope.WorkspaceMembership"},
		{"membership not a selector", monitoring.TenantScope{Workspace: "a", WorkspaceMembership: "sum(x)"}, "scope.WorkspaceMembership"},
		{"membership malformed", monitoring.TenantScope{Workspace: "a", WorkspaceMembership: "x{"}, "scope.WorkspaceMembership"},
		{"membership without a name", monitoring.TenantScope{Workspace: "a", WorkspaceMembership: `{job="k"}`}, "scope.WorkspaceMembership"},
		{"membership with offset", monitoring.TenantScope{Workspace: "a", WorkspaceMembership: `x offset 1h`}, "scope.WorkspaceMembership"},
		{"membership sets the workspace", monitoring.TenantScope{Workspace: "a", WorkspaceMembership: `x{label_kubesphere_io_workspace="b"}`}, "scope.WorkspaceMembership"},
		{"membership sets the namespace", monitoring.TenantScope{Workspace: "a", WorkspaceMembership: `x{namespace=~".*"}`}, "scope.WorkspaceMembership"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := monitoring.ScopeQuery("up", tt.scope)
			var ie *tenancy.InvalidError
			require.True(t, errors.As(err, &ie), "want an *InvalidError, got %v", err)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

func checkScoped(t *testing.T, got string, err error, want, refused string, scope monitoring.TenantScope) {
	t.Helper()
	if refused != "" {
		var ie *monitoring.InvalidError
		require.True(t, errors.As(err, &ie), "want an *InvalidError, got %v (output %q)", err, got)
		assert.Equal(t, "query", ie.Field)
		assert.Contains(t, ie.Reason, refused)
		assert.Empty(t, got)
		return
	}
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.NoError(t, confined(got, scope))
}

// confined says why an expression ScopeQuery returned is not confined to
// the scope, reading its syntax tree independently of the rewriter: under a
// namespace scope every selector has exactly the matcher namespace="<ns>"
// on namespace; under a workspace scope every selector is the membership
// selector, or is read only through a membership filter
// `(E and on (namespace) <membership>)` where E is the selector itself, a
// range function over it, or timestamp of it.
func confined(expr string, scope monitoring.TenantScope) error {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return fmt.Errorf("output %q does not parse: %w", expr, err)
	}
	var bad error
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok || bad != nil {
			return nil
		}
		if scope.Namespace != "" {
			var ns []*labels.Matcher
			for _, m := range vs.LabelMatchers {
				if m.Name == monitoring.NamespaceLabel {
					ns = append(ns, m)
				}
			}
			if len(ns) != 1 || ns[0].Type != labels.MatchEqual || ns[0].Value != scope.Namespace {
				bad = fmt.Errorf("selector %s in %s is not confined to namespace %s", vs, expr, scope.Namespace)
			}
			return nil
		}
		if isMembership(vs, scope.Workspace) {
			return nil
		}
		if !filtered(vs, path, scope.Workspace) {
			bad = fmt.Errorf("selector %s in %s is read outside a membership filter", vs, expr)
		}
		return nil
	})
	return bad
}

func isMembership(vs *parser.VectorSelector, ws string) bool {
	var wsOK, nsOK bool
	for _, m := range vs.LabelMatchers {
		switch {
		case m.Name == monitoring.WorkspaceSeriesLabel && m.Type == labels.MatchEqual && m.Value == ws:
			wsOK = true
		case m.Name == monitoring.NamespaceLabel && m.Type == labels.MatchNotEqual && m.Value == "":
			nsOK = true
		case m.Name == monitoring.WorkspaceSeriesLabel || m.Name == monitoring.NamespaceLabel:
			return false
		}
	}
	return vs.Name == monitoring.DefaultWorkspaceMembership && wsOK && nsOK
}

// filtered: the selector's ancestors, nearest first, are at most a range
// selector, then at most a range function or timestamp, then the filter
// with that on its left.
func filtered(vs *parser.VectorSelector, path []parser.Node, ws string) bool {
	up := slices.Clone(path)
	slices.Reverse(up)
	var child parser.Node = vs
	i := 0
	if i < len(up) {
		if ms, ok := up[i].(*parser.MatrixSelector); ok {
			child, i = ms, i+1
		}
	}
	if i < len(up) {
		if c, ok := up[i].(*parser.Call); ok {
			// absent_over_time answers from the selector's matchers when
			// nothing matched anywhere: it must not read unfiltered data.
			if _, isMatrix := child.(*parser.MatrixSelector); (isMatrix && c.Func.Name != "absent_over_time") || c.Func.Name == "timestamp" {
				child, i = c, i+1
			}
		}
	}
	if _, isMatrix := child.(*parser.MatrixSelector); isMatrix || i >= len(up) {
		return false
	}
	b, ok := up[i].(*parser.BinaryExpr)
	if !ok || b.Op != parser.LAND || b.LHS != child || b.VectorMatching == nil || !b.VectorMatching.On ||
		!slices.Equal(b.VectorMatching.MatchingLabels, []string{monitoring.NamespaceLabel}) {
		return false
	}
	rhs, ok := b.RHS.(*parser.VectorSelector)
	return ok && isMembership(rhs, ws)
}

func TestConfinedHasTeeth(t *testing.T) {
	for _, tt := range []struct {
		expr  string
		scope monitoring.TenantScope
	}{
		{`x`, nsA},
		{`x{namespace="team-a"} or y`, nsA},
		{`x{namespace=~"team-a"}`, nsA},
		{`x{namespace="team-a",namespace="team-b"}`, nsA},
		{`x`, wsA},
		{`rate(x[5m])`, wsA},
		{`x and on (namespace) kube_namespace_labels{label_kubesphere_io_workspace="ws-b",namespace!=""}`, wsA},
		{`x and on (namespace) kube_namespace_labels{label_kubesphere_io_workspace="ws-a"}`, wsA},
		{`sum(x) and on (namespace) ` + member, wsA},
		{`x or on (namespace) ` + member, wsA},
		{`x and ignoring (namespace) ` + member, wsA},
		{`abs(x) and on (namespace) ` + member, wsA},
		{`absent_over_time(x[5m]) and on (namespace) ` + member, wsA},
	} {
		assert.Error(t, confined(tt.expr, tt.scope), tt.expr)
	}
}
