package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/alerting"
	"github.com/spherekit/spherekit/observability/alerting/controllers"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/testenv"
)

var on = map[string]string{alertingv2beta1.EnableLabel: alertingv2beta1.EnableTrue}

func newNamespace(t *testing.T) *corev1.Namespace {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("ns")}}
	require.NoError(t, env.Client.Create(context.Background(), ns))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
	return ns
}

// promRules lists the PrometheusRules selected by labels, by name.
func promRules(t *testing.T, labels map[string]string) map[string]monitoringv1.PrometheusRule {
	t.Helper()
	var list monitoringv1.PrometheusRuleList
	require.NoError(t, env.Client.List(context.Background(), &list, client.InNamespace(monitoringNamespace), client.MatchingLabels(labels)))
	out := map[string]monitoringv1.PrometheusRule{}
	for _, p := range list.Items {
		out[p.Name] = p
	}
	return out
}

// waitFor waits until the PrometheusRules of labels are exactly want
// (names and specs).
func waitFor(t *testing.T, labels map[string]string, want map[string]monitoringv1.PrometheusRuleSpec) map[string]monitoringv1.PrometheusRule {
	t.Helper()
	var got map[string]monitoringv1.PrometheusRule
	var diff string
	defer func() {
		if t.Failed() && diff != "" {
			t.Logf("prometheus rules (-want +got):\n%s", diff)
		}
	}()
	testenv.Eventually(t, func() (bool, error) {
		got = promRules(t, labels)
		specs := map[string]monitoringv1.PrometheusRuleSpec{}
		for n, p := range got {
			specs[n] = p.Spec
		}
		diff = cmp.Diff(want, specs)
		return diff == "", nil
	}, "prometheus rules never matched")
	return got
}

func dur(s string) *monitoringv1.Duration { d := monitoringv1.Duration(s); return &d }

// TestRuleGroupToPrometheusRule: the exact PrometheusRule a namespace's
// group becomes (owned by the namespace, labelled, rule ids given to the
// source), then an update, disabling, drift repair, a stale object, and
// removal with the group.
func TestRuleGroupToPrometheusRule(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	g := &alertingv2beta1.RuleGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "web", Labels: on},
		Spec: alertingv2beta1.RuleGroupSpec{Interval: "1m", Rules: []alertingv2beta1.NamespaceRule{
			{Rule: alertingv2beta1.Rule{Alert: "Down", Expr: intstr.FromString(`up{job="web"} == 0`), For: "5m", Severity: "critical",
				Annotations: map[string]string{"summary": "web is down"}}},
			{Rule: alertingv2beta1.Rule{Alert: "Off", Expr: intstr.FromString("up"), Disable: true}},
		}},
	}
	require.NoError(t, env.Client.Create(ctx, g))

	// The reconciler gives the rules ids (KubeSphere's behaviour).
	var ids []string
	testenv.Eventually(t, func() (bool, error) {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(g), g); err != nil {
			return false, err
		}
		ids = nil
		for _, r := range g.Spec.Rules {
			ids = append(ids, r.Labels[alertingv2beta1.LabelRuleID])
		}
		return ids[0] != "" && ids[1] != "", nil
	}, "the rules never got ids")

	sel := alerting.Namespace(ns.Name).PrometheusRuleLabels()
	objName := "alertrules-ns-" + ns.Name + "-0"
	spec := monitoringv1.PrometheusRuleSpec{Groups: []monitoringv1.RuleGroup{{Name: "web", Interval: dur("1m"), Rules: []monitoringv1.Rule{{
		Alert: "Down", Expr: intstr.FromString(`up{job="web",namespace="` + ns.Name + `"} == 0`), For: dur("5m"),
		Labels: map[string]string{"rule_id": ids[0], "severity": "critical", "rule_level": "namespace", "namespace": ns.Name,
			"rule_group": "web", "alerttype": "metric", "rule_type": "custom"},
		Annotations: map[string]string{"summary": "web is down"},
	}}}}}
	got := waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{objName: spec})
	p := got[objName]
	assert.Equal(t, map[string]string{"alerting.kubesphere.io/rule_level": "namespace", "alerting.kubesphere.io/owner_namespace": ns.Name}, p.Labels)
	assert.Equal(t, []metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: ns.Name, UID: ns.UID}}, p.OwnerReferences)

	// Drift: an edit of the object is undone.
	p.Spec.Groups[0].Rules[0].Expr = intstr.FromString("vector(1)")
	require.NoError(t, env.Client.Update(ctx, &p))
	waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{objName: spec})

	// A stale object of the namespace (as after a shrink while the
	// controller was down) is removed.
	stale := &monitoringv1.PrometheusRule{ObjectMeta: metav1.ObjectMeta{Namespace: monitoringNamespace, Name: "alertrules-ns-" + ns.Name + "-7", Labels: sel},
		Spec: monitoringv1.PrometheusRuleSpec{Groups: []monitoringv1.RuleGroup{{Name: "old", Rules: []monitoringv1.Rule{{Alert: "Old", Expr: intstr.FromString("up")}}}}}}
	require.NoError(t, env.Client.Create(ctx, stale))
	waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{objName: spec})

	// Enabling the second rule and editing the first.
	g.Spec.Rules[1].Disable = false
	g.Spec.Rules[0].Expr = intstr.FromString("up == 0")
	require.NoError(t, env.Client.Update(ctx, g))
	spec2 := *spec.DeepCopy()
	spec2.Groups[0].Rules[0].Expr = intstr.FromString(`up{namespace="` + ns.Name + `"} == 0`)
	spec2.Groups[0].Rules = append(spec2.Groups[0].Rules, monitoringv1.Rule{Alert: "Off", Expr: intstr.FromString(`up{namespace="` + ns.Name + `"}`),
		Labels: map[string]string{"rule_id": ids[1], "rule_level": "namespace", "namespace": ns.Name, "rule_group": "web", "alerttype": "metric", "rule_type": "custom"}})
	waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{objName: spec2})

	// Switching the group off (enable label) removes its objects.
	g.Labels[alertingv2beta1.EnableLabel] = alertingv2beta1.EnableFalse
	require.NoError(t, env.Client.Update(ctx, g))
	waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{})
	g.Labels[alertingv2beta1.EnableLabel] = alertingv2beta1.EnableTrue
	require.NoError(t, env.Client.Update(ctx, g))
	waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{objName: spec2})

	// Deleting the group removes them too.
	require.NoError(t, env.Client.Delete(ctx, g))
	waitFor(t, sel, map[string]monitoringv1.PrometheusRuleSpec{})
}

// TestSplitAndRestart: groups too large for one object are split as the
// pure rendering splits them (the objects equal Rendered.PrometheusRules),
// shrink back when groups go, and a new reconciler (as after a restart)
// finds everything in place: it writes nothing and makes no duplicate.
func TestSplitAndRestart(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	big := strings.Repeat("x", 100_000)
	var groups []alertingv2beta1.RuleGroup
	for i := range 6 {
		g := alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("g%d", i), Labels: on},
			Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: alertingv2beta1.Rule{
				Alert: "A", Expr: intstr.FromString("up"), Labels: map[string]string{alertingv2beta1.LabelRuleID: fmt.Sprint(i)}, Annotations: map[string]string{"m": big}}}}}}
		require.NoError(t, env.Client.Create(ctx, &g))
		groups = append(groups, g)
	}
	sel := alerting.Namespace(ns.Name).PrometheusRuleLabels()
	expect := func(groups []alertingv2beta1.RuleGroup) map[string]monitoringv1.PrometheusRuleSpec {
		objs, err := alerting.RenderNamespace(ns.Name, groups).PrometheusRules(monitoringNamespace)
		require.NoError(t, err)
		out := map[string]monitoringv1.PrometheusRuleSpec{}
		for _, o := range objs {
			out[o.Name] = o.Spec
		}
		return out
	}
	want := expect(groups)
	require.Len(t, want, 2, "six groups of 100 kB need two objects")
	before := waitFor(t, sel, want)

	r := &controllers.RuleGroupReconciler{Client: env.Client, Output: &controllers.Output{}}
	for range 2 {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKey{Name: ns.Name}})
		require.NoError(t, err)
	}
	after := promRules(t, sel)
	require.Len(t, after, len(before))
	for n, p := range before {
		assert.Equal(t, p.ResourceVersion, after[n].ResourceVersion, "%s was written again", n)
	}

	for _, g := range groups[2:] {
		require.NoError(t, env.Client.Delete(ctx, &g))
	}
	waitFor(t, sel, expect(groups[:2]))
}
