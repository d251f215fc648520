package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// RoleAggregationReconciler fills each role's rules from the RoleTemplates
// its aggregationRoleTemplates selects: those named in templateNames, and
// those of the role's scope that roleSelector matches. Aggregation is
// additive: rules written by hand are kept. What each template contributed
// is recorded in the iam.spherekit.io/aggregated-rules annotation, so a template that is no
// longer selected takes its rules away again. Roles annotated
// iam.kubesphere.io/auto-aggregate: "true" also pick up matching templates
// created later; the others are aggregated when they change.
type RoleAggregationReconciler struct{ Common }

// roleKinds lists the role kinds and their RoleTemplate scope.
var roleKinds = []struct {
	name  string
	scope string
	new   func() client.Object
	list  func() client.ObjectList
}{
	{"globalrole", iamv1beta1.ScopeGlobal, func() client.Object { return &iamv1beta1.GlobalRole{} }, func() client.ObjectList { return &iamv1beta1.GlobalRoleList{} }},
	{"clusterrole", iamv1beta1.ScopeCluster, func() client.Object { return &iamv1beta1.ClusterRole{} }, func() client.ObjectList { return &iamv1beta1.ClusterRoleList{} }},
	{"workspacerole", iamv1beta1.ScopeWorkspace, func() client.Object { return &iamv1beta1.WorkspaceRole{} }, func() client.ObjectList { return &iamv1beta1.WorkspaceRoleList{} }},
	{"role", iamv1beta1.ScopeNamespace, func() client.Object { return &iamv1beta1.Role{} }, func() client.ObjectList { return &iamv1beta1.RoleList{} }},
}

// SetupWithManager registers the reconciler with mgr.
func (r *RoleAggregationReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	for _, k := range roleKinds {
		a := &aggregator{Common: r.Common, scope: k.scope, new: k.new, list: k.list}
		err := ctrl.NewControllerManagedBy(mgr).
			Named("aggregate-"+k.name).
			For(k.new(), r.watchFilter()).
			Watches(&iamv1beta1.RoleTemplate{}, handler.EnqueueRequestsFromMapFunc(a.autoAggregating)).
			WithOptions(options).
			Complete(a)
		if err != nil {
			return err
		}
	}
	return nil
}

// aggregator aggregates the roles of one kind.
type aggregator struct {
	Common
	scope string
	new   func() client.Object
	list  func() client.ObjectList
}

// roleParts returns pointers to a role's aggregation and rules.
func roleParts(o client.Object) (*iamv1beta1.AggregationRoleTemplates, *[]rbacv1.PolicyRule) {
	switch r := o.(type) {
	case *iamv1beta1.GlobalRole:
		return r.AggregationRoleTemplates, &r.Rules
	case *iamv1beta1.ClusterRole:
		return r.AggregationRoleTemplates, &r.Rules
	case *iamv1beta1.WorkspaceRole:
		return r.AggregationRoleTemplates, &r.Rules
	case *iamv1beta1.Role:
		return r.AggregationRoleTemplates, &r.Rules
	}
	return nil, nil
}

// autoAggregating enqueues the roles of this kind that want templates added
// later: annotated auto-aggregate with a roleSelector.
func (a *aggregator) autoAggregating(ctx context.Context, tpl client.Object) []reconcile.Request {
	if s := tpl.GetLabels()[iamv1beta1.ScopeLabel]; s != "" && s != a.scope {
		return nil
	}
	list := a.list()
	if err := a.Client.List(ctx, list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list roles for a changed role template")
		return nil
	}
	var out []reconcile.Request
	_ = forEachObject(list, func(o client.Object) error {
		agg, _ := roleParts(o)
		if agg == nil {
			return nil
		}
		named := slices.Contains(agg.TemplateNames, tpl.GetName())
		auto := o.GetAnnotations()[iamv1beta1.AutoAggregateAnnotation] == "true" && agg.RoleSelector != nil
		if named || auto {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)})
		}
		return nil
	})
	return out
}

// Reconcile implements reconcile.Reconciler.
func (a *aggregator) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	role := a.new()
	if err := a.Client.Get(ctx, req.NamespacedName, role); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !role.GetDeletionTimestamp().IsZero() {
		return reconcile.Result{}, nil
	}
	changed, err := aggregate(ctx, a.Client, role, a.scope)
	if err != nil || !changed {
		return reconcile.Result{}, err
	}
	if err := a.Client.Update(ctx, role); err != nil {
		return reconcile.Result{}, fmt.Errorf("update aggregated rules: %w", err)
	}
	return reconcile.Result{}, nil
}

// aggregate sets role's rules to its own rules plus those of the
// RoleTemplates its aggregationRoleTemplates selects (templates of scope when
// chosen by selector), records each template's contribution in the
// aggregated-rules annotation, and reports whether anything changed. A
// role without aggregationRoleTemplates is left alone.
func aggregate(ctx context.Context, c client.Reader, role client.Object, scope string) (bool, error) {
	agg, rules := roleParts(role)
	if agg == nil || rules == nil {
		return false, nil
	}
	var all iamv1beta1.RoleTemplateList
	if err := c.List(ctx, &all); err != nil {
		return false, fmt.Errorf("list role templates: %w", err)
	}
	templates := selected(all.Items, agg, scope)

	// Rules earlier aggregation added are not the role's own.
	previous, legacy := previousContributions(ctx, role)
	var aggregatedBefore []rbacv1.PolicyRule
	for _, rs := range previous {
		aggregatedBefore = append(aggregatedBefore, rs...)
	}
	var own []rbacv1.PolicyRule
	for _, rule := range *rules {
		if !containsRule(aggregatedBefore, rule) {
			own = append(own, rule)
		}
	}
	next := own
	contributed := map[string][]rbacv1.PolicyRule{}
	for _, t := range templates {
		contributed[t.Name] = t.Spec.Rules
		for _, rule := range t.Spec.Rules {
			if !containsRule(next, rule) {
				next = append(next, rule)
			}
		}
	}
	record, err := json.Marshal(contributed)
	if err != nil {
		return false, err
	}
	if !legacy && reflect.DeepEqual(nonNilRules(next), nonNilRules(*rules)) && role.GetAnnotations()[aggregatedRulesAnnotation] == string(record) {
		return false, nil
	}
	*rules = nonNilRules(next) // GlobalRole.rules is required: never null
	ann := role.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[aggregatedRulesAnnotation] = string(record)
	if legacy {
		delete(ann, iamv1beta1.RoleTemplateRulesAnnotation)
	}
	role.SetAnnotations(ann)
	return true, nil
}

// aggregatedRulesAnnotation on a role aggregated from RoleTemplates holds,
// as JSON, the rules each template contributed (template name to rules),
// so a template no longer selected takes its rules away again. It is
// spherekit's own bookkeeping: KubeSphere's aggregation records nothing of
// the kind (it only adds rules, rewrites templateNames and merges the
// templates' rego-override), and iam.kubesphere.io/role-template-rules,
// where spherekit kept it before, is KubeSphere's console annotation on
// RoleTemplates.
const aggregatedRulesAnnotation = "iam.spherekit.io/aggregated-rules"

// previousContributions reads the rules earlier aggregation added to role,
// from aggregatedRulesAnnotation or, for a role spherekit aggregated before
// that annotation, from iam.kubesphere.io/role-template-rules when it holds
// spherekit's record (legacy is then true: the next write moves it). Any
// other value of that annotation is not spherekit's and is left alone.
func previousContributions(ctx context.Context, role client.Object) (previous map[string][]rbacv1.PolicyRule, legacy bool) {
	previous = map[string][]rbacv1.PolicyRule{}
	ann := role.GetAnnotations()
	if s, ok := ann[aggregatedRulesAnnotation]; ok {
		if err := json.Unmarshal([]byte(s), &previous); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "ignore unreadable aggregated-rules annotation")
			return map[string][]rbacv1.PolicyRule{}, false
		}
		return previous, false
	}
	if s := ann[iamv1beta1.RoleTemplateRulesAnnotation]; s != "" {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&previous); err == nil {
			return previous, true
		}
	}
	return map[string][]rbacv1.PolicyRule{}, false
}

// selected returns the templates agg selects: named ones (any scope) and
// those of scope its selector matches, sorted by name.
func selected(all []iamv1beta1.RoleTemplate, agg *iamv1beta1.AggregationRoleTemplates, scope string) []iamv1beta1.RoleTemplate {
	var out []iamv1beta1.RoleTemplate
	selector := labelsSelectorOrNothing(agg.RoleSelector)
	for _, t := range all {
		named := slices.Contains(agg.TemplateNames, t.Name)
		scoped := t.Labels[iamv1beta1.ScopeLabel] == "" || t.Labels[iamv1beta1.ScopeLabel] == scope
		if named || (scoped && selector(t.Labels)) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y iamv1beta1.RoleTemplate) int {
		switch {
		case x.Name < y.Name:
			return -1
		case x.Name > y.Name:
			return 1
		}
		return 0
	})
	return out
}

// labelsSelectorOrNothing turns a label selector into a match function; a
// nil or invalid selector matches nothing (an empty one, everything).
func labelsSelectorOrNothing(ls *metav1.LabelSelector) func(map[string]string) bool {
	if ls == nil {
		return func(map[string]string) bool { return false }
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return func(map[string]string) bool { return false }
	}
	return func(l map[string]string) bool { return sel.Matches(labelSet(l)) }
}

func containsRule(rules []rbacv1.PolicyRule, rule rbacv1.PolicyRule) bool {
	return slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool { return reflect.DeepEqual(r, rule) })
}
