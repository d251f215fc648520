package alerting_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

var on = map[string]string{alertingv2beta1.EnableLabel: alertingv2beta1.EnableTrue}

func dur(s string) *monitoringv1.Duration { d := monitoringv1.Duration(s); return &d }

func rule(alert, expr string) alertingv2beta1.Rule {
	return alertingv2beta1.Rule{Alert: alert, Expr: intstr.FromString(expr)}
}

func TestRenderNamespace(t *testing.T) {
	groups := []alertingv2beta1.RuleGroup{
		{
			ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web", Labels: on},
			Spec: alertingv2beta1.RuleGroupSpec{Interval: "30s", PartialResponseStrategy: "warn", Rules: []alertingv2beta1.NamespaceRule{
				{Rule: alertingv2beta1.Rule{Alert: "Errors", Expr: intstr.FromString(`rate(errors_total{namespace="other"}[5m]) > 1`),
					For: "5m", Severity: alertingv2beta1.SeverityCritical,
					Labels:      map[string]string{alertingv2beta1.LabelRuleID: "r1", "team": "web", alertingv2beta1.LabelNamespace: "forged", alertingv2beta1.LabelSeverity: "info"},
					Annotations: map[string]string{"summary": "errors"}}},
				{Rule: rule("Off", "up == 0"), ExprBuilder: nil},
				{Rule: alertingv2beta1.Rule{Alert: "Cpu", Expr: intstr.FromString("ignored")}, ExprBuilder: &alertingv2beta1.NamespaceRuleExprBuilder{
					Workload: &alertingv2beta1.WorkloadExprBuilder{WorkloadKind: alertingv2beta1.WorkloadDeployment, WorkloadNames: []string{"api", "web"},
						Comparator: alertingv2beta1.ComparatorGT, MetricThreshold: alertingv2beta1.WorkloadMetricThreshold{Cpu: &alertingv2beta1.WorkloadCpuThreshold{Usage: ptr.To(0.5)}}}}},
				{Rule: alertingv2beta1.Rule{Alert: "Replicas", Expr: intstr.FromString("")}, ExprBuilder: &alertingv2beta1.NamespaceRuleExprBuilder{
					Workload: &alertingv2beta1.WorkloadExprBuilder{WorkloadKind: alertingv2beta1.WorkloadStatefulSet, WorkloadNames: []string{"db"},
						Comparator: alertingv2beta1.ComparatorGE, MetricThreshold: alertingv2beta1.WorkloadMetricThreshold{Replica: &alertingv2beta1.WorkloadReplicaThreshold{UnavailableRatio: ptr.To(1e6)}}}}},
				{Rule: rule("Broken", "sum(")},
			}},
		},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "a-disabled-group"}, Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: rule("X", "up")}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "theirs", Labels: on}, Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: rule("X", "up")}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "all-off", Labels: on}, Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: alertingv2beta1.Rule{Alert: "X", Expr: intstr.FromString("up"), Disable: true}}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "int-expr", Labels: on}, Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: alertingv2beta1.Rule{Alert: "One", Expr: intstr.FromInt32(1)}}}}},
	}
	groups[0].Spec.Rules[1].Disable = true

	got := alerting.RenderNamespace("demo", groups)

	base := func(group string, extra map[string]string) map[string]string {
		l := map[string]string{"rule_level": "namespace", "namespace": "demo", "rule_group": group, "alerttype": "metric", "rule_type": "custom"}
		for k, v := range extra {
			l[k] = v
		}
		return l
	}
	want := []monitoringv1.RuleGroup{
		{Name: "int-expr", Rules: []monitoringv1.Rule{{Alert: "One", Expr: intstr.FromString("1"), Labels: base("int-expr", nil)}}},
		{Name: "web", Interval: dur("30s"), PartialResponseStrategy: "warn", Rules: []monitoringv1.Rule{
			{Alert: "Errors", Expr: intstr.FromString(`rate(errors_total{namespace="demo"}[5m]) > 1`), For: dur("5m"),
				Labels:      base("web", map[string]string{"rule_id": "r1", "team": "web", "severity": "critical"}),
				Annotations: map[string]string{"summary": "errors"}},
			{Alert: "Cpu", Expr: intstr.FromString(`namespace:workload_cpu_usage:sum{namespace="demo",workload=~"Deployment:(api|web)"} > 0.5`),
				Labels: base("web", map[string]string{"rule_type": "template"})},
			{Alert: "Replicas", Expr: intstr.FromString(`namespace:statefulset_unavailable_replicas:ratio{namespace="demo",workload="StatefulSet:db"} >= 1000000`),
				Labels: base("web", map[string]string{"rule_type": "template"})},
		}},
	}
	if diff := cmp.Diff(want, got.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	require.Len(t, got.Skipped, 1)
	assert.Equal(t, "web", got.Skipped[0].Group)
	assert.Equal(t, "Broken", got.Skipped[0].Alert)
	var ie *alerting.InvalidError
	require.ErrorAs(t, got.Skipped[0], &ie)
	assert.Equal(t, "expr", ie.Field)
	assert.Equal(t, alerting.Namespace("demo"), got.Scope)
}

func TestRenderCluster(t *testing.T) {
	groups := []alertingv2beta1.ClusterRuleGroup{{
		ObjectMeta: metav1.ObjectMeta{Name: "nodes", Labels: on},
		Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{
			{Rule: alertingv2beta1.Rule{Alert: "NodeCPU", Severity: alertingv2beta1.SeverityWarning}, ExprBuilder: &alertingv2beta1.ClusterRuleExprBuilder{Node: &alertingv2beta1.NodeExprBuilder{
				NodeNames: []string{"n1"}, Comparator: alertingv2beta1.ComparatorGT,
				MetricThreshold: alertingv2beta1.NodeMetricThreshold{Cpu: &alertingv2beta1.NodeCpuThreshold{Utilization: ptr.To(0.9)}}}}},
			{Rule: rule("AnyNamespace", `kube_pod_status_phase{namespace="kube-system",phase="Failed"} > 0`)},
			{Rule: alertingv2beta1.Rule{Alert: "NoMetric"}, ExprBuilder: &alertingv2beta1.ClusterRuleExprBuilder{Node: &alertingv2beta1.NodeExprBuilder{
				NodeNames: []string{"n1"}, Comparator: alertingv2beta1.ComparatorGT}}},
		}},
	}}
	got := alerting.RenderCluster(groups)
	l := func(typ string, extra map[string]string) map[string]string {
		m := map[string]string{"rule_level": "cluster", "rule_group": "nodes", "alerttype": "metric", "rule_type": typ}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	want := []monitoringv1.RuleGroup{{Name: "nodes", Rules: []monitoringv1.Rule{
		{Alert: "NodeCPU", Expr: intstr.FromString(`node:node_cpu_utilisation:avg1m{node="n1"} > 0.9`), Labels: l("template", map[string]string{"severity": "warning"})},
		{Alert: "AnyNamespace", Expr: intstr.FromString(`kube_pod_status_phase{namespace="kube-system",phase="Failed"} > 0`), Labels: l("custom", nil)},
	}}}
	if diff := cmp.Diff(want, got.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	require.Len(t, got.Skipped, 1)
	var ie *alerting.InvalidError
	require.ErrorAs(t, got.Skipped[0], &ie)
	assert.Equal(t, "spec.rules[2].exprBuilder.node.metricThreshold", ie.Field)
}

func TestRenderGlobal(t *testing.T) {
	groups := []alertingv2beta1.GlobalRuleGroup{{
		ObjectMeta: metav1.ObjectMeta{Name: "platform", Labels: on},
		Spec: alertingv2beta1.GlobalRuleGroupSpec{Rules: []alertingv2beta1.GlobalRule{
			{Rule: rule("Selected", "up == 0"),
				ClusterSelector:   &alertingv2beta1.MetricLabelSelector{InValues: []string{"host"}},
				NamespaceSelector: &alertingv2beta1.MetricLabelSelector{Matcher: &alertingv2beta1.Matcher{Type: alertingv2beta1.MatchRegexp, Value: "team-.*"}}},
			{Rule: rule("Workloads", ""), ExprBuilder: &alertingv2beta1.GlobalRuleExprBuilder{Workload: &alertingv2beta1.ScopedWorkloadExprBuilder{
				WorkloadKind: alertingv2beta1.WorkloadDaemonSet, Comparator: alertingv2beta1.ComparatorLT,
				WorkloadNames:   []alertingv2beta1.ScopedWorkloadNames{{Cluster: "b", Namespace: "ns2", Names: []string{"z", "a"}}, {Cluster: "a", Namespace: "ns1", Names: []string{"a"}}},
				MetricThreshold: alertingv2beta1.WorkloadMetricThreshold{Memory: &alertingv2beta1.WorkloadMemoryThreshold{UsageWoCache: ptr.To(1024.0)}}}}},
			{Rule: rule("Everywhere", "up == 0")},
		}},
	}}
	got := alerting.RenderGlobal(groups)
	l := func(typ string) map[string]string {
		return map[string]string{"rule_level": "global", "rule_group": "platform", "alerttype": "metric", "rule_type": typ}
	}
	want := []monitoringv1.RuleGroup{{Name: "platform", Rules: []monitoringv1.Rule{
		{Alert: "Selected", Expr: intstr.FromString(`up{cluster="host",namespace=~"team-.*"} == 0`), Labels: l("custom")},
		{Alert: "Workloads", Expr: intstr.FromString(`namespace:workload_memory_usage_wo_cache:sum{cluster=~"(a|b)",namespace=~"(ns1|ns2)",workload=~"DaemonSet:(a|z)"} < 1024`), Labels: l("template")},
		{Alert: "Everywhere", Expr: intstr.FromString(`up == 0`), Labels: l("custom")},
	}}}
	if diff := cmp.Diff(want, got.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	assert.Empty(t, got.Skipped)
}

// TestPrometheusRulesSplit: groups are packed in name order into objects
// whose groups' YAML stays within MaxPrometheusRuleSize, each object named
// and labelled as KubeSphere does, and nothing is lost.
func TestPrometheusRulesSplit(t *testing.T) {
	big := strings.Repeat("x", 50_000)
	var groups []alertingv2beta1.RuleGroup
	for i := range 20 {
		groups = append(groups, alertingv2beta1.RuleGroup{
			ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: fmt.Sprintf("g%02d", i), Labels: on},
			Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: alertingv2beta1.Rule{
				Alert: "A", Expr: intstr.FromString("up"), Annotations: map[string]string{"message": big}}}}},
		})
	}
	r := alerting.RenderNamespace("demo", groups)
	objs, err := r.PrometheusRules("monitoring")
	require.NoError(t, err)
	require.Len(t, objs, 3, "20 groups of about 50 kB in objects of at most %d bytes", alerting.MaxPrometheusRuleSize)
	var names []string
	for i, o := range objs {
		assert.Equal(t, fmt.Sprintf("alertrules-ns-demo-%d", i), o.Name)
		assert.Equal(t, "monitoring", o.Namespace)
		assert.Equal(t, map[string]string{"alerting.kubesphere.io/rule_level": "namespace", "alerting.kubesphere.io/owner_namespace": "demo"}, o.Labels)
		size := 0
		for _, g := range o.Spec.Groups {
			data, err := yaml.Marshal(g)
			require.NoError(t, err)
			size += len(data)
			names = append(names, g.Name)
		}
		assert.LessOrEqual(t, size, alerting.MaxPrometheusRuleSize)
		if i < len(objs)-1 {
			next, err := yaml.Marshal(objs[i+1].Spec.Groups[0])
			require.NoError(t, err)
			assert.Greater(t, size+len(next), alerting.MaxPrometheusRuleSize, "object %d could have taken the next group", i)
		}
	}
	var want []string
	for _, g := range groups {
		want = append(want, g.Name)
	}
	assert.Equal(t, want, names)

	t.Run("levels", func(t *testing.T) {
		cl, err := alerting.RenderCluster([]alertingv2beta1.ClusterRuleGroup{{ObjectMeta: metav1.ObjectMeta{Name: "c", Labels: on},
			Spec: alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{{Rule: rule("A", "up")}}}}}).PrometheusRules("m")
		require.NoError(t, err)
		require.Len(t, cl, 1)
		assert.Equal(t, "alertrules-cl-0", cl[0].Name)
		assert.Equal(t, map[string]string{"alerting.kubesphere.io/rule_level": "cluster"}, cl[0].Labels)
		gl, err := alerting.RenderGlobal([]alertingv2beta1.GlobalRuleGroup{{ObjectMeta: metav1.ObjectMeta{Name: "g", Labels: on},
			Spec: alertingv2beta1.GlobalRuleGroupSpec{Rules: []alertingv2beta1.GlobalRule{{Rule: rule("A", "up")}}}}}).PrometheusRules("m")
		require.NoError(t, err)
		require.Len(t, gl, 1)
		assert.Equal(t, "alertrules-gl-0", gl[0].Name)
		none, err := alerting.RenderGlobal(nil).PrometheusRules("m")
		require.NoError(t, err)
		assert.Empty(t, none)
	})
}

// TestRulesFile: the rules file carries the same rules and Prometheus's own
// rule file parser accepts it.
func TestRulesFile(t *testing.T) {
	r := alerting.RenderNamespace("demo", []alertingv2beta1.RuleGroup{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web", Labels: on},
		Spec: alertingv2beta1.RuleGroupSpec{Interval: "1m", PartialResponseStrategy: "abort", Rules: []alertingv2beta1.NamespaceRule{
			{Rule: alertingv2beta1.Rule{Alert: "Down", Expr: intstr.FromString("up == 0"), For: "2m", Severity: "error", Annotations: map[string]string{"summary": "down"}}},
		}},
	}})
	data, err := r.RulesFile()
	require.NoError(t, err)
	parsed, errs := rulefmt.Parse(data, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	require.Empty(t, errs)
	require.Len(t, parsed.Groups, 1)
	g := parsed.Groups[0]
	assert.Equal(t, "web", g.Name)
	assert.Equal(t, "1m", g.Interval.String())
	require.Len(t, g.Rules, 1)
	assert.Equal(t, "Down", g.Rules[0].Alert)
	assert.Equal(t, `up{namespace="demo"} == 0`, g.Rules[0].Expr)
	assert.Equal(t, "2m", g.Rules[0].For.String())
	assert.Equal(t, map[string]string{"rule_level": "namespace", "namespace": "demo", "rule_group": "web", "alerttype": "metric", "rule_type": "custom", "severity": "error"}, g.Rules[0].Labels)
}

// FuzzRenderNamespace: whatever a tenant writes as an expression, rendering
// never panics, and every rule it renders parses and has the namespace
// matcher, and no other matcher on the namespace label, on every selector.
func FuzzRenderNamespace(f *testing.F) {
	for _, s := range []string{`up`, `sum by (namespace) (rate(x{namespace!="a"}[5m]))`, `vector(1)`, `a / on() group_left b{namespace=~".*"}`, `x[5m:1m] offset 1h`} {
		f.Add(s, "demo")
	}
	f.Fuzz(func(t *testing.T, expr, namespace string) {
		r := alerting.RenderNamespace(namespace, []alertingv2beta1.RuleGroup{{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "g", Labels: on},
			Spec:       alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: rule("A", expr)}}},
		}})
		for _, g := range r.Groups {
			for _, rl := range g.Rules {
				node, err := parser.NewParser(parser.Options{}).ParseExpr(rl.Expr.String())
				if err != nil {
					t.Fatalf("rendered %q does not parse: %v", rl.Expr.String(), err)
				}
				parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
					vs, ok := n.(*parser.VectorSelector)
					if !ok {
						return nil
					}
					count := 0
					for _, m := range vs.LabelMatchers {
						if m.Name == "namespace" {
							count++
							if m.Type != labels.MatchEqual || m.Value != namespace {
								t.Errorf("%q: selector %s has matcher %s", rl.Expr.String(), vs, m)
							}
						}
					}
					if count != 1 {
						t.Errorf("%q: selector %s has %d namespace matchers", rl.Expr.String(), vs, count)
					}
					return nil
				})
				if rl.Labels["namespace"] != namespace {
					t.Errorf("rule labels %v", rl.Labels)
				}
			}
		}
	})
}
