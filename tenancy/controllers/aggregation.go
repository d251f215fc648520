package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/internal/roletemplates"
)

// RoleAggregationReconciler fills each role's rules from the RoleTemplates
// its aggregationRoleTemplates selects, as KubeSphere does: with a
// roleSelector, the templates of the role's scope (iam.kubesphere.io/scope)
// it matches, whose names it then writes to templateNames; without one, the
// templates named in templateNames. Aggregation is
// additive: rules written by hand are kept, except one a selected template
// also holds, which counts as the template's. What each template contributed
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
		if agg == nil || !a.filtered(o) {
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
// aggregated-rules annotation, merges the templates' rego overrides into the
// role's (aggregateOverride), and reports whether anything changed. A role
// without aggregationRoleTemplates is left alone.
//
// A role's own rules are those neither an earlier aggregation recorded nor
// a selected template holds, so one pass reaches the fixed point: a second
// call on its result changes nothing.
func aggregate(ctx context.Context, c client.Reader, role client.Object, scope string) (bool, error) {
	agg, rules := roleParts(role)
	if agg == nil || rules == nil {
		return false, nil
	}
	templates, err := roletemplates.Selected(ctx, c, agg, scope)
	if errors.Is(err, roletemplates.ErrInvalidSelector) {
		// As KubeSphere does, leave the role as it is until the selector
		// is put right (the escalation webhook refuses one to begin with).
		ctrl.LoggerFrom(ctx).Error(err, "not aggregating role", "role", client.ObjectKeyFromObject(role))
		return false, nil
	}
	if err != nil {
		return false, err
	}

	previous, legacy := previousContributions(ctx, role)
	notOwn := ruleSet{}
	for _, rs := range previous {
		for _, r := range rs {
			notOwn.add(r)
		}
	}
	for _, t := range templates {
		for _, r := range t.Spec.Rules {
			notOwn.add(r)
		}
	}
	next := ruleSet{}
	var nextRules []rbacv1.PolicyRule
	for _, rule := range *rules {
		if !notOwn.has(rule) && next.add(rule) {
			nextRules = append(nextRules, rule)
		}
	}
	contributed := make(map[string][]rbacv1.PolicyRule, len(templates))
	for _, t := range templates {
		contributed[t.Name] = t.Spec.Rules
		for _, rule := range t.Spec.Rules {
			if next.add(rule) {
				nextRules = append(nextRules, rule)
			}
		}
	}
	record, err := json.Marshal(contributed)
	if err != nil {
		return false, err
	}
	nextRules = nonNilRules(nextRules) // GlobalRole.rules is required: never null
	ann := maps.Clone(role.GetAnnotations())
	if ann == nil {
		ann = map[string]string{}
	}
	ann[aggregatedRulesAnnotation] = string(record)
	if legacy {
		delete(ann, iamv1beta1.RoleTemplateRulesAnnotation)
	}
	aggregateOverride(ctx, ann, templates)
	// With a selector, templateNames says what it selected (KubeSphere's
	// console reads a role's templates there).
	names := agg.TemplateNames
	if agg.RoleSelector != nil {
		names = make([]string, 0, len(templates))
		for _, t := range templates {
			names = append(names, t.Name)
		}
	}
	if reflect.DeepEqual(nextRules, nonNilRules(*rules)) && maps.Equal(ann, role.GetAnnotations()) && slices.Equal(names, agg.TemplateNames) {
		return false, nil
	}
	agg.TemplateNames = names
	*rules = nextRules
	role.SetAnnotations(ann)
	return true, nil
}

// ruleSet is a set of policy rules, compared by content (a nil list and an
// empty one are the same).
type ruleSet map[string]struct{}

// ruleKey is a rule's content as one string: its five lists, each element
// terminated by \x00 and each list by \x01 (neither occurs in names, verbs or
// URLs).
func ruleKey(r rbacv1.PolicyRule) string {
	var b strings.Builder
	for _, list := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs} {
		for _, s := range list {
			b.WriteString(s)
			b.WriteByte(0)
		}
		b.WriteByte(1)
	}
	return b.String()
}

// add adds r and reports whether it was new.
func (s ruleSet) add(r rbacv1.PolicyRule) bool {
	k := ruleKey(r)
	if _, had := s[k]; had {
		return false
	}
	s[k] = struct{}{}
	return true
}

func (s ruleSet) has(r rbacv1.PolicyRule) bool {
	_, ok := s[ruleKey(r)]
	return ok
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
