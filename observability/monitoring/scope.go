package monitoring

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/schema"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError reports an input an operation refuses, naming the input
// (Field) and why (Reason): a query that cannot be scoped to a tenant, a
// range too long for its step, a result with too many series. It is the
// SDK's one input-error shape (tenancy.InvalidError is the same type).
type InvalidError = fielderr.Invalid

const (
	// NamespaceLabel is the label that places a series in a namespace.
	// Scoping trusts it: Prometheus must not let tenants' own targets set
	// it (honor_labels on their scrape jobs).
	NamespaceLabel = "namespace"

	// DefaultWorkspaceMembership selects the series that place a namespace
	// in a workspace: kube-state-metrics' kube_namespace_labels, which
	// carries the namespace's kubesphere.io/workspace label as
	// WorkspaceSeriesLabel when kube-state-metrics runs with
	// --metric-labels-allowlist=namespaces=[kubesphere.io/workspace].
	DefaultWorkspaceMembership = "kube_namespace_labels"

	// WorkspaceSeriesLabel is the label of the membership series that names
	// the namespace's workspace.
	WorkspaceSeriesLabel = "label_kubesphere_io_workspace"
)

// TenantScope is the tenant an ad-hoc query is confined to: one namespace
// (a project), or one workspace (every namespace labelled with it). Set
// exactly one of Namespace and Workspace.
type TenantScope struct {
	// Namespace confines the query to series whose namespace label is this
	// namespace.
	Namespace string
	// Workspace confines the query to series whose namespace belongs to
	// this workspace, as the membership series say at the time of the
	// data. The workspace's namespaces are never listed in the query, so
	// its cost does not grow with their number.
	Workspace string
	// WorkspaceMembership is the series selector of the membership series,
	// without the workspace matcher, which ScopeQuery adds; empty means
	// DefaultWorkspaceMembership. Where tenants' own targets could publish
	// a series of that name, restrict it to kube-state-metrics' job, such
	// as `kube_namespace_labels{job="kube-state-metrics"}`.
	WorkspaceMembership string
}

// ScopeQuery rewrites a user's PromQL expression so that it reads only the
// tenant's series, and returns it, or refuses it with an *InvalidError
// (Field "query") naming what cannot be made safe.
//
// Under a namespace scope every selector, wherever it is (in function
// arguments, subqueries, binary operations, aggregations, with offset or
// @), gets the matcher namespace="<ns>". A user's own namespace matcher
// that would select outside the namespace (namespace="other",
// namespace!="<ns>", a regexp that does not match it) is refused; one that
// matches it is replaced by the scope's.
//
// Under a workspace scope every instant selector s becomes
// (s and on(namespace) <membership>{label_kubesphere_io_workspace="<ws>"}),
// the membership selector carrying s's offset and @ so that membership is
// judged when the data was recorded. A range selector cannot be joined, so
// the range function that reads it (rate, *_over_time, ...: each output
// series comes from one input series and keeps its labels) is filtered
// after the call; timestamp(s) the same way, since it reads sample times
// only from a bare selector. absent(s) and absent_over_time(s[r]) are
// rebuilt as absent of the filtered series, with the labels the original
// would carry. A range selector anywhere else, such as a whole query
// `x[5m]`, is refused.
//
// In both scopes series without a namespace label are never read, and
// functions not known to be safe (info, which reads series of its own, and
// any function this package does not know) are refused. Everything the
// result holds is computed from the tenant's series and constants, so
// label_replace, group_left, count_values, or and unless cannot reach
// another tenant's data. Only PromQL's stable functions parse; experimental
// ones are refused as malformed.
func ScopeQuery(expr string, scope TenantScope) (string, error) {
	s, err := scope.compile()
	if err != nil {
		return "", err
	}
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return "", &InvalidError{Field: "query", Reason: "not valid PromQL: " + err.Error(), Err: err}
	}
	out, err := s.walk(e)
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// scoper rewrites one expression for one scope.
type scoper struct {
	namespace string
	// member holds the membership selector's matchers, workspace matcher
	// included, under a workspace scope; nil under a namespace scope.
	member     []*labels.Matcher
	memberName string
}

func (t TenantScope) compile() (*scoper, error) {
	switch {
	case t.Namespace != "" && t.Workspace != "":
		return nil, &InvalidError{Field: "scope", Reason: "set one of Namespace and Workspace, not both"}
	case t.Namespace != "":
		if errs := validation.IsDNS1123Label(t.Namespace); len(errs) > 0 {
			return nil, &InvalidError{Field: "scope.Namespace", Reason: strings.Join(errs, "; ")}
		}
		if t.WorkspaceMembership != "" {
			return nil, &InvalidError{Field: "scope.WorkspaceMembership", Reason: "only applies to a workspace scope"}
		}
		return &scoper{namespace: t.Namespace}, nil
	case t.Workspace != "":
		if errs := validation.IsDNS1123Label(t.Workspace); len(errs) > 0 {
			return nil, &InvalidError{Field: "scope.Workspace", Reason: strings.Join(errs, "; ")}
		}
		return t.compileMembership()
	default:
		return nil, &InvalidError{Field: "scope", Reason: "set Namespace or Workspace"}
	}
}

func (t TenantScope) compileMembership() (*scoper, error) {
	sel := t.WorkspaceMembership
	if sel == "" {
		sel = DefaultWorkspaceMembership
	}
	const field = "scope.WorkspaceMembership"
	e, err := parser.NewParser(parser.Options{}).ParseExpr(sel)
	if err != nil {
		return nil, &InvalidError{Field: field, Reason: "not a series selector: " + err.Error(), Err: err}
	}
	vs, ok := e.(*parser.VectorSelector)
	if !ok || vs.Name == "" || vs.Timestamp != nil || vs.StartOrEnd != 0 || vs.OriginalOffset != 0 || vs.OriginalOffsetExpr != nil {
		return nil, &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a plain series selector with a metric name", sel)}
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == WorkspaceSeriesLabel || m.Name == NamespaceLabel {
			return nil, &InvalidError{Field: field, Reason: fmt.Sprintf("%q matches on %s, which the scope sets", sel, m.Name)}
		}
	}
	// namespace!="" keeps a membership series without a namespace from
	// joining series without one.
	ms := append(slices.Clone(vs.LabelMatchers),
		labels.MustNewMatcher(labels.MatchEqual, WorkspaceSeriesLabel, t.Workspace),
		labels.MustNewMatcher(labels.MatchNotEqual, NamespaceLabel, ""))
	return &scoper{member: ms, memberName: vs.Name}, nil
}

func (s *scoper) workspace() bool { return s.member != nil }

func refuse(format string, args ...any) error {
	return &InvalidError{Field: "query", Reason: fmt.Sprintf(format, args...)}
}

// walk returns e with every read confined to the scope. It rewrites e in
// place where it can.
func (s *scoper) walk(e parser.Expr) (parser.Expr, error) {
	var err error
	switch n := e.(type) {
	case *parser.VectorSelector:
		if s.workspace() {
			return s.filter(n, n), nil
		}
		return n, s.confine(n)
	case *parser.MatrixSelector:
		vs, ok := n.VectorSelector.(*parser.VectorSelector)
		if !ok {
			return nil, refuse("range selector %s has no series selector", n)
		}
		if s.workspace() {
			return nil, refuse("range selector %s: a workspace scope can only filter a range selector read by a range function such as rate or max_over_time", n)
		}
		return n, s.confine(vs)
	case *parser.SubqueryExpr:
		n.Expr, err = s.walk(n.Expr)
		return n, err
	case *parser.ParenExpr:
		n.Expr, err = s.walk(n.Expr)
		return n, err
	case *parser.StepInvariantExpr:
		n.Expr, err = s.walk(n.Expr)
		return n, err
	case *parser.UnaryExpr:
		n.Expr, err = s.walk(n.Expr)
		return n, err
	case *parser.BinaryExpr:
		if n.LHS, err = s.walk(n.LHS); err != nil {
			return nil, err
		}
		n.RHS, err = s.walk(n.RHS)
		return n, err
	case *parser.AggregateExpr:
		if n.Param != nil {
			if n.Param, err = s.walk(n.Param); err != nil {
				return nil, err
			}
		}
		n.Expr, err = s.walk(n.Expr)
		return n, err
	case *parser.Call:
		return s.call(n)
	case *parser.NumberLiteral, *parser.StringLiteral, *parser.DurationExpr:
		return n, nil
	default:
		return nil, refuse("%T expressions cannot be scoped", e)
	}
}

// confine gives a selector the scope's namespace matcher, refusing a user's
// namespace matcher that would select another namespace.
func (s *scoper) confine(vs *parser.VectorSelector) error {
	kept := make([]*labels.Matcher, 0, len(vs.LabelMatchers)+1)
	for _, m := range vs.LabelMatchers {
		if m.Name != NamespaceLabel {
			kept = append(kept, m)
			continue
		}
		if !m.Matches(s.namespace) {
			return refuse("selector %s: matcher %s selects outside namespace %q", vs, m, s.namespace)
		}
	}
	vs.LabelMatchers = append(kept, labels.MustNewMatcher(labels.MatchEqual, NamespaceLabel, s.namespace))
	return nil
}

// membership returns the workspace's membership selector as of the time at
// (a selector) reads data: same offset and @.
func (s *scoper) membership(at *parser.VectorSelector) *parser.VectorSelector {
	m := &parser.VectorSelector{
		Name:               s.memberName,
		LabelMatchers:      slices.Clone(s.member),
		OriginalOffset:     at.OriginalOffset,
		OriginalOffsetExpr: at.OriginalOffsetExpr,
		Offset:             at.Offset,
		StartOrEnd:         at.StartOrEnd,
	}
	if at.Timestamp != nil {
		ts := *at.Timestamp
		m.Timestamp = &ts
	}
	return m
}

// filter keeps the series of e whose namespace belongs to the workspace at
// the time at reads.
func (s *scoper) filter(e parser.Expr, at *parser.VectorSelector) parser.Expr {
	return &parser.ParenExpr{Expr: &parser.BinaryExpr{
		Op:  parser.LAND,
		LHS: e,
		RHS: s.membership(at),
		VectorMatching: &parser.VectorMatching{
			Card:           parser.CardManyToMany,
			On:             true,
			MatchingLabels: []string{NamespaceLabel},
		},
	}}
}

func (s *scoper) call(n *parser.Call) (parser.Expr, error) {
	name := n.Func.Name
	if _, ok := rangeFunctions[name]; !ok {
		if _, ok := pointFunctions[name]; !ok {
			return nil, refuse("function %s is not known to keep to the tenant's series", name)
		}
	}
	if !s.workspace() {
		var err error
		for i := range n.Args {
			if n.Args[i], err = s.walk(n.Args[i]); err != nil {
				return nil, err
			}
		}
		return n, nil
	}

	// Under a workspace scope, a selector read directly by the function
	// cannot be filtered before the call without changing what it
	// computes; find it.
	var ms *parser.MatrixSelector
	var vs *parser.VectorSelector
	for i, a := range n.Args {
		switch u := unparen(a).(type) {
		case *parser.MatrixSelector:
			ms = u
			n.Args[i] = u
			continue
		case *parser.VectorSelector:
			if i == 0 && (name == "absent" || name == "timestamp" || name == "start_timestamp") {
				vs = u
				n.Args[i] = u
				continue
			}
		}
		var err error
		if n.Args[i], err = s.walk(a); err != nil {
			return nil, err
		}
	}

	switch {
	case ms != nil:
		sel, ok := ms.VectorSelector.(*parser.VectorSelector)
		if !ok {
			return nil, refuse("range selector %s has no series selector", ms)
		}
		if _, ok := rangeFunctions[name]; !ok {
			return nil, refuse("function %s reads a range selector but is not known to keep each series apart", name)
		}
		if err := oneMetric(sel, name); err != nil {
			return nil, err
		}
		if name == "absent_over_time" {
			// absent_over_time(s[r]) is 1 when no series had samples
			// in the range: the same as absent of the workspace's
			// count_over_time(s[r]), with the labels it would carry.
			count := &parser.Call{Func: parser.Functions["count_over_time"], Args: parser.Expressions{ms}}
			return absentWithLabels(s.filter(count, sel), sel), nil
		}
		return s.filter(n, sel), nil
	case vs != nil && name == "absent":
		return absentWithLabels(s.filter(vs, vs), vs), nil
	case vs != nil:
		if err := oneMetric(vs, name); err != nil {
			return nil, err
		}
		return s.filter(n, vs), nil
	}
	return n, nil
}

// oneMetric refuses a selector that fn reads before the workspace filter
// unless it names one metric. fn drops the metric name, so series of
// several metrics with the same labels, in any namespace, would fail the
// whole query with a duplicate-labelset error: another tenant's series
// would decide whether the query fails.
func oneMetric(vs *parser.VectorSelector, fn string) error {
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual && m.Value != "" {
			return nil
		}
	}
	return refuse("selector %s: under a workspace scope, %s must read one metric, named by an equality matcher", vs, fn)
}

// absentWithLabels is absent(e) carrying the labels absent(sel) would carry
// (its equality matchers, as Prometheus derives them), set by label_replace
// since absent of a non-selector carries none.
func absentWithLabels(e parser.Expr, sel *parser.VectorSelector) parser.Expr {
	var out parser.Expr = &parser.Call{Func: parser.Functions["absent"], Args: parser.Expressions{e}}
	set := map[string]string{}
	seen := map[string]bool{}
	for _, m := range sel.LabelMatchers {
		if schema.IsMetadataLabel(m.Name) {
			continue
		}
		if m.Type == labels.MatchEqual && !seen[m.Name] {
			set[m.Name] = m.Value
			seen[m.Name] = true
		} else {
			delete(set, m.Name)
		}
	}
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		out = &parser.Call{Func: parser.Functions["label_replace"], Args: parser.Expressions{
			out,
			&parser.StringLiteral{Val: k},
			&parser.StringLiteral{Val: strings.ReplaceAll(set[k], "$", "$$")},
			&parser.StringLiteral{Val: ""},
			&parser.StringLiteral{Val: ""},
		}}
	}
	return out
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = p.Expr
	}
}

// rangeFunctions read a range of samples of each series and return one
// series per input series with its labels (the metric name aside), so
// filtering after the call equals filtering before. absent_over_time is
// the exception, rebuilt by call.
var rangeFunctions = setOf(
	"absent_over_time", "avg_over_time", "changes", "count_over_time", "delta", "deriv",
	"double_exponential_smoothing", "first_over_time", "idelta", "increase", "integral", "irate",
	"last_over_time", "mad_over_time", "max_over_time", "min_over_time", "predict_linear",
	"present_over_time", "quantile_over_time", "rate", "resets", "stddev_over_time",
	"stdvar_over_time", "sum_over_time", "ts_of_first_over_time", "ts_of_last_over_time",
	"ts_of_max_over_time", "ts_of_min_over_time",
)

// pointFunctions compute from their arguments alone (or from the clock);
// they read no series of their own.
var pointFunctions = setOf(
	"abs", "absent", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "clamp", "clamp_max",
	"clamp_min", "cos", "cosh", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
	"end", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
	"histogram_quantile", "histogram_quantiles", "histogram_stddev", "histogram_stdvar",
	"histogram_sum", "hour", "label_join", "label_replace", "ln", "log10", "log2", "max_of",
	"min_of", "minute", "month", "pi", "rad", "range", "round", "scalar", "sgn", "sin", "sinh",
	"sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "sqrt", "start", "start_timestamp",
	"step", "tan", "tanh", "time", "timestamp", "vector", "year",
)

func setOf(names ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}
