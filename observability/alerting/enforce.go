package alerting

import (
	"fmt"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// promql parses PromQL with Prometheus's default options.
var promql = parser.NewParser(parser.Options{})

// enforce parses expr and pins every vector selector in it (those inside
// range vectors and subqueries too) to ms: a selector's own matchers on a
// label of ms are dropped and ms added, so `up{namespace="b"}` pinned to
// namespace="a" becomes `up{namespace="a"}`. The expression is returned in
// Prometheus's canonical form.
func enforce(expr string, ms ...*labels.Matcher) (string, error) {
	node, err := promql.ParseExpr(expr)
	if err != nil {
		return "", err
	}
	pins := make([]*labels.Matcher, len(ms))
	for i, m := range ms {
		// labels.NewMatcher compiles a regexp; a Matcher literal would
		// leave it uncompiled.
		if pins[i], err = labels.NewMatcher(m.Type, m.Name, m.Value); err != nil {
			return "", err
		}
	}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok || len(pins) == 0 {
			return nil
		}
		kept := make([]*labels.Matcher, 0, len(vs.LabelMatchers)+len(pins))
		for _, m := range vs.LabelMatchers {
			if !pinned(m.Name, pins) {
				kept = append(kept, m)
			}
		}
		vs.LabelMatchers = append(kept, pins...)
		return nil
	})
	out := node.String()
	// The printed form must parse to the same thing: this guards against a
	// selector the printer cannot express.
	if _, err := promql.ParseExpr(out); err != nil {
		return "", fmt.Errorf("the pinned expression does not parse: %w", err)
	}
	return out, nil
}

func pinned(name string, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if m.Name == name {
			return true
		}
	}
	return false
}
