package controllers

import (
	"context"
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// RuleGroupReconciler renders the RuleGroups of one namespace (the
// request's Name) into PrometheusRules alertrules-ns-<namespace>-<i>,
// owned by the Namespace so they go with it, or into the namespace's rules
// file. Rules without a rule_id label get one first.
type RuleGroupReconciler struct {
	Client client.Client
	Output *Output
}

// SetupWithManager registers the reconciler: RuleGroup events, and
// events of namespace-level PrometheusRules (so a restart finds stale
// ones), enqueue their namespace. In rules-file mode the namespaces of
// the files found at start are enqueued instead.
func (r *RuleGroupReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.Output == nil {
		r.Output = &Output{}
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("alerting-rulegroup").
		Watches(&alertingv2beta1.RuleGroup{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: o.GetNamespace()}}}
		}))
	if r.Output.watchesPrometheusRules() {
		b = b.Watches(&monitoringv1.PrometheusRule{}, handler.EnqueueRequestsFromMapFunc(levelOf(alertingv2beta1.LevelNamespace, types.NamespacedName{})))
	} else {
		b = b.WatchesRawSource(source.Func(r.Output.RulesFiles.enqueueFiles))
	}
	return b.WithOptions(options).Complete(r)
}

// Reconcile renders the namespace req.Name.
func (r *RuleGroupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	namespace := req.Name
	var list alertingv2beta1.RuleGroupList
	if err := r.Client.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return ctrl.Result{}, fmt.Errorf("list rule groups of %s: %w", namespace, err)
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
	rendered := alerting.RenderNamespace(namespace, list.Items)
	logSkipped(ctx, rendered)

	var owner *metav1.OwnerReference
	if len(rendered.Groups) > 0 && r.Output.watchesPrometheusRules() {
		ns := &corev1.Namespace{}
		if err := r.Client.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
			if apierrors.IsNotFound(err) {
				return ctrl.Result{}, nil // its PrometheusRules go with it
			}
			return ctrl.Result{}, fmt.Errorf("get namespace %s: %w", namespace, err)
		}
		if !ns.DeletionTimestamp.IsZero() {
			return ctrl.Result{}, nil
		}
		owner = &metav1.OwnerReference{APIVersion: "v1", Kind: "Namespace", Name: ns.Name, UID: ns.UID}
	}
	return ignoreRace(r.Output.write(ctx, r.Client, rendered, owner))
}
