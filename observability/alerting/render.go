package alerting

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/model/labels"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// MaxPrometheusRuleSize bounds the rule groups of one rendered
// PrometheusRule, measured as their YAML: KubeSphere's bound, 80% of half a
// Secret's 1 MiB (prometheus-operator turns PrometheusRules into ConfigMaps;
// the rest leaves room for what it adds).
const MaxPrometheusRuleSize = (1 << 20) / 2 * 80 / 100

// Rendered is what the enabled rule groups of one scope become: Prometheus
// rule groups, one per rule group object that has an enabled rule, sorted
// by name. Rules that could not be rendered (a malformed expression written
// past the Client's validation) are left out and listed in Skipped.
type Rendered struct {
	Scope   Scope
	Groups  []monitoringv1.RuleGroup
	Skipped []SkippedRule
}

// SkippedRule is a rule Render left out, and why.
type SkippedRule struct {
	Group string
	// Alert is the rule's alert name; "" when the whole group was left out.
	Alert string
	Err   error
}

func (s SkippedRule) Error() string {
	if s.Alert == "" {
		return fmt.Sprintf("rule group %s: %v", s.Group, s.Err)
	}
	return fmt.Sprintf("rule group %s, alert %s: %v", s.Group, s.Alert, s.Err)
}

// Unwrap returns why the rule was left out.
func (s SkippedRule) Unwrap() error { return s.Err }

// rendering is one rule's input to renderRule.
type rendering struct {
	rule      alertingv2beta1.Rule
	expr      string // from the exprBuilder, if any
	template  bool   // an exprBuilder made expr
	pins      []*labels.Matcher
	ruleLabel map[string]string // the scope's labels, enforced
}

// RenderNamespace renders namespace's enabled RuleGroups (groups of other
// namespaces are left out): every vector selector of every expression is
// pinned to namespace="<namespace>", so a tenant's rule sees only its
// namespace's series, and every rule carries rule_level="namespace" and
// namespace="<namespace>".
func RenderNamespace(namespace string, groups []alertingv2beta1.RuleGroup) Rendered {
	s := Namespace(namespace)
	out := Rendered{Scope: s}
	pin := &labels.Matcher{Type: labels.MatchEqual, Name: alertingv2beta1.LabelNamespace, Value: namespace}
	enforced := map[string]string{alertingv2beta1.LabelRuleLevel: alertingv2beta1.LevelNamespace, alertingv2beta1.LabelNamespace: namespace}
	for i := range groups {
		g := &groups[i]
		if g.Namespace != namespace || !enabled(g.Labels) {
			continue
		}
		rs := make([]rendering, 0, len(g.Spec.Rules))
		for j, r := range g.Spec.Rules {
			rd := rendering{rule: r.Rule, pins: []*labels.Matcher{pin}, ruleLabel: enforced}
			if r.ExprBuilder != nil && r.ExprBuilder.Workload != nil {
				expr, err := WorkloadExpr(fmt.Sprintf("spec.rules[%d].exprBuilder.workload", j), *r.ExprBuilder.Workload)
				if err != nil && !r.Disable {
					out.Skipped = append(out.Skipped, SkippedRule{Group: g.Name, Alert: r.Alert, Err: err})
					continue
				}
				rd.expr, rd.template = expr, true
			}
			rs = append(rs, rd)
		}
		out.add(g.Name, g.Spec.Interval, g.Spec.PartialResponseStrategy, rs)
	}
	out.sort()
	return out
}

// RenderCluster renders the enabled ClusterRuleGroups: every rule carries
// rule_level="cluster"; expressions are not narrowed.
func RenderCluster(groups []alertingv2beta1.ClusterRuleGroup) Rendered {
	out := Rendered{Scope: Cluster()}
	enforced := map[string]string{alertingv2beta1.LabelRuleLevel: alertingv2beta1.LevelCluster}
	for i := range groups {
		g := &groups[i]
		if !enabled(g.Labels) {
			continue
		}
		rs := make([]rendering, 0, len(g.Spec.Rules))
		for j, r := range g.Spec.Rules {
			rd := rendering{rule: r.Rule, ruleLabel: enforced}
			if r.ExprBuilder != nil && r.ExprBuilder.Node != nil {
				expr, err := NodeExpr(fmt.Sprintf("spec.rules[%d].exprBuilder.node", j), *r.ExprBuilder.Node)
				if err != nil && !r.Disable {
					out.Skipped = append(out.Skipped, SkippedRule{Group: g.Name, Alert: r.Alert, Err: err})
					continue
				}
				rd.expr, rd.template = expr, true
			}
			rs = append(rs, rd)
		}
		out.add(g.Name, g.Spec.Interval, g.Spec.PartialResponseStrategy, rs)
	}
	out.sort()
	return out
}

// RenderGlobal renders the enabled GlobalRuleGroups: every rule carries
// rule_level="global", and a rule's clusterSelector and namespaceSelector
// pin its selectors' cluster and namespace labels. An exprBuilder's scoped
// names set those selectors, as KubeSphere's defaulting does.
func RenderGlobal(groups []alertingv2beta1.GlobalRuleGroup) Rendered {
	out := Rendered{Scope: Global()}
	enforced := map[string]string{alertingv2beta1.LabelRuleLevel: alertingv2beta1.LevelGlobal}
	for i := range groups {
		g := &groups[i]
		if !enabled(g.Labels) {
			continue
		}
		rs := make([]rendering, 0, len(g.Spec.Rules))
		for j, r := range g.Spec.Rules {
			rd := rendering{rule: r.Rule, ruleLabel: enforced}
			clusterSel, nsSel := r.ClusterSelector, r.NamespaceSelector
			var err error
			if b := r.ExprBuilder; b != nil && (b.Workload != nil || b.Node != nil) {
				var clusters, namespaces []string
				if b.Workload != nil {
					rd.expr, clusters, namespaces, err = scopedWorkload(fmt.Sprintf("spec.rules[%d].exprBuilder.workload", j), *b.Workload)
				} else {
					rd.expr, clusters, err = scopedNode(fmt.Sprintf("spec.rules[%d].exprBuilder.node", j), *b.Node)
				}
				rd.template = true
				if len(clusters) > 0 {
					clusterSel = &alertingv2beta1.MetricLabelSelector{InValues: clusters}
				}
				if len(namespaces) > 0 {
					nsSel = &alertingv2beta1.MetricLabelSelector{InValues: namespaces}
				}
			}
			if err == nil {
				rd.pins, err = selectorPins(fmt.Sprintf("spec.rules[%d]", j), clusterSel, nsSel)
			}
			if err != nil {
				if !r.Disable {
					out.Skipped = append(out.Skipped, SkippedRule{Group: g.Name, Alert: r.Alert, Err: err})
				}
				continue
			}
			rs = append(rs, rd)
		}
		out.add(g.Name, g.Spec.Interval, g.Spec.PartialResponseStrategy, rs)
	}
	out.sort()
	return out
}

func enabled(l map[string]string) bool {
	return l[alertingv2beta1.EnableLabel] == alertingv2beta1.EnableTrue
}

// selectorPins turns a global rule's selectors into the matchers pinned
// into its expression.
func selectorPins(field string, clusterSel, nsSel *alertingv2beta1.MetricLabelSelector) ([]*labels.Matcher, error) {
	var pins []*labels.Matcher
	for _, s := range []struct {
		field, label string
		sel          *alertingv2beta1.MetricLabelSelector
	}{
		{field + ".clusterSelector", alertingv2beta1.LabelCluster, clusterSel},
		{field + ".namespaceSelector", alertingv2beta1.LabelNamespace, nsSel},
	} {
		m, err := SelectorMatcher(s.field, s.label, s.sel)
		if err != nil {
			return nil, err
		}
		if m != nil {
			pins = append(pins, m)
		}
	}
	return pins, nil
}

// SelectorMatcher is the PromQL matcher on label a MetricLabelSelector
// stands for, as KubeSphere reads it: one value is label="v", several are
// label=~"(a|b)", else the Matcher; nil for a nil or empty selector. A bad
// match type or regexp is an *InvalidError naming field.
func SelectorMatcher(field, label string, s *alertingv2beta1.MetricLabelSelector) (*labels.Matcher, error) {
	if s == nil {
		return nil, nil
	}
	switch {
	case len(s.InValues) > 0 && s.Matcher != nil:
		return nil, &InvalidError{Field: field, Reason: "set inValues or matcher, not both"}
	case len(s.InValues) == 1:
		return labels.NewMatcher(labels.MatchEqual, label, s.InValues[0])
	case len(s.InValues) > 1:
		quoted := make([]string, len(s.InValues))
		for i, v := range s.InValues {
			quoted[i] = regexpQuote(v)
		}
		return labels.NewMatcher(labels.MatchRegexp, label, "("+strings.Join(quoted, "|")+")")
	case s.Matcher == nil:
		return nil, nil
	}
	var t labels.MatchType
	switch s.Matcher.Type {
	case alertingv2beta1.MatchEqual:
		t = labels.MatchEqual
	case alertingv2beta1.MatchNotEqual:
		t = labels.MatchNotEqual
	case alertingv2beta1.MatchRegexp:
		t = labels.MatchRegexp
	case alertingv2beta1.MatchNotRegexp:
		t = labels.MatchNotRegexp
	default:
		return nil, &InvalidError{Field: field + ".matcher.type", Reason: fmt.Sprintf("%q is not a match type; use =, !=, =~ or !~", s.Matcher.Type)}
	}
	m, err := labels.NewMatcher(t, label, s.Matcher.Value)
	if err != nil {
		return nil, &InvalidError{Field: field + ".matcher.value", Reason: err.Error(), Err: err}
	}
	return m, nil
}

// regexpQuote escapes what RE2 treats specially, so that a listed value
// matches only itself (KubeSphere joins them unescaped; for the names
// Kubernetes allows both read the same).
func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// add renders a group's rules and appends the group if any is left.
func (out *Rendered) add(name, interval, strategy string, rs []rendering) {
	var rules []monitoringv1.Rule
	for _, rd := range rs {
		r, err := renderRule(name, rd)
		if err != nil {
			out.Skipped = append(out.Skipped, SkippedRule{Group: name, Alert: rd.rule.Alert, Err: err})
			continue
		}
		if r != nil {
			rules = append(rules, *r)
		}
	}
	if len(rules) == 0 {
		return
	}
	g := monitoringv1.RuleGroup{Name: name, PartialResponseStrategy: strategy, Rules: rules}
	if interval != "" {
		d := monitoringv1.Duration(interval)
		g.Interval = &d
	}
	out.Groups = append(out.Groups, g)
}

func (out *Rendered) sort() {
	slices.SortStableFunc(out.Groups, func(a, b monitoringv1.RuleGroup) int { return strings.Compare(a.Name, b.Name) })
}

// renderRule is one rule in Prometheus's terms, or nil for a disabled
// rule. The labels are, from weakest to strongest: the rule's own, its
// severity, the scope's labels, rule_group, alerttype and rule_type.
func renderRule(group string, rd rendering) (*monitoringv1.Rule, error) {
	r := rd.rule
	if r.Disable {
		return nil, nil
	}
	expr := rd.expr
	if !rd.template {
		expr = r.Expr.String()
	}
	if strings.TrimSpace(expr) == "" {
		return nil, &InvalidError{Field: "expr", Reason: "the rule has no expression"}
	}
	pinnedExpr, err := enforce(expr, rd.pins...)
	if err != nil {
		return nil, &InvalidError{Field: "expr", Reason: err.Error(), Err: err}
	}
	l := maps.Clone(r.Labels)
	if l == nil {
		l = map[string]string{}
	}
	if r.Severity != "" {
		l[alertingv2beta1.LabelSeverity] = string(r.Severity)
	}
	maps.Copy(l, rd.ruleLabel)
	l[alertingv2beta1.LabelRuleGroup] = group
	l[alertingv2beta1.LabelAlertType] = alertingv2beta1.AlertTypeMetric
	l[alertingv2beta1.LabelRuleType] = alertingv2beta1.RuleTypeCustom
	if rd.template {
		l[alertingv2beta1.LabelRuleType] = alertingv2beta1.RuleTypeTemplate
	}
	out := &monitoringv1.Rule{Alert: r.Alert, Expr: intstr.FromString(pinnedExpr), Labels: l, Annotations: maps.Clone(r.Annotations)}
	if r.For != "" {
		d := monitoringv1.Duration(r.For)
		out.For = &d
	}
	return out, nil
}

// PrometheusRules splits the groups into PrometheusRule objects in
// namespace, in name order, starting a new object when the next group would
// take the groups' YAML past MaxPrometheusRuleSize (a group larger than
// that gets an object of its own). They are named as KubeSphere names them
// (alertrules-ns-<namespace>-<i>, alertrules-cl-<i>, alertrules-gl-<i>)
// and labelled with Scope.PrometheusRuleLabels. No groups, no objects.
func (r Rendered) PrometheusRules(namespace string) ([]*monitoringv1.PrometheusRule, error) {
	var (
		out  []*monitoringv1.PrometheusRule
		cur  []monitoringv1.RuleGroup
		size int
	)
	flush := func() {
		out = append(out, &monitoringv1.PrometheusRule{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: r.Scope.prefix() + strconv.Itoa(len(out)), Labels: r.Scope.PrometheusRuleLabels()},
			Spec:       monitoringv1.PrometheusRuleSpec{Groups: cur},
		})
		cur, size = nil, 0
	}
	for _, g := range r.Groups {
		data, err := yaml.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("measure rule group %s: %w", g.Name, err)
		}
		if len(cur) > 0 && size+len(data) > MaxPrometheusRuleSize {
			flush()
		}
		cur = append(cur, *g.DeepCopy())
		size += len(data)
	}
	if len(cur) > 0 {
		flush()
	}
	return out, nil
}

// rulesFile is Prometheus's rule file format (rulefmt).
type rulesFile struct {
	Groups []rulesFileGroup `json:"groups"`
}

type rulesFileGroup struct {
	Name     string          `json:"name"`
	Interval string          `json:"interval,omitempty"`
	Rules    []rulesFileRule `json:"rules"`
}

type rulesFileRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// RulesFile is the groups as a Prometheus rules file (the format of
// rule_files), for a Prometheus that runs without prometheus-operator: the
// same rules the PrometheusRules carry. Thanos's partial_response_strategy
// has no place there and is left out.
func (r Rendered) RulesFile() ([]byte, error) {
	f := rulesFile{Groups: make([]rulesFileGroup, 0, len(r.Groups))}
	for _, g := range r.Groups {
		fg := rulesFileGroup{Name: g.Name, Rules: make([]rulesFileRule, 0, len(g.Rules))}
		if g.Interval != nil {
			fg.Interval = string(*g.Interval)
		}
		for _, rule := range g.Rules {
			fr := rulesFileRule{Alert: rule.Alert, Expr: rule.Expr.String(), Labels: rule.Labels, Annotations: rule.Annotations}
			if rule.For != nil {
				fr.For = string(*rule.For)
			}
			fg.Rules = append(fg.Rules, fr)
		}
		f.Groups = append(f.Groups, fg)
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("write rules file: %w", err)
	}
	return data, nil
}
