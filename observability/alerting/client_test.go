package alerting_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/alerting"
	"github.com/spherekit/spherekit/observability/alerting/controllers"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	"github.com/spherekit/spherekit/testenv"
)

func nsGroup(name string, rules ...alertingv2beta1.NamespaceRule) *alertingv2beta1.RuleGroup {
	return &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: alertingv2beta1.RuleGroupSpec{Rules: rules}}
}

func nsRule(alert, expr string) alertingv2beta1.NamespaceRule {
	return alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: alert, Expr: intstr.FromString(expr)}}
}

// TestSetRuleGroupRefusesBadInput: each bad input is an *InvalidError
// naming the field, and nothing is written.
func TestSetRuleGroupRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	ac := newClient(t)
	ns := newNamespace(t)
	cpu := func(kind alertingv2beta1.WorkloadKind, names []string, cmp alertingv2beta1.Comparator, th alertingv2beta1.WorkloadMetricThreshold) alertingv2beta1.NamespaceRule {
		return alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "W"}, ExprBuilder: &alertingv2beta1.NamespaceRuleExprBuilder{Workload: &alertingv2beta1.WorkloadExprBuilder{
			WorkloadKind: kind, WorkloadNames: names, Comparator: cmp, MetricThreshold: th}}}
	}
	usage := alertingv2beta1.WorkloadMetricThreshold{Cpu: &alertingv2beta1.WorkloadCpuThreshold{Usage: ptr.To(1.0)}}
	many := make([]alertingv2beta1.NamespaceRule, 41)
	for i := range many {
		many[i] = nsRule("A"+string(rune('a'+i%26))+string(rune('a'+i/26)), "up")
	}
	tests := []struct {
		name  string
		scope alerting.Scope
		group client.Object
		field string
	}{
		{"malformed PromQL", alerting.Namespace(ns), nsGroup("g", nsRule("A", "sum(rate(x[5m])")), "spec.rules[0].expr"},
		{"empty expression", alerting.Namespace(ns), nsGroup("g", nsRule("A", " ")), "spec.rules[0].expr"},
		{"no alert name", alerting.Namespace(ns), nsGroup("g", nsRule("", "up")), "spec.rules[0].alert"},
		{"duplicate alert names", alerting.Namespace(ns), nsGroup("g", nsRule("A", "up"), nsRule("B", "up"), nsRule("A", "down")), "spec.rules[2].alert"},
		{"bad for", alerting.Namespace(ns), nsGroup("g", alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up"), For: "5 minutes"}}), "spec.rules[0].for"},
		{"unknown severity", alerting.Namespace(ns), nsGroup("g", alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up"), Severity: "fatal"}}), "spec.rules[0].severity"},
		{"reserved label", alerting.Namespace(ns), nsGroup("g", alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up"), Labels: map[string]string{"namespace": "other"}}}), "spec.rules[0].labels"},
		{"unknown exprBuilder metric", alerting.Namespace(ns), nsGroup("g", cpu("deployment", []string{"web"}, ">", alertingv2beta1.WorkloadMetricThreshold{})), "spec.rules[0].exprBuilder.workload.metricThreshold"},
		{"two exprBuilder metrics", alerting.Namespace(ns), nsGroup("g", cpu("deployment", []string{"web"}, ">", alertingv2beta1.WorkloadMetricThreshold{
			Cpu: usage.Cpu, Memory: &alertingv2beta1.WorkloadMemoryThreshold{Usage: ptr.To(1.0)}})), "spec.rules[0].exprBuilder.workload.metricThreshold"},
		{"unknown workload kind", alerting.Namespace(ns), nsGroup("g", cpu("job", []string{"web"}, ">", usage)), "spec.rules[0].exprBuilder.workload.kind"},
		{"bad comparator", alerting.Namespace(ns), nsGroup("g", cpu("deployment", []string{"web"}, "==", usage)), "spec.rules[0].exprBuilder.workload.comparator"},
		{"workload name that would change the expression", alerting.Namespace(ns), nsGroup("g", cpu("deployment", []string{`web"} or vector(1) #`}, ">", usage)), "spec.rules[0].exprBuilder.workload.names[0]"},
		{"bad interval", alerting.Namespace(ns), &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: alertingv2beta1.RuleGroupSpec{Interval: "often", Rules: []alertingv2beta1.NamespaceRule{nsRule("A", "up")}}}, "spec.interval"},
		{"bad strategy", alerting.Namespace(ns), &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: alertingv2beta1.RuleGroupSpec{PartialResponseStrategy: "retry", Rules: []alertingv2beta1.NamespaceRule{nsRule("A", "up")}}}, "spec.partial_response_strategy"},
		{"too many rules", alerting.Namespace(ns), nsGroup("g", many...), "spec.rules"},
		{"bad annotation template", alerting.Namespace(ns), nsGroup("g", alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up"), Annotations: map[string]string{"summary": "{{ $labels.x "}}}), "spec.rules"},
		{"bad name", alerting.Namespace(ns), nsGroup("Bad_Name", nsRule("A", "up")), "metadata.name"},
		{"kind of another scope", alerting.Cluster(), nsGroup("g", nsRule("A", "up")), "group"},
		{"another namespace", alerting.Namespace(ns), &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g", Namespace: "other"}, Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{nsRule("A", "up")}}}, "metadata.namespace"},
		{"zero scope", alerting.Scope{}, nsGroup("g", nsRule("A", "up")), "scope"},
		{"global selector regexp", alerting.Global(), &alertingv2beta1.GlobalRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: alertingv2beta1.GlobalRuleGroupSpec{Rules: []alertingv2beta1.GlobalRule{{
			Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up")}, NamespaceSelector: &alertingv2beta1.MetricLabelSelector{Matcher: &alertingv2beta1.Matcher{Type: "=~", Value: "("}}}}}}, "spec.rules[0].namespaceSelector.matcher.value"},
		{"global builder with both", alerting.Global(), &alertingv2beta1.GlobalRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: alertingv2beta1.GlobalRuleGroupSpec{Rules: []alertingv2beta1.GlobalRule{{
			Rule: alertingv2beta1.Rule{Alert: "A"}, ExprBuilder: &alertingv2beta1.GlobalRuleExprBuilder{}}}}}, "spec.rules[0].exprBuilder"},
		{"unknown node metric", alerting.Cluster(), &alertingv2beta1.ClusterRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: "g"}, Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{{
			Rule: alertingv2beta1.Rule{Alert: "A"}, ExprBuilder: &alertingv2beta1.ClusterRuleExprBuilder{Node: &alertingv2beta1.NodeExprBuilder{NodeNames: []string{"n"}, Comparator: ">"}}}}}}, "spec.rules[0].exprBuilder.node.metricThreshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ac.SetRuleGroup(ctx, tt.scope, tt.group)
			var ie *alerting.InvalidError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.field, ie.Field, "%v", err)
		})
	}
	var list alertingv2beta1.RuleGroupList
	require.NoError(t, env.Client.List(ctx, &list, client.InNamespace(ns)))
	assert.Empty(t, list.Items, "a refused group was written")

	var nf *alerting.NotFoundError
	require.ErrorAs(t, ac.SetRuleGroup(ctx, alerting.Namespace(name("ghost")), nsGroup("g", nsRule("A", "up"))), &nf)
	assert.True(t, errors.Is(ac.DeleteRuleGroup(ctx, alerting.Namespace(ns), "ghost"), tenancy.ErrNotFound))
}

// TestSetRuleGroupWrites: what SetRuleGroup stores (KubeSphere's
// defaulting: built expressions, rule ids, the enable label), that an
// update keeps each alert's rule id, listing, and deletion, which the
// controller follows by removing the namespace's rules file.
func TestSetRuleGroupWrites(t *testing.T) {
	ctx := context.Background()
	ac := newClient(t)
	ns := newNamespace(t)
	g := nsGroup("web",
		nsRule("Down", "up == 0"),
		alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "Cpu", Severity: alertingv2beta1.SeverityWarning},
			ExprBuilder: &alertingv2beta1.NamespaceRuleExprBuilder{Workload: &alertingv2beta1.WorkloadExprBuilder{
				WorkloadKind: alertingv2beta1.WorkloadDeployment, WorkloadNames: []string{"web"}, Comparator: alertingv2beta1.ComparatorGT,
				MetricThreshold: alertingv2beta1.WorkloadMetricThreshold{Cpu: &alertingv2beta1.WorkloadCpuThreshold{Usage: ptr.To(2.0)}}}}})
	require.NoError(t, ac.SetRuleGroup(ctx, alerting.Namespace(ns), g))

	var stored alertingv2beta1.RuleGroup
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &stored))
	assert.Equal(t, "true", stored.Labels[alertingv2beta1.EnableLabel])
	assert.Equal(t, `namespace:workload_cpu_usage:sum{workload="Deployment:web"} > 2`, stored.Spec.Rules[1].Expr.String())
	ids := map[string]string{}
	for _, r := range stored.Spec.Rules {
		require.NotEmpty(t, r.Labels[alertingv2beta1.LabelRuleID])
		ids[r.Alert] = r.Labels[alertingv2beta1.LabelRuleID]
	}
	assert.NotEqual(t, ids["Down"], ids["Cpu"])
	assert.Equal(t, stored.ResourceVersion, g.ResourceVersion, "g is updated to what was stored")

	// An update without rule ids keeps each alert's id; a new alert gets
	// a new one.
	upd := nsGroup("web", nsRule("Cpu", "vector(1)"), nsRule("Down", "up == 0"), nsRule("New", "up > 1"))
	require.NoError(t, ac.SetRuleGroup(ctx, alerting.Namespace(ns), upd))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &stored))
	require.Len(t, stored.Spec.Rules, 3)
	assert.Equal(t, ids["Cpu"], stored.Spec.Rules[0].Labels[alertingv2beta1.LabelRuleID])
	assert.Equal(t, ids["Down"], stored.Spec.Rules[1].Labels[alertingv2beta1.LabelRuleID])
	assert.NotContains(t, []string{ids["Cpu"], ids["Down"], ""}, stored.Spec.Rules[2].Labels[alertingv2beta1.LabelRuleID])

	list, total, err := ac.ListRuleGroups(ctx, alerting.Namespace(ns), resources.Query{})
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	require.Len(t, list.(*alertingv2beta1.RuleGroupList).Items, 1)

	// The controller writes the namespace's rules file ...
	file := filepath.Join(prom.RulesDir(), controllers.FileName(alerting.Namespace(ns)))
	testenv.Eventually(t, func() (bool, error) {
		_, err := os.Stat(file)
		return err == nil, nil
	}, "no rules file %s", file)
	// ... and removes it with the group.
	require.NoError(t, ac.DeleteRuleGroup(ctx, alerting.Namespace(ns), "web"))
	testenv.Eventually(t, func() (bool, error) {
		_, err := os.Stat(file)
		return os.IsNotExist(err), nil
	}, "the rules file %s stayed", file)
	err = env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, &stored)
	assert.True(t, apierrors.IsNotFound(err))
}
