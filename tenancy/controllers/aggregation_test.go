package controllers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

var (
	ownRule      = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}
	templateRule = rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"list"}}
	changedRule  = rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"watch"}}
)

// newRoleTemplate creates a RoleTemplate of scope with labels and rules.
func newRoleTemplate(t *testing.T, scope string, lbls map[string]string, rules ...rbacv1.PolicyRule) *iamv1beta1.RoleTemplate {
	t.Helper()
	l := map[string]string{iamv1beta1.ScopeLabel: scope}
	for k, v := range lbls {
		l[k] = v
	}
	tpl := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: name("tpl"), Labels: l}, Spec: iamv1beta1.RoleTemplateSpec{Rules: rules}}
	create(t, tpl)
	return tpl
}

// aggregation returns a pointer to a role's aggregationRoleTemplates.
func aggregation(o client.Object) **iamv1beta1.AggregationRoleTemplates {
	switch r := o.(type) {
	case *iamv1beta1.GlobalRole:
		return &r.AggregationRoleTemplates
	case *iamv1beta1.ClusterRole:
		return &r.AggregationRoleTemplates
	case *iamv1beta1.WorkspaceRole:
		return &r.AggregationRoleTemplates
	case *iamv1beta1.Role:
		return &r.AggregationRoleTemplates
	}
	return nil
}

// hasRules says how role's rules differ from want (in any order) and, when
// recorded is set, whether its iam.spherekit.io/aggregated-rules annotation records what
// each of those templates contributed.
func hasRules(t *testing.T, role client.Object, want []rbacv1.PolicyRule, recorded map[string][]rbacv1.PolicyRule) (bool, error) {
	t.Helper()
	if !exists(t, role) {
		return false, fmt.Errorf("no role")
	}
	less := func(a, b rbacv1.PolicyRule) bool { return fmt.Sprint(a) < fmt.Sprint(b) }
	if d := cmp.Diff(want, *rules(role), cmpopts.SortSlices(less), cmpopts.EquateEmpty()); d != "" {
		return false, fmt.Errorf("rules (-want +got):\n%s", d)
	}
	if recorded != nil {
		got := map[string][]rbacv1.PolicyRule{}
		if err := json.Unmarshal([]byte(role.GetAnnotations()["iam.spherekit.io/aggregated-rules"]), &got); err != nil {
			return false, fmt.Errorf("annotation: %w", err)
		}
		if d := cmp.Diff(recorded, got); d != "" {
			return false, fmt.Errorf("recorded contributions (-want +got):\n%s", d)
		}
	}
	return true, nil
}

// waitOverride waits until role's rego override holds exactly one rule
// holding each of want (as OPA prints rules), in any order; nil wants no
// override.
func waitOverride(t *testing.T, role client.Object, want []string, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		if !exists(t, role) {
			return false, fmt.Errorf("no role")
		}
		policy, ok := role.GetAnnotations()[iamv1beta1.RegoOverrideAnnotation]
		if want == nil {
			return !ok, fmt.Errorf("override %q", policy)
		}
		m, err := ast.ParseModuleWithOpts("authz.rego", policy, ast.ParserOptions{RegoVersion: ast.RegoV0})
		if err != nil {
			return false, fmt.Errorf("override %q does not parse as v0: %w", policy, err)
		}
		if len(m.Rules) != len(want) {
			return false, fmt.Errorf("override has %d rules, want %d: %s", len(m.Rules), len(want), policy)
		}
		for _, w := range want {
			if !slices.ContainsFunc(m.Rules, func(r *ast.Rule) bool { return strings.Contains(r.String(), w) }) {
				return false, fmt.Errorf("no rule holds %s: %s", w, policy)
			}
		}
		return true, nil
	}, "%s", msg)
}

func waitRules(t *testing.T, role client.Object, want []rbacv1.PolicyRule, recorded map[string][]rbacv1.PolicyRule, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return hasRules(t, role, want, recorded) }, "%s", msg)
}

// TestRoleAggregationReconciler checks, for each role kind, that a role's
// rules are its own plus those of the RoleTemplates it selects, as the
// templates and the role change.
func TestRoleAggregationReconciler(t *testing.T) {
	kinds := []struct {
		scope string
		new   func(ns string) client.Object
	}{
		{iamv1beta1.ScopeGlobal, func(string) client.Object {
			// A GlobalRole's rules are required, if empty.
			return &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name("role"), Labels: labelled(nil)}, Rules: []rbacv1.PolicyRule{}}
		}},
		{iamv1beta1.ScopeCluster, func(string) client.Object {
			return &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("role"), Labels: labelled(nil)}}
		}},
		{iamv1beta1.ScopeWorkspace, func(string) client.Object {
			return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name("role"), Labels: labelled(nil)}}
		}},
		{iamv1beta1.ScopeNamespace, func(ns string) client.Object {
			return &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("role"), Namespace: ns, Labels: labelled(nil)}}
		}},
	}
	// named returns a role of k with ownRule that names tpl.
	tests := []struct {
		name string
		run  func(t *testing.T, scope string, newRole func() client.Object)
	}{
		{"named template", func(t *testing.T, scope string, newRole func() client.Object) {
			tpl := newRoleTemplate(t, scope, nil, templateRule)
			role := newRole()
			*rules(role) = []rbacv1.PolicyRule{ownRule}
			*aggregation(role) = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{tpl.Name}}
			create(t, role)
			waitRules(t, role, []rbacv1.PolicyRule{ownRule, templateRule}, map[string][]rbacv1.PolicyRule{tpl.Name: {templateRule}},
				"the role holds its own rules and the template's")

			update(t, tpl, func(tpl *iamv1beta1.RoleTemplate) { tpl.Spec.Rules = []rbacv1.PolicyRule{changedRule} })
			waitRules(t, role, []rbacv1.PolicyRule{ownRule, changedRule}, map[string][]rbacv1.PolicyRule{tpl.Name: {changedRule}},
				"a changed template changes the role")

			update(t, role, func(o client.Object) { *rules(o) = []rbacv1.PolicyRule{ownRule} })
			waitRules(t, role, []rbacv1.PolicyRule{ownRule, changedRule}, nil, "a template rule removed by hand comes back")

			remove(t, tpl)
			waitRules(t, role, []rbacv1.PolicyRule{ownRule}, map[string][]rbacv1.PolicyRule{}, "a deleted template takes its rules away")
		}},
		{"template rule also written by hand", func(t *testing.T, scope string, newRole func() client.Object) {
			// A rule the role holds that a selected template also holds
			// counts as the template's: it goes when the template goes.
			tpl := newRoleTemplate(t, scope, nil, templateRule)
			role := newRole()
			*rules(role) = []rbacv1.PolicyRule{templateRule, ownRule}
			*aggregation(role) = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{tpl.Name}}
			create(t, role)
			waitRules(t, role, []rbacv1.PolicyRule{ownRule, templateRule}, map[string][]rbacv1.PolicyRule{tpl.Name: {templateRule}},
				"the role holds each rule once")
			remove(t, tpl)
			waitRules(t, role, []rbacv1.PolicyRule{ownRule}, map[string][]rbacv1.PolicyRule{}, "the template takes the rule away")
		}},
		{"rego overrides of templates", func(t *testing.T, scope string, newRole func() client.Object) {
			// KubeSphere's "clusters view" and "clusters manage" templates
			// carry policies of this shape; both say "default allow = false".
			viewPolicy := "package authz\ndefault allow = false\nallow = true {\n  input.Verb == \"get\"\n}\n"
			managePolicy := "package authz\ndefault allow = false\nallow = true {\n  input.ResourceScope == \"Cluster\"\n}\n"
			withPolicy := func(policy string) *iamv1beta1.RoleTemplate {
				tpl := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: name("tpl"), Annotations: map[string]string{iamv1beta1.RegoOverrideAnnotation: policy}},
					Spec: iamv1beta1.RoleTemplateSpec{Rules: []rbacv1.PolicyRule{templateRule}}}
				create(t, tpl)
				return tpl
			}
			view, manage := withPolicy(viewPolicy), withPolicy(managePolicy)
			role, own := newRole(), newRole()
			for _, r := range []client.Object{role, own} {
				*aggregation(r) = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{view.Name, manage.Name}}
			}
			handWritten := "package authz\ndefault allow = true\n"
			own.SetAnnotations(map[string]string{iamv1beta1.RegoOverrideAnnotation: handWritten})
			create(t, role)
			create(t, own)
			waitOverride(t, role, []string{"default allow = false", `equal(input.Verb, "get")`, `equal(input.ResourceScope, "Cluster")`}, "the role carries both templates' rules once")
			waitRules(t, own, []rbacv1.PolicyRule{templateRule}, nil, "the other role is aggregated")
			assert.Equal(t, handWritten, own.GetAnnotations()[iamv1beta1.RegoOverrideAnnotation], "an override written by hand is kept")

			remove(t, manage)
			waitOverride(t, role, []string{"default allow = false", `equal(input.Verb, "get")`}, "a template that goes takes its rules away")
			remove(t, view)
			waitOverride(t, role, nil, "with no template left the override goes")
		}},
		{"invalid selector", func(t *testing.T, scope string, newRole func() client.Object) {
			// KubeSphere's schema accepts any selector; one that is not a
			// valid label selector leaves the role as it is.
			tpl := newRoleTemplate(t, scope, nil, templateRule)
			invalid, control := newRole(), newRole()
			*aggregation(invalid) = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{tpl.Name},
				RoleSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}}
			*aggregation(control) = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{tpl.Name}}
			*rules(invalid) = []rbacv1.PolicyRule{ownRule}
			create(t, invalid)
			create(t, control)
			waitRules(t, control, []rbacv1.PolicyRule{templateRule}, nil, "the control role is aggregated")
			require.True(t, exists(t, invalid))
			assert.Equal(t, []rbacv1.PolicyRule{ownRule}, *rules(invalid), "rules untouched")
			assert.Equal(t, []string{tpl.Name}, (*aggregation(invalid)).TemplateNames, "templateNames untouched")
			assert.NotContains(t, invalid.GetAnnotations(), "iam.spherekit.io/aggregated-rules")
		}},
		{"named template created later", func(t *testing.T, scope string, newRole func() client.Object) {
			tplName := name("tpl")
			role := newRole()
			*rules(role) = []rbacv1.PolicyRule{ownRule}
			*aggregation(role) = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{tplName}}
			create(t, role)
			waitRules(t, role, []rbacv1.PolicyRule{ownRule}, map[string][]rbacv1.PolicyRule{}, "a missing template aggregates nothing")
			tpl := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: tplName}, Spec: iamv1beta1.RoleTemplateSpec{Rules: []rbacv1.PolicyRule{templateRule}}}
			create(t, tpl)
			waitRules(t, role, []rbacv1.PolicyRule{ownRule, templateRule}, nil, "the template is aggregated once it exists")
		}},
		{"selected templates created later", func(t *testing.T, scope string, newRole func() client.Object) {
			// A role annotated auto-aggregate picks up a matching template
			// of its scope at once; one not annotated only when it changes
			// itself. A template of another scope is never selected.
			sel := map[string]string{"controllers-test/aggregate": name("sel")}
			auto, manual := newRole(), newRole()
			for _, r := range []client.Object{manual, auto} {
				*aggregation(r) = &iamv1beta1.AggregationRoleTemplates{RoleSelector: &metav1.LabelSelector{MatchLabels: sel}}
			}
			auto.SetAnnotations(map[string]string{iamv1beta1.AutoAggregateAnnotation: "true"})
			create(t, manual)
			create(t, auto)
			waitRules(t, auto, nil, map[string][]rbacv1.PolicyRule{}, "nothing selected yet")
			waitRules(t, manual, nil, map[string][]rbacv1.PolicyRule{}, "nothing selected yet")

			other := iamv1beta1.ScopeGlobal
			if scope == other {
				other = iamv1beta1.ScopeCluster
			}
			newRoleTemplate(t, other, sel, changedRule)
			tpl := newRoleTemplate(t, scope, sel, templateRule)
			waitRules(t, auto, []rbacv1.PolicyRule{templateRule}, map[string][]rbacv1.PolicyRule{tpl.Name: {templateRule}},
				"an auto-aggregating role picks up a new template of its scope")
			assert.Equal(t, []string{tpl.Name}, (*aggregation(auto)).TemplateNames, "templateNames says what the selector selected, as in KubeSphere")
			require.True(t, exists(t, manual))
			assert.Empty(t, *rules(manual), "a role not annotated auto-aggregate was not reconciled for the template")
			touch(t, manual)
			waitRules(t, manual, []rbacv1.PolicyRule{templateRule}, nil, "it aggregates the template when it changes")
		}},
	}
	for _, k := range kinds {
		t.Run(k.scope, func(t *testing.T) {
			ns := env.NewNamespace(t)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					tt.run(t, k.scope, func() client.Object { return k.new(ns) })
				})
			}
		})
	}
}
