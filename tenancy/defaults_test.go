package tenancy_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
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

// TestEnsureDefaultsIsIdempotent checks EnsureDefaults' contract on roles
// an administrator changed after it ran (TestMain ran it once): what the
// defaults do not set, such as a label, an annotation or a rule added to an
// aggregated role, is kept; what they do set, such as the description or the
// rules of platform-admin, is reset to its built-in value. Each change is
// written as kubectl writes it: a patch under kubectl's field manager.
func TestEnsureDefaultsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	extraRule := rbacv1.PolicyRule{APIGroups: []string{"example.com"}, Resources: []string{"widgets"}, Verbs: []string{"get"}}
	extraURL := rbacv1.PolicyRule{NonResourceURLs: []string{"/example"}, Verbs: []string{"get"}}
	tests := []struct {
		name   string
		role   string
		change adminChange
		kept   bool
	}{
		{"label added to a global role is kept", iamv1beta1.PlatformRegular, setLabel("example.com/team", "platform"), true},
		{"annotation added to a global role is kept", iamv1beta1.PlatformAdmin, setAnnotation("example.com/note", "ask the platform team"), true},
		{"rule added to an aggregated role is kept", iamv1beta1.PlatformRegular, addRule(extraRule), true},
		{"changed description is reset", iamv1beta1.PlatformAdmin, setAnnotation(tenantv1beta1.DescriptionAnnotation, "changed by an administrator"), false},
		{"rule added to a role whose rules are built in is reset", iamv1beta1.PlatformAdmin, addRule(extraURL), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := defaultGlobalRole(t, tt.role)
			key := client.ObjectKey{Name: tt.role}
			t.Cleanup(func() {
				patchAsAdmin(t, key, tt.change.manager, tt.change.undo)
				require.NoError(t, tc.EnsureDefaults(context.Background()))
			})

			patchAsAdmin(t, key, tt.change.manager, tt.change.do)
			got := &iamv1beta1.GlobalRole{}
			require.NoError(t, env.Client.Get(ctx, key, got))
			require.True(t, tt.change.done(got), "the administrator's change is in place before EnsureDefaults")

			require.NoError(t, tc.EnsureDefaults(ctx))
			got = &iamv1beta1.GlobalRole{}
			require.NoError(t, env.Client.Get(ctx, key, got))
			if tt.kept {
				assert.True(t, tt.change.done(got), "EnsureDefaults keeps what the defaults do not set; got labels %v, annotations %v, rules %v", got.Labels, got.Annotations, got.Rules)
			} else {
				assert.False(t, tt.change.done(got), "EnsureDefaults resets what the defaults set; got annotations %v, rules %v", got.Annotations, got.Rules)
			}
			// Whatever the administrator did, every field the defaults set
			// holds its built-in value.
			for k, v := range want.Annotations {
				assert.Equal(t, v, got.Annotations[k], "annotation %s", k)
			}
			if want.Rules != nil {
				assert.Equal(t, want.Rules, got.Rules, "built-in rules")
			}
			assert.Equal(t, want.AggregationRoleTemplates, got.AggregationRoleTemplates, "aggregationRoleTemplates")
		})
	}
	eventually(t, func() bool {
		return exists(t, &rbacv1.ClusterRole{ObjectMeta: metaName("kubesphere:iam:global:" + iamv1beta1.PlatformAdmin)})
	}, "global role mirrored")
}

// adminChange is a change an administrator makes to a role with kubectl,
// how to take it back, and whether a role shows it.
type adminChange struct {
	manager  string // kubectl's field manager for the command
	do, undo func(*iamv1beta1.GlobalRole)
	done     func(*iamv1beta1.GlobalRole) bool
}

// setLabel is kubectl label --overwrite.
func setLabel(k, v string) adminChange {
	return setMapEntry("kubectl-label", k, v, func(r *iamv1beta1.GlobalRole) *map[string]string { return &r.Labels })
}

// setAnnotation is kubectl annotate --overwrite.
func setAnnotation(k, v string) adminChange {
	return setMapEntry("kubectl-annotate", k, v, func(r *iamv1beta1.GlobalRole) *map[string]string { return &r.Annotations })
}

// setMapEntry sets k to v in the labels or annotations m picks; undo puts
// back the value it had before.
func setMapEntry(manager, k, v string, m func(*iamv1beta1.GlobalRole) *map[string]string) adminChange {
	var before *string
	return adminChange{
		manager: manager,
		do: func(r *iamv1beta1.GlobalRole) {
			mp := m(r)
			if old, ok := (*mp)[k]; ok {
				before = &old
			}
			if *mp == nil {
				*mp = map[string]string{}
			}
			(*mp)[k] = v
		},
		undo: func(r *iamv1beta1.GlobalRole) {
			mp := m(r)
			switch {
			case before == nil:
				delete(*mp, k)
			case *mp == nil:
				*mp = map[string]string{k: *before}
			default:
				(*mp)[k] = *before
			}
		},
		done: func(r *iamv1beta1.GlobalRole) bool { return (*m(r))[k] == v },
	}
}

// addRule is kubectl edit appending a rule.
func addRule(rule rbacv1.PolicyRule) adminChange {
	return adminChange{
		manager: "kubectl-edit",
		do:      func(r *iamv1beta1.GlobalRole) { r.Rules = append(r.Rules, rule) },
		undo: func(r *iamv1beta1.GlobalRole) {
			r.Rules = slices.DeleteFunc(r.Rules, func(x rbacv1.PolicyRule) bool { return reflect.DeepEqual(x, rule) })
		},
		done: func(r *iamv1beta1.GlobalRole) bool {
			return slices.ContainsFunc(r.Rules, func(x rbacv1.PolicyRule) bool { return reflect.DeepEqual(x, rule) })
		},
	}
}

// patchAsAdmin changes the global role key with a merge patch under field
// manager, retrying when the role changed meanwhile (the aggregation
// controller writes aggregated roles).
func patchAsAdmin(t *testing.T, key client.ObjectKey, manager string, change func(*iamv1beta1.GlobalRole)) {
	t.Helper()
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		r := &iamv1beta1.GlobalRole{}
		if err := env.Client.Get(ctx, key, r); err != nil {
			return err
		}
		before := r.DeepCopy()
		change(r)
		return env.Client.Patch(ctx, r, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}), client.FieldOwner(manager))
	})
	require.NoError(t, err, "patch %s as %s", key.Name, manager)
}

// defaultGlobalRole returns the built-in global role name as Defaults has it.
func defaultGlobalRole(t *testing.T, name string) *iamv1beta1.GlobalRole {
	t.Helper()
	objs, err := tenancy.Defaults()
	require.NoError(t, err)
	for _, o := range objs {
		if o.GetKind() == "GlobalRole" && o.GetName() == name {
			r := &iamv1beta1.GlobalRole{}
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, r))
			return r
		}
	}
	require.FailNow(t, "no built-in global role "+name)
	return nil
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
