package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// DefaultFieldOwner is the field manager of what the alerting controllers
// write.
const DefaultFieldOwner = "spherekit-alerting"

// Options configures the alerting controllers. The zero value writes
// PrometheusRules into kubesphere-monitoring-system, as KubeSphere does.
type Options struct {
	// Output is where the rendered rules go.
	Output Output
	// Controller configures the three controllers.
	Controller controller.Options
}

// OptionsError reports an invalid Options field (the SDK's one input-error
// shape).
type OptionsError = fielderr.Invalid

// SetupWithManager registers the RuleGroup, ClusterRuleGroup and
// GlobalRuleGroup reconcilers with mgr, whose scheme must know the
// built-in kinds, the spherekit API groups (spherekit.AddToScheme) and,
// unless Output.RulesFiles is set, prometheus-operator's monitoring/v1
// (whose CRDs must then be installed).
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if f := opts.Output.RulesFiles; f != nil && f.Dir == "" {
		return fmt.Errorf("alerting controllers: %w", &OptionsError{Field: "Output.RulesFiles.Dir", Reason: "name the folder Prometheus loads rules files from"})
	}
	out := &opts.Output
	if err := (&RuleGroupReconciler{Client: mgr.GetClient(), Output: out}).SetupWithManager(ctx, mgr, opts.Controller); err != nil {
		return err
	}
	if err := (&ClusterRuleGroupReconciler{Client: mgr.GetClient(), Output: out}).SetupWithManager(ctx, mgr, opts.Controller); err != nil {
		return err
	}
	return (&GlobalRuleGroupReconciler{Client: mgr.GetClient(), Output: out}).SetupWithManager(ctx, mgr, opts.Controller)
}

// assignRuleIDs gives every rule of obj's rules (via ids) that lacks a
// rule_id label a new one and writes obj back, as KubeSphere's reconcilers
// do, so alerts can be traced to their rule across edits. It reports
// whether it wrote.
func assignRuleIDs(ctx context.Context, c client.Client, obj client.Object, rules []*alertingv2beta1.Rule) (bool, error) {
	changed := false
	for _, r := range rules {
		if _, ok := r.Labels[alertingv2beta1.LabelRuleID]; ok {
			continue
		}
		if r.Labels == nil {
			r.Labels = map[string]string{}
		}
		r.Labels[alertingv2beta1.LabelRuleID] = string(uuid.NewUUID())
		changed = true
	}
	if !changed {
		return false, nil
	}
	if err := c.Update(ctx, obj); err != nil {
		return false, fmt.Errorf("give the rules of %s rule ids: %w", client.ObjectKeyFromObject(obj), err)
	}
	return true, nil
}

func logSkipped(ctx context.Context, r alerting.Rendered) {
	for _, s := range r.Skipped {
		ctrl.LoggerFrom(ctx).Info("rule left out", "scope", r.Scope.String(), "group", s.Group, "alert", s.Alert, "reason", s.Err.Error())
	}
}

// levelOf maps PrometheusRules to the request of their scope.
func levelOf(level string, key types.NamespacedName) func(context.Context, client.Object) []reconcile.Request {
	return func(_ context.Context, o client.Object) []reconcile.Request {
		if o.GetLabels()[alertingv2beta1.PrometheusRuleLevelLabel] != level {
			return nil
		}
		if level == alertingv2beta1.LevelNamespace {
			ns := o.GetLabels()[alertingv2beta1.PrometheusRuleOwnerNamespaceLabel]
			if ns == "" {
				return nil
			}
			key = types.NamespacedName{Name: ns}
		}
		return []reconcile.Request{{NamespacedName: key}}
	}
}

// scopeKey is the one request of the cluster and global reconcilers.
func scopeKey(level string) types.NamespacedName { return types.NamespacedName{Name: level} }

// watchesPrometheusRules says whether the reconcilers watch
// PrometheusRules (not when they write rules files).
func (o *Output) watchesPrometheusRules() bool { return o.RulesFiles == nil }
