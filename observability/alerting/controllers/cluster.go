package controllers

import (
	"context"
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// ClusterRuleGroupReconciler renders every ClusterRuleGroup into
// PrometheusRules alertrules-cl-<i> or the cluster rules file. Rules
// without a rule_id label get one first.
type ClusterRuleGroupReconciler struct {
	Client client.Client
	Output *Output
}

// SetupWithManager registers the reconciler; every ClusterRuleGroup event
// and every cluster-level PrometheusRule event enqueues the one request.
func (r *ClusterRuleGroupReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.Output == nil {
		r.Output = &Output{}
	}
	key := scopeKey(alertingv2beta1.LevelCluster)
	b := ctrl.NewControllerManagedBy(mgr).
		Named("alerting-clusterrulegroup").
		Watches(&alertingv2beta1.ClusterRuleGroup{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: key}}
		}))
	if r.Output.watchesPrometheusRules() {
		b = b.Watches(&monitoringv1.PrometheusRule{}, handler.EnqueueRequestsFromMapFunc(levelOf(alertingv2beta1.LevelCluster, key)))
	}
	return b.WithOptions(options).Complete(r)
}

// Reconcile renders every ClusterRuleGroup.
func (r *ClusterRuleGroupReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	var list alertingv2beta1.ClusterRuleGroupList
	if err := r.Client.List(ctx, &list); err != nil {
		return ctrl.Result{}, fmt.Errorf("list cluster rule groups: %w", err)
	}
	for i := range list.Items {
		g := &list.Items[i]
		if g.Labels[alertingv2beta1.EnableLabel] != alertingv2beta1.EnableTrue {
			continue
		}
		rules := make([]*alertingv2beta1.Rule, len(g.Spec.Rules))
		for j := range g.Spec.Rules {
			rules[j] = &g.Spec.Rules[j].Rule
		}
		if _, err := assignRuleIDs(ctx, r.Client, g, rules); err != nil {
			return ignoreRace(err)
		}
	}
	rendered := alerting.RenderCluster(list.Items)
	logSkipped(ctx, rendered)
	return ignoreRace(r.Output.write(ctx, r.Client, rendered, nil))
}

// GlobalRuleGroupReconciler renders every GlobalRuleGroup into
// PrometheusRules alertrules-gl-<i> or the global rules file. Rules
// without a rule_id label get one first.
type GlobalRuleGroupReconciler struct {
	Client client.Client
	Output *Output
}

// SetupWithManager registers the reconciler; every GlobalRuleGroup event
// and every global PrometheusRule event enqueues the one request.
func (r *GlobalRuleGroupReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.Output == nil {
		r.Output = &Output{}
	}
	key := scopeKey(alertingv2beta1.LevelGlobal)
	b := ctrl.NewControllerManagedBy(mgr).
		Named("alerting-globalrulegroup").
		Watches(&alertingv2beta1.GlobalRuleGroup{}, handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: key}}
		}))
	if r.Output.watchesPrometheusRules() {
		b = b.Watches(&monitoringv1.PrometheusRule{}, handler.EnqueueRequestsFromMapFunc(levelOf(alertingv2beta1.LevelGlobal, key)))
	}
	return b.WithOptions(options).Complete(r)
}

// Reconcile renders every GlobalRuleGroup.
func (r *GlobalRuleGroupReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	var list alertingv2beta1.GlobalRuleGroupList
	if err := r.Client.List(ctx, &list); err != nil {
		return ctrl.Result{}, fmt.Errorf("list global rule groups: %w", err)
	}
	for i := range list.Items {
		g := &list.Items[i]
		if g.Labels[alertingv2beta1.EnableLabel] != alertingv2beta1.EnableTrue {
			continue
		}
		rules := make([]*alertingv2beta1.Rule, len(g.Spec.Rules))
		for j := range g.Spec.Rules {
			rules[j] = &g.Spec.Rules[j].Rule
		}
		if _, err := assignRuleIDs(ctx, r.Client, g, rules); err != nil {
			return ignoreRace(err)
		}
	}
	rendered := alerting.RenderGlobal(list.Items)
	logSkipped(ctx, rendered)
	return ignoreRace(r.Output.write(ctx, r.Client, rendered, nil))
}
