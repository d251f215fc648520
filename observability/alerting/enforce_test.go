package alerting

import (
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnforce(t *testing.T) {
	ns := &labels.Matcher{Type: labels.MatchEqual, Name: "namespace", Value: "mine"}
	tests := []struct {
		name, in, want string
	}{
		{"plain selector", `up`, `up{namespace="mine"}`},
		{"another tenant's namespace is replaced", `up{namespace="theirs"}`, `up{namespace="mine"}`},
		{"a regexp over namespaces is replaced", `up{job="a",namespace=~".+"}`, `up{job="a",namespace="mine"}`},
		{"a negative matcher is replaced", `up{namespace!="mine"}`, `up{namespace="mine"}`},
		{"range vector", `rate(http_requests_total[5m]) > 1`, `rate(http_requests_total{namespace="mine"}[5m]) > 1`},
		{"subquery", `max_over_time(rate(x[1m])[10m:1m])`, `max_over_time(rate(x{namespace="mine"}[1m])[10m:1m])`},
		{"both sides of a binary operation", `a / on(pod) b`, `a{namespace="mine"} / on (pod) b{namespace="mine"}`},
		{"name matcher only", `{__name__=~"kube_.+"}`, `{__name__=~"kube_.+",namespace="mine"}`},
		{"no selector", `vector(1)`, `vector(1)`},
		{"offset and at", `x offset 5m`, `x{namespace="mine"} offset 5m`},
		{"aggregation dropping the label", `sum(x)`, `sum(x{namespace="mine"})`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := enforce(tt.in, ns)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("malformed", func(t *testing.T) {
		_, err := enforce(`sum(`, ns)
		require.Error(t, err)
	})
	t.Run("bad regexp pin", func(t *testing.T) {
		_, err := enforce(`up`, &labels.Matcher{Type: labels.MatchRegexp, Name: "namespace", Value: "("})
		require.Error(t, err)
	})
}

// FuzzEnforce: whatever the expression, pinning never panics, and when it
// succeeds the output parses and every vector selector in it carries
// exactly the namespace matcher on the namespace label and no other
// namespace matcher.
func FuzzEnforce(f *testing.F) {
	for _, s := range []string{
		`up`, `up{namespace="x"}`, `sum by (namespace) (rate(a{b=~"c|d"}[5m]))`, `a or on() vector(1)`,
		`{__name__="x",namespace!~"y"}`, `max_over_time(x[5m:30s] offset 1h)`, `label_replace(up, "namespace", "x", "", "")`,
		`absent(nope{namespace="other"})`, `x @ 100`, `info(x, {k="v"})`, `histogram_quantile(0.9, rate(b_bucket[5m]))`,
		`-x`, `(x)`, `x[1m]`, `count_values("namespace", x)`,
	} {
		f.Add(s, "mine")
	}
	f.Fuzz(func(t *testing.T, expr, namespace string) {
		pin := &labels.Matcher{Type: labels.MatchEqual, Name: "namespace", Value: namespace}
		out, err := enforce(expr, pin)
		if err != nil {
			return
		}
		node, err := promql.ParseExpr(out)
		if err != nil {
			t.Fatalf("pinned %q to %q does not parse: %v", expr, out, err)
		}
		parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			found := 0
			for _, m := range vs.LabelMatchers {
				if m.Name == "namespace" {
					found++
					if m.Type != labels.MatchEqual || m.Value != namespace {
						t.Errorf("%q: selector %s has matcher %s", out, vs, m)
					}
				}
			}
			if found != 1 {
				t.Errorf("%q: selector %s has %d namespace matchers", out, vs, found)
			}
			return nil
		})
	})
}
