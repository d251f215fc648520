package alerting_test

import (
	"context"
	"slices"
	"testing"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/testenv"
)

// TestRuleGroupFiresInPrometheus: a rule group written through the Client
// fires real alerts in Prometheus, and ListAlerts lists them with their
// scope, group, rule id and labels. The same threshold in another
// namespace is loaded and evaluated by Prometheus but stays inactive: its
// selector is pinned to its own namespace, where no target is down.
func TestRuleGroupFiresInPrometheus(t *testing.T) {
	ctx := context.Background()
	ac := newClient(t)
	other := newNamespace(t)
	mine := nsGroup(name("down"),
		alertingv2beta1.NamespaceRule{Rule: alertingv2beta1.Rule{Alert: "TargetDown", Expr: intstr.FromString("up == 0"), For: "0s",
			Severity: alertingv2beta1.SeverityCritical, Annotations: map[string]string{"summary": "{{ $labels.job }} is down"}}},
		nsRule("Always", "vector(1)"))
	require.NoError(t, ac.SetRuleGroup(ctx, alerting.Namespace(downNamespace), mine))
	t.Cleanup(func() { _ = ac.DeleteRuleGroup(ctx, alerting.Namespace(downNamespace), mine.Name) })
	theirs := nsGroup(name("down"), nsRule("TargetDown", "up == 0"))
	require.NoError(t, ac.SetRuleGroup(ctx, alerting.Namespace(other), theirs))
	t.Cleanup(func() { _ = ac.DeleteRuleGroup(ctx, alerting.Namespace(other), theirs.Name) })

	var got []alerting.Alert
	testenv.Eventually(t, func() (bool, error) {
		var err error
		got, err = ac.ListAlerts(ctx, alerting.ListAlertsOptions{Scope: ptrTo(alerting.Namespace(downNamespace)), State: alerting.StateFiring})
		if err != nil {
			return false, err
		}
		n := 0
		for _, a := range got {
			if a.RuleGroup == mine.Name {
				n++
			}
		}
		return n == 2, nil
	}, "the rule group's two alerts never fired")
	byName := map[string]alerting.Alert{}
	for _, a := range got {
		if a.RuleGroup == mine.Name {
			byName[a.Name] = a
		}
	}
	down := byName["TargetDown"]
	assert.Equal(t, alerting.Namespace(downNamespace), down.Scope)
	assert.Equal(t, alerting.StateFiring, down.State)
	assert.Equal(t, mine.Spec.Rules[0].Labels[alertingv2beta1.LabelRuleID], down.RuleID)
	assert.Equal(t, "down is down", down.Annotations["summary"])
	for k, v := range map[string]string{"alertname": "TargetDown", "job": "down", "namespace": downNamespace, "rule_level": "namespace",
		"rule_group": mine.Name, "alerttype": "metric", "rule_type": "custom", "severity": "critical"} {
		assert.Equal(t, v, down.Labels[k], "label %s", k)
	}
	assert.Equal(t, "0e+00", down.Value, "the value of up for the down target, as Prometheus prints it")
	assert.Equal(t, downNamespace, byName["Always"].Labels["namespace"], "an alert of an expression without selectors still carries its namespace")

	// The other namespace's group is loaded and evaluated, and inactive.
	testenv.Eventually(t, func() (bool, error) {
		rules, err := prom.API().Rules(ctx, nil)
		if err != nil {
			return false, err
		}
		for _, g := range rules.Groups {
			if g.Name != theirs.Name {
				continue
			}
			for _, r := range g.Rules {
				ar, ok := r.(promv1.AlertingRule)
				if ok && ar.Name == "TargetDown" && !ar.LastEvaluation.IsZero() {
					if ar.Health != promv1.RuleHealthGood {
						t.Errorf("rule health %s: %s", ar.Health, ar.LastError)
					}
					assert.Equal(t, `up{namespace="`+other+`"} == 0`, ar.Query)
					assert.Equal(t, "inactive", ar.State)
					assert.Empty(t, ar.Alerts)
					return true, nil
				}
			}
		}
		return false, nil
	}, "Prometheus never evaluated the other namespace's rule")
	all, err := ac.ListAlerts(ctx, alerting.ListAlertsOptions{Scope: ptrTo(alerting.Namespace(other))})
	require.NoError(t, err)
	assert.Empty(t, all)
}

// TestClusterRuleGroupFires: a cluster rule group (unpinned) fires too, and
// its alert is at cluster scope.
func TestClusterRuleGroupFires(t *testing.T) {
	ctx := context.Background()
	ac := newClient(t)
	g := &alertingv2beta1.ClusterRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: name("cl")}, Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{
		{Rule: alertingv2beta1.Rule{Alert: "AnyTargetDown", Expr: intstr.FromString(`count(up == 0) > 0`)}},
	}}}
	require.NoError(t, ac.SetRuleGroup(ctx, alerting.Cluster(), g))
	t.Cleanup(func() { _ = ac.DeleteRuleGroup(ctx, alerting.Cluster(), g.Name) })
	testenv.Eventually(t, func() (bool, error) {
		got, err := ac.ListAlerts(ctx, alerting.ListAlertsOptions{Scope: ptrTo(alerting.Cluster())})
		return slices.ContainsFunc(got, func(a alerting.Alert) bool {
			return a.RuleGroup == g.Name && a.Name == "AnyTargetDown" && a.Labels["rule_level"] == "cluster"
		}), err
	}, "the cluster rule never fired")
}

func ptrTo[T any](v T) *T { return &v }
