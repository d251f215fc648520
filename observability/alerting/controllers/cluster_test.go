package controllers_test

import (
	"context"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// TestClusterAndGlobalRuleGroups: the exact PrometheusRules
// alertrules-cl-0 and alertrules-gl-0, and their removal with the groups.
func TestClusterAndGlobalRuleGroups(t *testing.T) {
	ctx := context.Background()
	cl := &alertingv2beta1.ClusterRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: name("nodes"), Labels: on},
		Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{{
			Rule: alertingv2beta1.Rule{Alert: "NodeCPU", Severity: "warning", Labels: map[string]string{"rule_id": "c1"}},
			ExprBuilder: &alertingv2beta1.ClusterRuleExprBuilder{Node: &alertingv2beta1.NodeExprBuilder{NodeNames: []string{"n1", "n2"}, Comparator: ">=",
				MetricThreshold: alertingv2beta1.NodeMetricThreshold{Memory: &alertingv2beta1.NodeMemoryThreshold{Utilization: ptr.To(0.8)}}}},
		}}}}
	require.NoError(t, env.Client.Create(ctx, cl))
	gl := &alertingv2beta1.GlobalRuleGroup{ObjectMeta: metav1.ObjectMeta{Name: name("platform"), Labels: on},
		Spec: alertingv2beta1.GlobalRuleGroupSpec{PartialResponseStrategy: "warn", Rules: []alertingv2beta1.GlobalRule{{
			Rule:              alertingv2beta1.Rule{Alert: "Down", Expr: intstr.FromString("up == 0"), Labels: map[string]string{"rule_id": "g1"}},
			NamespaceSelector: &alertingv2beta1.MetricLabelSelector{InValues: []string{"a", "b"}},
		}}}}
	require.NoError(t, env.Client.Create(ctx, gl))

	waitFor(t, alerting.Cluster().PrometheusRuleLabels(), map[string]monitoringv1.PrometheusRuleSpec{"alertrules-cl-0": {Groups: []monitoringv1.RuleGroup{{
		Name: cl.Name, Rules: []monitoringv1.Rule{{Alert: "NodeCPU", Expr: intstr.FromString(`node:node_memory_utilisation:{node=~"(n1|n2)"} >= 0.8`),
			Labels: map[string]string{"rule_id": "c1", "severity": "warning", "rule_level": "cluster", "rule_group": cl.Name, "alerttype": "metric", "rule_type": "template"}}},
	}}}})
	waitFor(t, alerting.Global().PrometheusRuleLabels(), map[string]monitoringv1.PrometheusRuleSpec{"alertrules-gl-0": {Groups: []monitoringv1.RuleGroup{{
		Name: gl.Name, PartialResponseStrategy: "warn", Rules: []monitoringv1.Rule{{Alert: "Down", Expr: intstr.FromString(`up{namespace=~"(a|b)"} == 0`),
			Labels: map[string]string{"rule_id": "g1", "rule_level": "global", "rule_group": gl.Name, "alerttype": "metric", "rule_type": "custom"}}},
	}}}})

	require.NoError(t, env.Client.Delete(ctx, cl))
	require.NoError(t, env.Client.Delete(ctx, gl))
	waitFor(t, alerting.Cluster().PrometheusRuleLabels(), map[string]monitoringv1.PrometheusRuleSpec{})
	waitFor(t, alerting.Global().PrometheusRuleLabels(), map[string]monitoringv1.PrometheusRuleSpec{})
}
