package alerting_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// newExampleClient is a Client over the current kubeconfig and a
// Prometheus at localhost.
func newExampleClient() *alerting.Client {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	pc, err := api.NewClient(api.Config{Address: "http://localhost:9090"})
	if err != nil {
		log.Fatal(err)
	}
	ac, err := alerting.NewClient(c, alerting.ClientOptions{Prometheus: promv1.NewAPI(pc)})
	if err != nil {
		log.Fatal(err)
	}
	return ac
}

// A tenant's rule group: every selector is pinned to the namespace when it
// is rendered.
func ExampleClient_SetRuleGroup() {
	ac := newExampleClient()
	g := &alertingv2beta1.RuleGroup{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{
			Rule: alertingv2beta1.Rule{Alert: "WebDown", Expr: intstr.FromString(`up{job="web"} == 0`), For: "5m", Severity: alertingv2beta1.SeverityCritical},
		}}},
	}
	err := ac.SetRuleGroup(context.Background(), alerting.Namespace("demo"), g)
	var invalid *alerting.InvalidError
	if errors.As(err, &invalid) {
		log.Fatalf("refused %s: %s", invalid.Field, invalid.Reason)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ListRuleGroups() {
	ac := newExampleClient()
	list, total, err := ac.ListRuleGroups(context.Background(), alerting.Cluster(), resources.Query{Limit: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total, "cluster rule groups")
	for _, g := range list.(*alertingv2beta1.ClusterRuleGroupList).Items {
		fmt.Println(g.Name, len(g.Spec.Rules))
	}
}

func ExampleClient_DeleteRuleGroup() {
	ac := newExampleClient()
	if err := ac.DeleteRuleGroup(context.Background(), alerting.Global(), "platform"); err != nil {
		log.Fatal(err)
	}
}

// The firing alerts a portal user may see: only their namespaces' alerts,
// unless they may list cluster or global alerts.
func ExampleClient_ListAlerts() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	pc, err := api.NewClient(api.Config{Address: "http://localhost:9090"})
	if err != nil {
		log.Fatal(err)
	}
	var az *authz.Authorizer // from authz.NewFromCache in a real portal
	ac, err := alerting.NewClient(c, alerting.ClientOptions{Prometheus: promv1.NewAPI(pc), OnBehalfOf: &authz.User{Name: "alice"}, Authorizer: az})
	if err != nil {
		log.Fatal(err)
	}
	alerts, err := ac.ListAlerts(context.Background(), alerting.ListAlertsOptions{State: alerting.StateFiring})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range alerts {
		fmt.Println(a.Scope, a.RuleGroup, a.Name, a.ActiveAt)
	}
}

// What a namespace's group becomes in Prometheus: the selector pinned to
// the namespace, KubeSphere's labels, disabled rules left out.
func ExampleRenderNamespace() {
	groups := []alertingv2beta1.RuleGroup{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web", Labels: map[string]string{alertingv2beta1.EnableLabel: "true"}},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{
			{Rule: alertingv2beta1.Rule{Alert: "Errors", Expr: intstr.FromString(`rate(errors_total{namespace="other"}[5m]) > 1`)}},
			{Rule: alertingv2beta1.Rule{Alert: "Off", Expr: intstr.FromString(`up`), Disable: true}},
		}},
	}}
	r := alerting.RenderNamespace("demo", groups)
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			fmt.Println(rule.Alert, rule.Expr.String())
			fmt.Println(rule.Labels["rule_level"], rule.Labels["namespace"], rule.Labels["rule_group"], rule.Labels["alerttype"])
		}
	}
	// Output:
	// Errors rate(errors_total{namespace="demo"}[5m]) > 1
	// namespace demo web metric
}

func ExampleRendered_PrometheusRules() {
	r := alerting.RenderCluster([]alertingv2beta1.ClusterRuleGroup{{
		ObjectMeta: metav1.ObjectMeta{Name: "nodes", Labels: map[string]string{alertingv2beta1.EnableLabel: "true"}},
		Spec:       alertingv2beta1.ClusterRuleGroupSpec{Rules: []alertingv2beta1.ClusterRule{{Rule: alertingv2beta1.Rule{Alert: "Down", Expr: intstr.FromString("up == 0")}}}},
	}})
	objs, err := r.PrometheusRules(alertingv2beta1.DefaultPrometheusRuleNamespace)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range objs {
		fmt.Println(o.Namespace, o.Name, o.Labels, len(o.Spec.Groups))
	}
	// Output:
	// kubesphere-monitoring-system alertrules-cl-0 map[alerting.kubesphere.io/rule_level:cluster] 1
}

// The same rules for a Prometheus without the operator.
func ExampleRendered_RulesFile() {
	r := alerting.RenderNamespace("demo", []alertingv2beta1.RuleGroup{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web", Labels: map[string]string{alertingv2beta1.EnableLabel: "true"}},
		Spec: alertingv2beta1.RuleGroupSpec{Interval: "1m", Rules: []alertingv2beta1.NamespaceRule{
			{Rule: alertingv2beta1.Rule{Alert: "Down", Expr: intstr.FromString("up == 0"), For: "5m", Labels: map[string]string{"rule_id": "r1"}}},
		}},
	}})
	data, err := r.RulesFile()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(data))
	// Output:
	// groups:
	// - interval: 1m
	//   name: web
	//   rules:
	//   - alert: Down
	//     expr: up{namespace="demo"} == 0
	//     for: 5m
	//     labels:
	//       alerttype: metric
	//       namespace: demo
	//       rule_group: web
	//       rule_id: r1
	//       rule_level: namespace
	//       rule_type: custom
}

func ExampleValidateRuleGroup() {
	g := &alertingv2beta1.RuleGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "web"},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{
			{Rule: alertingv2beta1.Rule{Alert: "A", Expr: intstr.FromString("up == 0")}},
			{Rule: alertingv2beta1.Rule{Alert: "B", Expr: intstr.FromString("sum(rate(x[5m])")}},
		}},
	}
	var invalid *alerting.InvalidError
	if errors.As(alerting.ValidateRuleGroup(g), &invalid) {
		fmt.Println(invalid.Field)
	}
	// Output:
	// spec.rules[1].expr
}

func ExampleWorkloadExpr() {
	expr, err := alerting.WorkloadExpr("exprBuilder.workload", alertingv2beta1.WorkloadExprBuilder{
		WorkloadKind: alertingv2beta1.WorkloadDeployment, WorkloadNames: []string{"api", "web"}, Comparator: alertingv2beta1.ComparatorGT,
		MetricThreshold: alertingv2beta1.WorkloadMetricThreshold{Memory: &alertingv2beta1.WorkloadMemoryThreshold{UsageWoCache: ptr.To(512e6)}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(expr)
	// Output:
	// namespace:workload_memory_usage_wo_cache:sum{workload=~"Deployment:(api|web)"} > 5.12e+08
}

func ExampleNodeExpr() {
	_, err := alerting.NodeExpr("exprBuilder.node", alertingv2beta1.NodeExprBuilder{NodeNames: []string{"node-1"}, Comparator: alertingv2beta1.ComparatorGT})
	fmt.Println(err)
	expr, _ := alerting.NodeExpr("exprBuilder.node", alertingv2beta1.NodeExprBuilder{NodeNames: []string{"node-1"}, Comparator: alertingv2beta1.ComparatorGT,
		MetricThreshold: alertingv2beta1.NodeMetricThreshold{Disk: &alertingv2beta1.NodeDiskThreshold{SpaceUtilization: ptr.To(0.9)}}})
	fmt.Println(expr)
	// Output:
	// invalid exprBuilder.node.metricThreshold: no metric threshold is set; set one of cpu.utilization, cpu.load1m, cpu.load5m, cpu.load15m, memory.utilization, memory.available, network.transmittedRate, network.receivedRate, disk.spaceUtilization, disk.spaceAvailable, disk.inodeUtilization, disk.iopsRead, disk.iopsWrite, disk.throughputRead, disk.throughputWrite, pod.utilization, pod.abnormalRatio
	// node:disk_space_utilization:ratio{node="node-1"} > 0.9
}

func ExampleSelectorMatcher() {
	m, err := alerting.SelectorMatcher("clusterSelector", "cluster", &alertingv2beta1.MetricLabelSelector{InValues: []string{"host", "member-1"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m)
	// Output:
	// cluster=~"(host|member-1)"
}

func ExampleNamespace() {
	for _, s := range []alerting.Scope{alerting.Namespace("demo"), alerting.Cluster(), alerting.Global()} {
		fmt.Println(s, s.Level(), s.PrometheusRuleLabels())
	}
	// Output:
	// namespace demo namespace map[alerting.kubesphere.io/owner_namespace:demo alerting.kubesphere.io/rule_level:namespace]
	// cluster cluster map[alerting.kubesphere.io/rule_level:cluster]
	// global global map[alerting.kubesphere.io/rule_level:global]
}
