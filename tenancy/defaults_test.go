package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

func TestDefaultsAreWellFormed(t *testing.T) {
	objs, err := tenancy.Defaults()
	require.NoError(t, err)
	kinds := map[string][]string{}
	for _, o := range objs {
		kinds[o.GetKind()] = append(kinds[o.GetKind()], o.GetName())
	}
	assert.ElementsMatch(t, []string{"platform-admin", "platform-regular", "platform-self-provisioner", "anonymous", "authenticated"}, kinds["GlobalRole"])
	assert.ElementsMatch(t, []string{"workspace-admin", "workspace-regular", "workspace-self-provisioner", "workspace-viewer", "project-admin", "project-operator", "project-viewer"}, kinds["BuiltinRole"])
	assert.NotEmpty(t, kinds["RoleTemplate"])
}

// TestEnsureDefaultsIsIdempotent applies the defaults again (TestMain did
// once) and checks nothing an administrator added is lost.
func TestEnsureDefaultsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, tc.EnsureDefaults(ctx))
	gr := &iamv1beta1.GlobalRole{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: iamv1beta1.PlatformAdmin}, gr))
	assert.NotEmpty(t, gr.Rules)
	eventually(t, func() bool {
		return exists(t, &rbacv1.ClusterRole{ObjectMeta: metaName("kubesphere:iam:global:" + iamv1beta1.PlatformAdmin)})
	}, "global role mirrored")
}

// TestRoleAggregation covers selection by name and by selector, additivity,
// auto-aggregation of templates created later and removal of the rules of a
// template no longer selected.
func TestRoleAggregation(t *testing.T) {
	ctx := context.Background()
	label := "iam.kubesphere.io/aggregate-to-" + name("custom")
	rule := func(res string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{res}, Verbs: []string{"get"}}
	}
	tpl := func(n, res string, labels map[string]string) *iamv1beta1.RoleTemplate {
		labels[iamv1beta1.ScopeLabel] = iamv1beta1.ScopeCluster
		t := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labels}, Spec: iamv1beta1.RoleTemplateSpec{Rules: []rbacv1.PolicyRule{rule(res)}}}
		return t
	}
	named := tpl(name("named"), "configmaps", map[string]string{})
	selected := tpl(name("selected"), "secrets", map[string]string{label: ""})
	otherScope := tpl(name("other"), "pods", map[string]string{label: ""})
	otherScope.Labels[iamv1beta1.ScopeLabel] = iamv1beta1.ScopeNamespace
	for _, o := range []*iamv1beta1.RoleTemplate{named, selected, otherScope} {
		require.NoError(t, env.Client.Create(ctx, o))
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), o) })
	}

	role := &iamv1beta1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name("agg"), Annotations: map[string]string{iamv1beta1.AutoAggregateAnnotation: "true"}},
		AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{
			TemplateNames: []string{named.Name},
			RoleSelector:  &metav1.LabelSelector{MatchLabels: map[string]string{label: ""}},
		},
		Rules: []rbacv1.PolicyRule{rule("services")},
	}
	require.NoError(t, env.Client.Create(ctx, role))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), role) })
	rulesOf := func() []rbacv1.PolicyRule {
		got := &iamv1beta1.ClusterRole{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(role), got))
		return got.Rules
	}
	eventually(t, func() bool { return len(rulesOf()) == 3 }, "own rule + named + selected, got %v", rulesOf())
	assert.ElementsMatch(t, []rbacv1.PolicyRule{rule("services"), rule("configmaps"), rule("secrets")}, rulesOf(), "the other scope's template is not selected")

	later := tpl(name("later"), "endpoints", map[string]string{label: ""})
	require.NoError(t, env.Client.Create(ctx, later))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), later) })
	eventually(t, func() bool { return len(rulesOf()) == 4 }, "auto-aggregate picks up a template created later")

	// Dropping the name takes that template's rules away, never the own rule.
	got := &iamv1beta1.ClusterRole{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(role), got))
	got.AggregationRoleTemplates.TemplateNames = nil
	require.NoError(t, env.Client.Update(ctx, got))
	eventually(t, func() bool { return len(rulesOf()) == 3 }, "named template's rules removed")
	assert.ElementsMatch(t, []rbacv1.PolicyRule{rule("services"), rule("secrets"), rule("endpoints")}, rulesOf())

	mirror := &rbacv1.ClusterRole{ObjectMeta: metaName("kubesphere:iam:" + role.Name)}
	eventually(t, func() bool { return exists(t, mirror) && len(mirror.Rules) == 3 }, "native mirror follows the aggregated rules")
}
