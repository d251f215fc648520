package alerting

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// reservedLabels are rule labels rendering sets; a rule may not set them.
var reservedLabels = []string{
	alertingv2beta1.LabelRuleLevel, alertingv2beta1.LabelRuleGroup, alertingv2beta1.LabelAlertType, alertingv2beta1.LabelRuleType,
}

// ValidateRuleGroup checks a rule group as the Client does before writing
// it, stricter than the CRD (which accepts what KubeSphere's does): g is a
// *RuleGroup, *ClusterRuleGroup or *GlobalRuleGroup. It checks the name,
// the interval and Thanos strategy, at most MaxRulesPerGroup rules, and for
// each rule a non-empty alert name unique in the group, an expression that
// Prometheus's parser accepts or a complete exprBuilder (a known kind, names,
// a comparator and one known metric threshold), a Prometheus duration in
// for, a known severity, label names Prometheus accepts and none of the
// labels rendering sets (rule_level, rule_group, alerttype, rule_type and,
// in a namespace, namespace), selectors that compile; last, the rendered
// group must pass Prometheus's rule file checks (annotation templates
// included). The first problem is an *InvalidError naming the field.
func ValidateRuleGroup(g client.Object) error {
	if errs := validation.IsDNS1123Subdomain(g.GetName()); len(errs) > 0 {
		return &InvalidError{Field: "metadata.name", Reason: strings.Join(errs, "; ")}
	}
	var (
		rendered Rendered
		group    = withEnabled(g)
		err      error
	)
	switch g := group.(type) {
	case *alertingv2beta1.RuleGroup:
		if err = validateSpec(g.Spec.Interval, g.Spec.PartialResponseStrategy, len(g.Spec.Rules)); err != nil {
			return err
		}
		rules := make([]ruleInput, len(g.Spec.Rules))
		for i, r := range g.Spec.Rules {
			rules[i] = ruleInput{Rule: r.Rule, hasBuilder: r.ExprBuilder != nil}
			if r.ExprBuilder != nil {
				if r.ExprBuilder.Workload == nil {
					return &InvalidError{Field: fmt.Sprintf("spec.rules[%d].exprBuilder.workload", i), Reason: "a namespace rule's exprBuilder needs workload"}
				}
				if _, err := WorkloadExpr(fmt.Sprintf("spec.rules[%d].exprBuilder.workload", i), *r.ExprBuilder.Workload); err != nil {
					return err
				}
			}
		}
		if err = validateRules(rules, append([]string{alertingv2beta1.LabelNamespace}, reservedLabels...)); err != nil {
			return err
		}
		if g.Namespace == "" {
			return &InvalidError{Field: "metadata.namespace", Reason: "a RuleGroup belongs to a namespace"}
		}
		rendered = RenderNamespace(g.Namespace, []alertingv2beta1.RuleGroup{*g})
	case *alertingv2beta1.ClusterRuleGroup:
		if err = validateSpec(g.Spec.Interval, g.Spec.PartialResponseStrategy, len(g.Spec.Rules)); err != nil {
			return err
		}
		rules := make([]ruleInput, len(g.Spec.Rules))
		for i, r := range g.Spec.Rules {
			rules[i] = ruleInput{Rule: r.Rule, hasBuilder: r.ExprBuilder != nil}
			if r.ExprBuilder != nil {
				if r.ExprBuilder.Node == nil {
					return &InvalidError{Field: fmt.Sprintf("spec.rules[%d].exprBuilder.node", i), Reason: "a cluster rule's exprBuilder needs node"}
				}
				if _, err := NodeExpr(fmt.Sprintf("spec.rules[%d].exprBuilder.node", i), *r.ExprBuilder.Node); err != nil {
					return err
				}
			}
		}
		if err = validateRules(rules, reservedLabels); err != nil {
			return err
		}
		rendered = RenderCluster([]alertingv2beta1.ClusterRuleGroup{*g})
	case *alertingv2beta1.GlobalRuleGroup:
		if err = validateSpec(g.Spec.Interval, g.Spec.PartialResponseStrategy, len(g.Spec.Rules)); err != nil {
			return err
		}
		rules := make([]ruleInput, len(g.Spec.Rules))
		for i, r := range g.Spec.Rules {
			f := fmt.Sprintf("spec.rules[%d]", i)
			rules[i] = ruleInput{Rule: r.Rule, hasBuilder: r.ExprBuilder != nil}
			if b := r.ExprBuilder; b != nil {
				switch {
				case (b.Workload == nil) == (b.Node == nil):
					return &InvalidError{Field: f + ".exprBuilder", Reason: "set one of workload and node"}
				case b.Workload != nil:
					_, _, _, err = scopedWorkload(f+".exprBuilder.workload", *b.Workload)
				default:
					_, _, err = scopedNode(f+".exprBuilder.node", *b.Node)
				}
				if err != nil {
					return err
				}
			}
			if _, err := selectorPins(f, r.ClusterSelector, r.NamespaceSelector); err != nil {
				return err
			}
		}
		if err = validateRules(rules, reservedLabels); err != nil {
			return err
		}
		rendered = RenderGlobal([]alertingv2beta1.GlobalRuleGroup{*g})
	default:
		return &InvalidError{Field: "group", Reason: fmt.Sprintf("%T is not a RuleGroup, ClusterRuleGroup or GlobalRuleGroup", g)}
	}
	if len(rendered.Skipped) > 0 {
		s := rendered.Skipped[0]
		return &InvalidError{Field: "spec.rules", Reason: s.Error(), Err: s.Err}
	}
	data, err := rendered.RulesFile()
	if err != nil {
		return err
	}
	if _, errs := rulefmt.Parse(data, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler)); len(errs) > 0 {
		return &InvalidError{Field: "spec.rules", Reason: "Prometheus refuses the rendered rules: " + errs[0].Error(), Err: errs[0]}
	}
	return nil
}

// withEnabled is a copy of g labelled enabled, so that validation renders
// every group whatever its label says.
func withEnabled(g client.Object) client.Object {
	obj, ok := g.DeepCopyObject().(client.Object)
	if !ok {
		return g
	}
	l := obj.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l[alertingv2beta1.EnableLabel] = alertingv2beta1.EnableTrue
	obj.SetLabels(l)
	return obj
}

type ruleInput struct {
	alertingv2beta1.Rule
	hasBuilder bool
}

func validateSpec(interval, strategy string, rules int) error {
	if interval != "" {
		d, err := model.ParseDuration(interval)
		if err != nil || d <= 0 {
			return &InvalidError{Field: "spec.interval", Reason: fmt.Sprintf("%q is not a positive Prometheus duration such as 30s or 1m", interval), Err: err}
		}
	}
	switch strings.ToLower(strategy) {
	case "", "abort", "warn":
	default:
		return &InvalidError{Field: "spec.partial_response_strategy", Reason: fmt.Sprintf("%q is not abort or warn", strategy)}
	}
	if rules > alertingv2beta1.MaxRulesPerGroup {
		return &InvalidError{Field: "spec.rules", Reason: fmt.Sprintf("%d rules, more than the %d a group may have", rules, alertingv2beta1.MaxRulesPerGroup)}
	}
	return nil
}

func validateRules(rules []ruleInput, reserved []string) error {
	seen := map[string]int{}
	for i, r := range rules {
		f := fmt.Sprintf("spec.rules[%d]", i)
		if strings.TrimSpace(r.Alert) == "" {
			return &InvalidError{Field: f + ".alert", Reason: "name the alert"}
		}
		if j, dup := seen[r.Alert]; dup {
			return &InvalidError{Field: f + ".alert", Reason: fmt.Sprintf("alert %q is also spec.rules[%d]; alert names are unique in a group", r.Alert, j)}
		}
		seen[r.Alert] = i
		if !r.hasBuilder {
			expr := r.Expr.String()
			if strings.TrimSpace(expr) == "" {
				return &InvalidError{Field: f + ".expr", Reason: "set expr or exprBuilder"}
			}
			if _, err := promql.ParseExpr(expr); err != nil {
				return &InvalidError{Field: f + ".expr", Reason: "not PromQL: " + err.Error(), Err: err}
			}
		}
		if r.For != "" {
			if _, err := model.ParseDuration(string(r.For)); err != nil {
				return &InvalidError{Field: f + ".for", Reason: fmt.Sprintf("%q is not a Prometheus duration such as 30s or 5m", r.For), Err: err}
			}
		}
		switch r.Severity {
		case "", alertingv2beta1.SeverityWarning, alertingv2beta1.SeverityError, alertingv2beta1.SeverityCritical:
		default:
			return &InvalidError{Field: f + ".severity", Reason: fmt.Sprintf("%q is not a severity; use warning, error or critical", r.Severity)}
		}
		for k := range r.Labels {
			if !model.UTF8Validation.IsValidLabelName(k) {
				return &InvalidError{Field: f + ".labels", Reason: fmt.Sprintf("%q is not a label name", k)}
			}
			for _, res := range reserved {
				if k == res {
					return &InvalidError{Field: f + ".labels", Reason: fmt.Sprintf("label %q is set by rendering", k)}
				}
			}
		}
	}
	return nil
}
