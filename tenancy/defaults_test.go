package tenancy_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// kubesphereDefaults reads testdata/kubesphere-v4.1.3/defaults.jsonl: the
// objects KubeSphere v4.1.3's ks-core chart ships in config/ks-core/templates/
// {roletemplate-categories,roletemplates,globalroles,clusterroles,builtinroles}.yaml,
// one JSON object per line, as withoutProse leaves them.
func kubesphereDefaults(t *testing.T) map[tenancy.DefaultObject]map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "kubesphere-v4.1.3", "defaults.jsonl"))
	require.NoError(t, err)
	out := map[tenancy.DefaultObject]map[string]any{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		o := map[string]any{}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &o))
		u := unstructured.Unstructured{Object: o}
		out[tenancy.DefaultObject{Kind: u.GetKind(), Name: u.GetName()}] = o
	}
	require.NoError(t, sc.Err())
	return out
}

// withoutProse drops what is spherekit's own in a default: a RoleTemplate's
// or Category's display name and description, and the text of the
// description annotation (its presence stays).
func withoutProse(o map[string]any) map[string]any {
	o = runtime.DeepCopyJSON(o)
	blank := func(path ...string) {
		if _, ok, _ := unstructured.NestedString(o, append(path, tenantv1beta1.DescriptionAnnotation)...); ok {
			_ = unstructured.SetNestedField(o, "", append(path, tenantv1beta1.DescriptionAnnotation)...)
		}
	}
	blank("metadata", "annotations")
	blank("role", "metadata", "annotations")
	unstructured.RemoveNestedField(o, "spec", "displayName")
	unstructured.RemoveNestedField(o, "spec", "description")
	if spec, ok, _ := unstructured.NestedMap(o, "spec"); ok && len(spec) == 0 {
		unstructured.RemoveNestedField(o, "spec")
	}
	return o
}

// withoutCreator drops KubeSphere's kubesphere.io/creator annotation, the
// one annotation Defaults leaves out on purpose (see its doc).
func withoutCreator(o map[string]any) map[string]any {
	o = runtime.DeepCopyJSON(o)
	for _, path := range [][]string{{"metadata"}, {"role", "metadata"}} {
		anns, ok, _ := unstructured.NestedStringMap(o, append(path, "annotations")...)
		if !ok {
			continue
		}
		delete(anns, tenantv1beta1.CreatorAnnotation)
		if len(anns) == 0 {
			unstructured.RemoveNestedField(o, append(path, "annotations")...)
		} else {
			_ = unstructured.SetNestedStringMap(o, anns, append(path, "annotations")...)
		}
	}
	return o
}

// TestDefaultsMatchKubeSphere checks that Defaults ships what KubeSphere
// v4.1.3 ships: the same objects by kind and name, with the same labels,
// annotation keys, annotation values other than descriptions (the console's
// role-template-rules and dependencies, the rego overrides), aggregation,
// target selectors and rules. The one exception is the creator annotation,
// which Defaults leaves out (see its doc).
func TestDefaultsMatchKubeSphere(t *testing.T) {
	objs, err := tenancy.Defaults()
	require.NoError(t, err)
	want := kubesphereDefaults(t)
	require.Len(t, want, 102, "the reference holds the chart's 102 objects")
	for ref, o := range want {
		want[ref] = withoutCreator(o)
	}
	got := map[tenancy.DefaultObject]map[string]any{}
	for _, o := range objs {
		ref := tenancy.DefaultObject{Kind: o.GetKind(), Name: o.GetName()}
		require.NotContains(t, got, ref, "shipped twice")
		got[ref] = withoutProse(o.Object)
		assert.NotContains(t, o.GetLabels(), tenancy.DefaultsLabel, "%s: Defaults returns KubeSphere's labels; EnsureDefaults adds its own", ref)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Defaults differ from KubeSphere v4.1.3's (-kubesphere +spherekit):\n%s", diff)
	}

	byKind := map[string][]string{}
	templatesByScope := map[string]int{}
	usedCategories := map[string]bool{}
	for _, o := range objs {
		byKind[o.GetKind()] = append(byKind[o.GetKind()], o.GetName())
		if o.GetKind() != "RoleTemplate" {
			continue
		}
		templatesByScope[o.GetLabels()[iamv1beta1.ScopeLabel]]++
		usedCategories[o.GetLabels()[iamv1beta1.CategoryLabel]] = true
		assert.Equal(t, "true", o.GetLabels()[tenantv1beta1.ManagedLabel], "%s is managed", o.GetName())
		assert.NotEmpty(t, o.GetLabels()[iamv1beta1.CategoryLabel], "%s has a category", o.GetName())
		// The console reads role-template-rules on a template as a map
		// from a resource group to "view", "manage" or "create".
		var ui map[string]string
		require.NoError(t, json.Unmarshal([]byte(o.GetAnnotations()[iamv1beta1.RoleTemplateRulesAnnotation]), &ui), o.GetName())
		assert.NotEmpty(t, ui, o.GetName())
	}
	assert.Equal(t, map[string]int{
		iamv1beta1.ScopeGlobal: 11, iamv1beta1.ScopeCluster: 19, iamv1beta1.ScopeWorkspace: 15, iamv1beta1.ScopeNamespace: 20,
	}, templatesByScope, "RoleTemplates per scope")
	assert.ElementsMatch(t, []string{"platform-admin", "platform-regular", "platform-self-provisioner", "anonymous", "authenticated", "pre-registration", "ks-console"}, byKind["GlobalRole"])
	assert.ElementsMatch(t, []string{"cluster-admin", "cluster-viewer"}, byKind["ClusterRole"])
	assert.ElementsMatch(t, []string{"workspace-admin", "workspace-regular", "workspace-self-provisioner", "workspace-viewer", "project-admin", "project-operator", "project-viewer"}, byKind["BuiltinRole"])
	assert.ElementsMatch(t, slices.Collect(maps.Keys(usedCategories)), byKind["Category"], "a Category for each category label")
	assert.Len(t, objs, 102)
	var kinds []string
	for _, o := range objs {
		if len(kinds) == 0 || kinds[len(kinds)-1] != o.GetKind() {
			kinds = append(kinds, o.GetKind())
		}
	}
	assert.Equal(t, []string{"Category", "RoleTemplate", "GlobalRole", "ClusterRole", "BuiltinRole"}, kinds, "templates before the roles that aggregate them")
}

// TestDefaultsDecodeIntoTheirKinds checks that every default decodes into
// its Go type and back without losing a field, and that the fields
// KubeSphere's schema requires are there even when empty (a GlobalRole's
// and a RoleTemplate's rules).
func TestDefaultsDecodeIntoTheirKinds(t *testing.T) {
	objs, err := tenancy.Defaults()
	require.NoError(t, err)
	for _, o := range objs {
		typed, err := env.Client.Scheme().New(o.GroupVersionKind())
		require.NoError(t, err, o.GetKind())
		require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, typed, true), "%s %s", o.GetKind(), o.GetName())
		switch o.GetKind() {
		case "GlobalRole", "ClusterRole":
			_, found, _ := unstructured.NestedSlice(o.Object, "rules")
			assert.True(t, found, "%s %s writes rules", o.GetKind(), o.GetName())
		case "RoleTemplate":
			_, found, _ := unstructured.NestedSlice(o.Object, "spec", "rules")
			assert.True(t, found, "RoleTemplate %s writes spec.rules", o.GetName())
		}
	}
}

// ensureDefaults runs EnsureDefaults with opts and fails the test on error.
func ensureDefaults(t *testing.T, opts tenancy.EnsureDefaultsOptions) *tenancy.EnsureDefaultsResult {
	t.Helper()
	res, err := tc.EnsureDefaults(context.Background(), opts)
	require.NoError(t, err)
	return res
}

// defaultRefs returns every default, in Defaults' order.
func defaultRefs(t *testing.T) []tenancy.DefaultObject {
	t.Helper()
	objs, err := tenancy.Defaults()
	require.NoError(t, err)
	var out []tenancy.DefaultObject
	for _, o := range objs {
		out = append(out, tenancy.DefaultObject{Kind: o.GetKind(), Name: o.GetName()})
	}
	return out
}

// TestEnsureDefaultsIsIdempotent: after TestMain's run every default is
// there, labelled as EnsureDefaults' own, and another run (with or without
// Repair) writes nothing.
func TestEnsureDefaultsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	all := defaultRefs(t)
	for _, opts := range []tenancy.EnsureDefaultsOptions{{}, {Repair: true}} {
		res := ensureDefaults(t, opts)
		assert.Equal(t, all, res.Unchanged, "Repair %v: every default holds its built-in values", opts.Repair)
		assert.Empty(t, res.Created, "created")
		assert.Empty(t, res.Repaired, "repaired")
		assert.Empty(t, res.Drifted, "drifted")
		assert.Empty(t, res.Skipped, "skipped")
	}
	objs, err := tenancy.Defaults()
	require.NoError(t, err)
	for _, o := range objs {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(o.GroupVersionKind())
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(o), live))
		assert.Equal(t, "true", live.GetLabels()[tenancy.DefaultsLabel], "%s %s is EnsureDefaults' own", o.GetKind(), o.GetName())
	}
	eventually(t, func() bool {
		return exists(t, &rbacv1.ClusterRole{ObjectMeta: metaName("kubesphere:iam:global:" + iamv1beta1.PlatformAdmin)})
	}, "global role mirrored")
}

// replaceDefault deletes the default obj names and waits until it is gone;
// the test's cleanup deletes whatever replaced it and lets EnsureDefaults
// create the default again.
func replaceDefault(t *testing.T, obj client.Object) {
	t.Helper()
	ctx := context.Background()
	gone := func() bool {
		cur := obj.DeepCopyObject().(client.Object)
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), cur)
		require.NoError(t, client.IgnoreNotFound(err))
		return apierrors.IsNotFound(err)
	}
	remove := func() {
		require.NoError(t, client.IgnoreNotFound(env.Client.Delete(ctx, obj.DeepCopyObject().(client.Object))))
		eventually(t, gone, "%s deleted", obj.GetName())
	}
	remove()
	t.Cleanup(func() {
		remove()
		res := ensureDefaults(t, tenancy.EnsureDefaultsOptions{})
		require.Len(t, res.Created, 1, "the default is back")
	})
}

// TestEnsureDefaultsCreatesWhatIsMissing: a default someone deleted is
// created again, labelled, with its built-in rules; nothing else is written.
func TestEnsureDefaultsCreatesWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	want := defaultGlobalRole(t, "ks-console")
	require.NoError(t, env.Client.Delete(ctx, &iamv1beta1.GlobalRole{ObjectMeta: metaName(want.Name)}))
	eventually(t, func() bool { return !exists(t, &iamv1beta1.GlobalRole{ObjectMeta: metaName(want.Name)}) }, "deleted")

	res := ensureDefaults(t, tenancy.EnsureDefaultsOptions{})
	assert.Equal(t, []tenancy.DefaultObject{{Kind: "GlobalRole", Name: want.Name}}, res.Created)
	assert.Len(t, res.Unchanged, len(defaultRefs(t))-1)
	got := &iamv1beta1.GlobalRole{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: want.Name}, got))
	assert.Equal(t, want.Rules, got.Rules)
	assert.Equal(t, "true", got.Labels[tenancy.DefaultsLabel])
}

// TestEnsureDefaultsLeavesWhatItDoesNotOwn: an object of a default's name
// that EnsureDefaults did not create (no DefaultsLabel), such as KubeSphere's
// own role or an administrator's, is never written, not even with Repair:
// it is reported as skipped, keeps its rules and gets no label.
func TestEnsureDefaultsLeavesWhatItDoesNotOwn(t *testing.T) {
	ctx := context.Background()
	extra := rbacv1.PolicyRule{APIGroups: []string{"example.com"}, Resources: []string{"widgets"}, Verbs: []string{"get"}}
	tests := []struct {
		name  string
		ref   tenancy.DefaultObject
		there func() client.Object
	}{
		{"KubeSphere's own pre-registration, as its chart ships it", tenancy.DefaultObject{Kind: "GlobalRole", Name: "pre-registration"}, func() client.Object {
			r := defaultGlobalRole(t, "pre-registration")
			r.Labels = map[string]string{"app.kubernetes.io/managed-by": "Helm"}
			return r
		}},
		{"an administrator's ks-console with an extra rule and a description", tenancy.DefaultObject{Kind: "GlobalRole", Name: "ks-console"}, func() client.Object {
			r := defaultGlobalRole(t, "ks-console")
			r.Rules = append(r.Rules, extra)
			r.Annotations = map[string]string{tenantv1beta1.DescriptionAnnotation: "ours"}
			return r
		}},
		{"a RoleTemplate of the same name granting something else", tenancy.DefaultObject{Kind: "RoleTemplate", Name: "cluster-view-components"}, func() client.Object {
			return &iamv1beta1.RoleTemplate{
				ObjectMeta: metav1.ObjectMeta{Name: "cluster-view-components", Labels: map[string]string{iamv1beta1.ScopeLabel: iamv1beta1.ScopeCluster}},
				Spec:       iamv1beta1.RoleTemplateSpec{Rules: []rbacv1.PolicyRule{extra}},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.there()
			replaceDefault(t, obj)
			require.NoError(t, env.Client.Create(ctx, obj, client.FieldOwner("kubectl-create")))
			before := obj.DeepCopyObject().(client.Object)
			require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(obj), before))

			for _, opts := range []tenancy.EnsureDefaultsOptions{{}, {Repair: true}} {
				res := ensureDefaults(t, opts)
				assert.Equal(t, []tenancy.DefaultObject{tt.ref}, res.Skipped, "Repair %v", opts.Repair)
				assert.NotContains(t, res.Created, tt.ref)
				assert.NotContains(t, res.Repaired, tt.ref)
			}
			after := obj.DeepCopyObject().(client.Object)
			require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(obj), after))
			assert.Equal(t, before.GetResourceVersion(), after.GetResourceVersion(), "not written")
			assert.NotContains(t, after.GetLabels(), tenancy.DefaultsLabel, "not taken over")
			if r, ok := after.(*iamv1beta1.GlobalRole); ok {
				assert.Equal(t, obj.(*iamv1beta1.GlobalRole).Rules, r.Rules, "its rules are kept")
			}
		})
	}
}

// TestEnsureDefaultsRepairsOnlyOnRequest checks EnsureDefaults on its own
// roles that an administrator changed after it created them, each change
// written as kubectl writes it (a patch under kubectl's field manager):
// a change to what the defaults set is reported as drift and stays until
// Repair resets it; what the defaults do not set (a label, an annotation,
// a rule added to a role that aggregates templates) is kept even by Repair.
func TestEnsureDefaultsRepairsOnlyOnRequest(t *testing.T) {
	ctx := context.Background()
	extraRule := rbacv1.PolicyRule{APIGroups: []string{"example.com"}, Resources: []string{"widgets"}, Verbs: []string{"get"}}
	extraURL := rbacv1.PolicyRule{NonResourceURLs: []string{"/example"}, Verbs: []string{"get"}}
	tests := []struct {
		name   string
		role   string
		change adminChange
		drift  bool
	}{
		{"rule added to a role whose rules are built in", iamv1beta1.PlatformRegular, addRule(extraRule), true},
		{"changed description", iamv1beta1.PlatformAdmin, setAnnotation(tenantv1beta1.DescriptionAnnotation, "changed by an administrator"), true},
		{"changed rego override", iamv1beta1.PlatformAdmin, setAnnotation("iam.kubesphere.io/rego-override", "package authz\ndefault allow = true"), true},
		{"label added", iamv1beta1.PlatformRegular, setLabel("example.com/team", "platform"), false},
		{"annotation added", iamv1beta1.Anonymous, setAnnotation("example.com/note", "ask the platform team"), false},
		{"rule added to a role that aggregates templates", iamv1beta1.PlatformAdmin, addRule(extraURL), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := defaultGlobalRole(t, tt.role)
			ref := tenancy.DefaultObject{Kind: "GlobalRole", Name: tt.role}
			key := client.ObjectKey{Name: tt.role}
			get := func() *iamv1beta1.GlobalRole {
				got := &iamv1beta1.GlobalRole{}
				require.NoError(t, env.Client.Get(ctx, key, got))
				return got
			}
			t.Cleanup(func() {
				patchAsAdmin(t, key, tt.change.manager, tt.change.undo)
				ensureDefaults(t, tenancy.EnsureDefaultsOptions{Repair: true})
			})

			patchAsAdmin(t, key, tt.change.manager, tt.change.do)
			require.True(t, tt.change.done(get()), "the administrator's change is in place")

			res := ensureDefaults(t, tenancy.EnsureDefaultsOptions{})
			if tt.drift {
				assert.Contains(t, res.Drifted, ref, "reported")
			} else {
				assert.Contains(t, res.Unchanged, ref, "not drift")
			}
			assert.True(t, tt.change.done(get()), "without Repair nothing is written")

			res = ensureDefaults(t, tenancy.EnsureDefaultsOptions{Repair: true})
			got := get()
			if tt.drift {
				assert.Equal(t, []tenancy.DefaultObject{ref}, res.Repaired, "repaired")
				assert.False(t, tt.change.done(got), "Repair resets what the defaults set; got annotations %v, rules %v", got.Annotations, got.Rules)
			} else {
				assert.Empty(t, res.Repaired)
				assert.True(t, tt.change.done(got), "Repair keeps what the defaults do not set; got labels %v, annotations %v, rules %v", got.Labels, got.Annotations, got.Rules)
			}
			// Whatever the administrator did, every field the defaults set
			// holds its built-in value now.
			for k, v := range want.Annotations {
				assert.Equal(t, v, got.Annotations[k], "annotation %s", k)
			}
			if want.AggregationRoleTemplates == nil {
				assert.Equal(t, want.Rules, got.Rules, "built-in rules")
			} else {
				for _, r := range want.Rules {
					assert.Contains(t, got.Rules, r, "built-in rule")
				}
			}
			assert.Equal(t, "true", got.Labels[tenancy.DefaultsLabel])
			assert.Contains(t, ensureDefaults(t, tenancy.EnsureDefaultsOptions{}).Unchanged, ref, "in step after the repair")
		})
	}
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

// TestRoleAggregation covers selection by name and by selector as
// KubeSphere does it (a selector chooses alone and its choice is written to
// templateNames), additivity, auto-aggregation of templates created later
// and removal of the rules of a template no longer selected.
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

	newRole := func(agg *iamv1beta1.AggregationRoleTemplates) *iamv1beta1.ClusterRole {
		role := &iamv1beta1.ClusterRole{
			ObjectMeta:               metav1.ObjectMeta{Name: name("agg"), Annotations: map[string]string{iamv1beta1.AutoAggregateAnnotation: "true"}},
			AggregationRoleTemplates: agg,
			Rules:                    []rbacv1.PolicyRule{rule("services")},
		}
		require.NoError(t, env.Client.Create(ctx, role))
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), role) })
		return role
	}
	read := func(role *iamv1beta1.ClusterRole) *iamv1beta1.ClusterRole {
		got := &iamv1beta1.ClusterRole{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(role), got))
		return got
	}
	rulesOf := func(role *iamv1beta1.ClusterRole) []rbacv1.PolicyRule { return read(role).Rules }

	// A selector chooses alone: the name beside it is not aggregated, and
	// templateNames becomes what the selector chose.
	bySelector := newRole(&iamv1beta1.AggregationRoleTemplates{
		TemplateNames: []string{named.Name},
		RoleSelector:  &metav1.LabelSelector{MatchLabels: map[string]string{label: ""}},
	})
	eventually(t, func() bool { return len(rulesOf(bySelector)) == 2 }, "own rule + selected")
	assert.ElementsMatch(t, []rbacv1.PolicyRule{rule("services"), rule("secrets")}, rulesOf(bySelector), "neither the named template nor the other scope's is aggregated")
	assert.Equal(t, []string{selected.Name}, read(bySelector).AggregationRoleTemplates.TemplateNames)

	later := tpl(name("later"), "endpoints", map[string]string{label: ""})
	require.NoError(t, env.Client.Create(ctx, later))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), later) })
	eventually(t, func() bool { return len(rulesOf(bySelector)) == 3 }, "auto-aggregate picks up a template created later")
	assert.ElementsMatch(t, []string{selected.Name, later.Name}, read(bySelector).AggregationRoleTemplates.TemplateNames)

	// Without a selector, the named templates are aggregated; dropping a
	// name takes that template's rules away, never the own rule.
	byName := newRole(&iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{named.Name, selected.Name}})
	eventually(t, func() bool { return len(rulesOf(byName)) == 3 }, "own rule + named")
	assert.ElementsMatch(t, []rbacv1.PolicyRule{rule("services"), rule("configmaps"), rule("secrets")}, rulesOf(byName))
	got := read(byName)
	got.AggregationRoleTemplates.TemplateNames = []string{selected.Name}
	require.NoError(t, env.Client.Update(ctx, got))
	eventually(t, func() bool { return len(rulesOf(byName)) == 2 }, "named template's rules removed")
	assert.ElementsMatch(t, []rbacv1.PolicyRule{rule("services"), rule("secrets")}, rulesOf(byName))

	mirror := &rbacv1.ClusterRole{ObjectMeta: metaName("kubesphere:iam:" + byName.Name)}
	eventually(t, func() bool { return exists(t, mirror) && len(mirror.Rules) == 2 }, "native mirror follows the aggregated rules")
}
