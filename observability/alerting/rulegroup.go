package alerting

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/resources"
)

// SetRuleGroup creates rule group g at scope s, or replaces the labels it
// names and the spec of the group of that name: g is a *RuleGroup for a
// Namespace scope (its namespace is the scope's), a *ClusterRuleGroup for
// Cluster() or a *GlobalRuleGroup for Global(). It is validated first
// (ValidateRuleGroup); then, as KubeSphere's admission defaulting does,
// each exprBuilder's expression is written into expr, and each rule
// without a rule_id label gets the one of the stored rule with the same
// alert name, else a new one. A group without the enable label is
// enabled. g is updated to what was stored.
//
// Acting for a user, it needs get, and create or update, on the scope's
// rule group resource (rulegroups in the namespace, clusterrulegroups,
// globalrulegroups).
func (c *Client) SetRuleGroup(ctx context.Context, s Scope, g client.Object) error {
	if err := checkScope(s); err != nil {
		return err
	}
	if err := matchScope(s, g); err != nil {
		return err
	}
	if err := ValidateRuleGroup(g); err != nil {
		return err
	}
	name := g.GetName()
	if err := c.authorize(ctx, attributes("get", s.resource(), name, s)); err != nil {
		return err
	}
	if err := c.namespaceExists(ctx, s); err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, ok := g.DeepCopyObject().(client.Object)
		if !ok {
			return fmt.Errorf("copy %T", g)
		}
		err := c.c.Get(ctx, client.ObjectKeyFromObject(g), current)
		exists := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("get %s %s: %w", s.kind(), name, err)
		}
		verb := "create"
		if exists {
			verb = "update"
		}
		if err := c.authorize(ctx, attributes(verb, s.resource(), name, s)); err != nil {
			return err
		}
		var known map[string]string
		if exists {
			known = ruleIDs(current)
		}
		desired, ok := g.DeepCopyObject().(client.Object)
		if !ok {
			return fmt.Errorf("copy %T", g)
		}
		prepare(desired, known)
		if !exists {
			if err := c.c.Create(ctx, desired, client.FieldOwner(c.fieldOwner)); err != nil {
				if apierrors.IsAlreadyExists(err) {
					return apierrors.NewConflict(alertingv2beta1.Resource(s.resource()), name, err)
				}
				return fmt.Errorf("create %s %s: %w", s.kind(), name, err)
			}
		} else {
			l := current.GetLabels()
			if l == nil {
				l = map[string]string{}
			}
			maps.Copy(l, desired.GetLabels())
			desired.SetLabels(l)
			desired.SetAnnotations(current.GetAnnotations())
			desired.SetResourceVersion(current.GetResourceVersion())
			desired.SetUID(current.GetUID())
			if err := c.c.Update(ctx, desired, client.FieldOwner(c.fieldOwner)); err != nil {
				return fmt.Errorf("update %s %s: %w", s.kind(), name, err)
			}
		}
		copyInto(g, desired)
		return nil
	})
}

// matchScope checks that g is the kind of s and sets a RuleGroup's
// namespace to the scope's.
func matchScope(s Scope, g client.Object) error {
	want := s.kind()
	var got string
	switch g := g.(type) {
	case *alertingv2beta1.RuleGroup:
		got = alertingv2beta1.KindRuleGroup
		if want == got {
			if g.Namespace != "" && g.Namespace != s.namespace {
				return &InvalidError{Field: "metadata.namespace", Reason: fmt.Sprintf("%q is not the scope's namespace %q", g.Namespace, s.namespace)}
			}
			g.Namespace = s.namespace
		}
	case *alertingv2beta1.ClusterRuleGroup:
		got = alertingv2beta1.KindClusterRuleGroup
	case *alertingv2beta1.GlobalRuleGroup:
		got = alertingv2beta1.KindGlobalRuleGroup
	default:
		return &InvalidError{Field: "group", Reason: fmt.Sprintf("%T is not a RuleGroup, ClusterRuleGroup or GlobalRuleGroup", g)}
	}
	if got != want {
		return &InvalidError{Field: "group", Reason: fmt.Sprintf("a %s does not belong at %s scope; use a %s", got, s, want)}
	}
	return nil
}

// rulesOf returns pointers to the common part of each rule of g, and each
// rule's built expression, if any.
func rulesOf(g client.Object) (rules []*alertingv2beta1.Rule, built []string) {
	switch g := g.(type) {
	case *alertingv2beta1.RuleGroup:
		for i := range g.Spec.Rules {
			r := &g.Spec.Rules[i]
			rules = append(rules, &r.Rule)
			var expr string
			if r.ExprBuilder != nil && r.ExprBuilder.Workload != nil {
				expr, _ = WorkloadExpr("", *r.ExprBuilder.Workload)
			}
			built = append(built, expr)
		}
	case *alertingv2beta1.ClusterRuleGroup:
		for i := range g.Spec.Rules {
			r := &g.Spec.Rules[i]
			rules = append(rules, &r.Rule)
			var expr string
			if r.ExprBuilder != nil && r.ExprBuilder.Node != nil {
				expr, _ = NodeExpr("", *r.ExprBuilder.Node)
			}
			built = append(built, expr)
		}
	case *alertingv2beta1.GlobalRuleGroup:
		for i := range g.Spec.Rules {
			r := &g.Spec.Rules[i]
			rules = append(rules, &r.Rule)
			var expr string
			if b := r.ExprBuilder; b != nil && b.Workload != nil {
				expr, _, _, _ = scopedWorkload("", *b.Workload)
			} else if b != nil && b.Node != nil {
				expr, _, _ = scopedNode("", *b.Node)
			}
			built = append(built, expr)
		}
	}
	return rules, built
}

// ruleIDs maps the alert names of g's rules to their rule ids.
func ruleIDs(g client.Object) map[string]string {
	rules, _ := rulesOf(g)
	out := map[string]string{}
	for _, r := range rules {
		if id := r.Labels[alertingv2beta1.LabelRuleID]; id != "" {
			out[r.Alert] = id
		}
	}
	return out
}

// prepare applies KubeSphere's defaulting to g: built expressions into
// expr, rule ids (known ones by alert name, else new), the enable label.
func prepare(g client.Object, known map[string]string) {
	rules, built := rulesOf(g)
	for i, r := range rules {
		if built[i] != "" {
			r.Expr = intstr.FromString(built[i])
		}
		if r.Labels[alertingv2beta1.LabelRuleID] != "" {
			continue
		}
		if r.Labels == nil {
			r.Labels = map[string]string{}
		}
		id := known[r.Alert]
		if id == "" {
			id = string(uuid.NewUUID())
		}
		r.Labels[alertingv2beta1.LabelRuleID] = id
	}
	l := g.GetLabels()
	if _, ok := l[alertingv2beta1.EnableLabel]; !ok {
		if l == nil {
			l = map[string]string{}
		}
		l[alertingv2beta1.EnableLabel] = alertingv2beta1.EnableTrue
		g.SetLabels(l)
	}
}

// copyInto sets dst (a rule group) to src's content.
func copyInto(dst, src client.Object) {
	switch d := dst.(type) {
	case *alertingv2beta1.RuleGroup:
		src.(*alertingv2beta1.RuleGroup).DeepCopyInto(d)
	case *alertingv2beta1.ClusterRuleGroup:
		src.(*alertingv2beta1.ClusterRuleGroup).DeepCopyInto(d)
	case *alertingv2beta1.GlobalRuleGroup:
		src.(*alertingv2beta1.GlobalRuleGroup).DeepCopyInto(d)
	}
}

// namespaceExists refuses a namespace scope whose namespace does not
// exist.
func (c *Client) namespaceExists(ctx context.Context, s Scope) error {
	if s.level != alertingv2beta1.LevelNamespace {
		return nil
	}
	if err := c.c.Get(ctx, client.ObjectKey{Name: s.namespace}, &corev1.Namespace{}); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "scope", Kind: "Namespace", Name: s.namespace, Err: err}
		}
		return fmt.Errorf("get namespace %s: %w", s.namespace, err)
	}
	return nil
}

// DeleteRuleGroup deletes rule group name at scope s; the controllers
// remove its rules from Prometheus. Acting for a user, it needs delete on
// the scope's rule group resource.
func (c *Client) DeleteRuleGroup(ctx context.Context, s Scope, name string) error {
	if err := checkScope(s); err != nil {
		return err
	}
	if err := c.authorize(ctx, attributes("delete", s.resource(), name, s)); err != nil {
		return err
	}
	obj := newGroup(s)
	obj.SetName(name)
	obj.SetNamespace(s.namespace)
	if err := c.c.Delete(ctx, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "name", Kind: s.kind(), Name: name, Err: err}
		}
		return fmt.Errorf("delete %s %s: %w", s.kind(), name, err)
	}
	return nil
}

// ListRuleGroups lists the rule groups at scope s with the resources API's
// query semantics (filters, sorting, paging) and returns one page and the
// total that match: a *RuleGroupList for a Namespace scope, a
// *ClusterRuleGroupList or a *GlobalRuleGroupList. Acting for a user, it
// needs list on the scope's rule group resource.
func (c *Client) ListRuleGroups(ctx context.Context, s Scope, q resources.Query) (client.ObjectList, int, error) {
	if err := checkScope(s); err != nil {
		return nil, 0, err
	}
	if err := c.authorize(ctx, attributes("list", s.resource(), "", s)); err != nil {
		return nil, 0, err
	}
	var list client.ObjectList
	switch s.level {
	case alertingv2beta1.LevelNamespace:
		list = &alertingv2beta1.RuleGroupList{}
		q.Namespace = s.namespace
	case alertingv2beta1.LevelCluster:
		list = &alertingv2beta1.ClusterRuleGroupList{}
	default:
		list = &alertingv2beta1.GlobalRuleGroupList{}
	}
	total, err := resources.List(ctx, c.c, list, q)
	if err != nil {
		return nil, 0, fmt.Errorf("list rule groups at %s: %w", s, err)
	}
	return list, total, nil
}

func newGroup(s Scope) client.Object {
	switch s.level {
	case alertingv2beta1.LevelCluster:
		return &alertingv2beta1.ClusterRuleGroup{}
	case alertingv2beta1.LevelGlobal:
		return &alertingv2beta1.GlobalRuleGroup{}
	}
	return &alertingv2beta1.RuleGroup{}
}
