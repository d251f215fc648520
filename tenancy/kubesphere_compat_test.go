package tenancy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// The tests in this file write objects exactly as KubeSphere 4.x (its
// controllers, its API or its chart) writes them, from the YAML under
// testdata/kubesphere (each file names the KubeSphere source showing the
// shape), and check that spherekit's Client and controllers handle them.

// renderFixture renders testdata/kubesphere/file with vars.
func renderFixture(t *testing.T, file string, vars map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "kubesphere", file))
	require.NoError(t, err)
	tpl, err := template.New(file).Option("missingkey=error").Parse(string(raw))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, tpl.Execute(&out, vars))
	return out.Bytes()
}

// fixture returns the objects of testdata/kubesphere/file rendered with
// vars, as written there.
func fixture(t *testing.T, file string, vars map[string]string) []*unstructured.Unstructured {
	t.Helper()
	docs := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(renderFixture(t, file, vars)), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		err := docs.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err, "decode %s", file)
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// createFixture creates the objects of testdata/kubesphere/file rendered
// with vars and deletes them when the test ends.
func createFixture(t *testing.T, file string, vars map[string]string) []*unstructured.Unstructured {
	t.Helper()
	objs := fixture(t, file, vars)
	for _, o := range objs {
		require.NoError(t, env.Client.Create(context.Background(), o), "create %s %s", o.GetKind(), o.GetName())
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), o) })
	}
	return objs
}

// apiServerAllows asks the API server (native RBAC) whether user, in
// groups, may verb resource (core group) in namespace ns ("" for the
// cluster).
func apiServerAllows(t *testing.T, user string, groups []string, verb, resource, ns string) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               user,
		Groups:             groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Resource: resource},
	}}
	require.NoError(t, env.Client.Create(context.Background(), sar))
	return sar.Status.Allowed
}

// TestKubeSphereBindingsGrant: global, workspace and project bindings with
// User and Group subjects in iam.kubesphere.io, as KubeSphere writes them,
// are mirrored into native RBAC (where the subjects' group must be
// rbac.authorization.k8s.io), so the API server grants what they say, and
// the authorizer reads them as users and groups too.
func TestKubeSphereBindingsGrant(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	p := newProject(t, ws, "")
	vars := map[string]string{"Name": name("ksb"), "User": name("ksu"), "Group": name("ksg"), "Workspace": ws, "Project": p}
	objs := createFixture(t, "member-bindings.yaml", vars)
	user, group := vars["User"], vars["Group"]

	checks := []struct {
		what     string
		user     string
		groups   []string
		verb     string
		resource string
		ns       string
	}{
		{"global role binding, User subject", user, nil, "get", "nodes", ""},
		{"workspace role binding mirrored into the project, User subject", user, nil, "list", "configmaps", p},
		{"workspace role binding mirrored into the project, Group subject", name("other"), []string{group}, "list", "configmaps", p},
		{"project role binding, User subject", user, nil, "get", "secrets", p},
	}
	for _, c := range checks {
		eventually(t, func() bool { return apiServerAllows(t, c.user, c.groups, c.verb, c.resource, c.ns) },
			"the API server allows %s (%s %s in %q)", c.what, c.verb, c.resource, c.ns)
	}
	assert.False(t, apiServerAllows(t, name("nobody"), nil, "get", "secrets", p), "a stranger is not allowed")

	// The mirrors name their subjects in the native group.
	var mirrors rbacv1.RoleBindingList
	require.NoError(t, env.Client.List(ctx, &mirrors, client.InNamespace(p)))
	found := 0
	for _, m := range mirrors.Items {
		for _, s := range m.Subjects {
			if s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind {
				found++
				assert.Equal(t, rbacv1.GroupName, s.APIGroup, "native binding %s subject %s", m.Name, s.Name)
			}
		}
	}
	assert.GreaterOrEqual(t, found, 3, "mirrored project bindings with User or Group subjects")

	// The authorizer reads the same objects (offline) as users and groups.
	var in []byte
	for _, o := range objs {
		b, err := o.MarshalJSON()
		require.NoError(t, err)
		in = append(append(in, b...), '\n')
	}
	decoded, err := authz.DecodeObjects(bytes.NewReader(in))
	require.NoError(t, err)
	nsObj := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, nsObj))
	nsObj.APIVersion, nsObj.Kind = "v1", "Namespace"
	az, err := authz.NewFromObjects(append(decoded, nsObj)...)
	require.NoError(t, err)
	for _, c := range checks {
		a := authz.Attributes{User: authz.User{Name: c.user, Groups: c.groups}, Verb: c.verb, Resource: c.resource, Namespace: c.ns}
		d, err := az.Authorize(ctx, a)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "the authorizer allows %s", c.what)
	}
}

// managerBindings returns the names of manager's WorkspaceRoleBindings in
// workspace ws.
func managerBindings(t *testing.T, ws, manager string) []string {
	t.Helper()
	var list iamv1beta1.WorkspaceRoleBindingList
	require.NoError(t, env.Client.List(context.Background(), &list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}))
	var out []string
	for _, b := range list.Items {
		if !b.DeletionTimestamp.IsZero() {
			continue
		}
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.UserKind && s.Name == manager {
				out = append(out, b.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// deleteWorkspaceAtEnd deletes workspace ws and its projects when the test
// ends.
func deleteWorkspaceAtEnd(t *testing.T, ws string) {
	t.Cleanup(func() {
		_ = tc.DeleteWorkspace(context.Background(), ws, tenancy.DeleteWorkspaceOptions{Propagation: tenantv1beta1.DeletionPropagationBackground})
	})
}

// TestManagerBoundOnceUnderKubeSphereName: the manager's binding is
// KubeSphere's "<workspace>-admin", whoever writes the workspace, and the
// manager is bound once: a binding KubeSphere's controller made is kept, and
// one under spherekit's earlier name "<manager>-<workspace>-admin" is
// replaced.
func TestManagerBoundOnceUnderKubeSphereName(t *testing.T) {
	ctx := context.Background()
	wait := func(t *testing.T, ws string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, err := tc.WaitForWorkspace(wctx, ws)
		require.NoError(t, err, "WaitForWorkspace finds KubeSphere's manager binding")
	}
	t.Run("Client", func(t *testing.T) {
		manager := newUser(t, "mgr")
		ws := newWorkspace(t, manager)
		assert.Equal(t, []string{ws + "-admin"}, managerBindings(t, ws, manager))
		// Setting the role the manager holds changes nothing.
		require.NoError(t, tc.AddMember(ctx, tenancy.Workspace(ws), manager, "admin"))
		members, err := tc.ListMembers(ctx, tenancy.Workspace(ws))
		require.NoError(t, err)
		assert.Equal(t, []tenancy.Member{{User: manager, Role: "admin"}}, members)
		assert.Equal(t, []string{ws + "-admin"}, managerBindings(t, ws, manager))
	})
	t.Run("KubeSphere's binding exists", func(t *testing.T) {
		vars := map[string]string{"Workspace": name("ksws"), "Manager": newUser(t, "mgr")}
		ws, manager := vars["Workspace"], vars["Manager"]
		deleteWorkspaceAtEnd(t, ws)
		createFixture(t, "manager-binding.yaml", vars)
		createFixture(t, "workspace-template.yaml", vars)
		wait(t, ws)
		eventually(t, func() bool {
			return slices.Equal(managerBindings(t, ws, manager), []string{ws + "-admin"})
		}, "the manager is bound once, by KubeSphere's binding (have %v)", managerBindings(t, ws, manager))
	})
	t.Run("spherekit's earlier binding exists", func(t *testing.T) {
		vars := map[string]string{"Workspace": name("ksws"), "Manager": newUser(t, "mgr")}
		ws, manager := vars["Workspace"], vars["Manager"]
		deleteWorkspaceAtEnd(t, ws)
		old := &iamv1beta1.WorkspaceRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: manager + "-" + ws + "-admin", Labels: map[string]string{
				tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.UserReferenceLabel: manager, iamv1beta1.RoleReferenceLabel: ws + "-admin",
			}},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: manager}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: ws + "-admin"},
		}
		require.NoError(t, env.Client.Create(ctx, old))
		createFixture(t, "workspace-template.yaml", vars)
		wait(t, ws)
		eventually(t, func() bool {
			return slices.Equal(managerBindings(t, ws, manager), []string{ws + "-admin"})
		}, "the earlier binding is replaced by KubeSphere's (have %v)", managerBindings(t, ws, manager))
	})
}

// TestProjectsKubeSphereWay: CreateProject marks the namespace managed, so
// KubeSphere's project BuiltinRoles (and the defaults) stamp its roles, and
// WaitForProject returns only once they exist; a namespace in a workspace
// but not managed gets none, and WaitForProject says so instead of
// succeeding; a project KubeSphere set up (with its finalizer) can be
// deleted.
func TestProjectsKubeSphereWay(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")

	t.Run("CreateProject", func(t *testing.T) {
		p := name("proj")
		ns, err := tc.CreateProject(ctx, ws, p, tenancy.CreateProjectOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
		assert.Equal(t, "true", ns.Labels[tenantv1beta1.ManagedLabel])
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, err = tc.WaitForProject(wctx, p)
		require.NoError(t, err)
		for _, role := range []string{"admin", "operator", "viewer"} {
			assert.True(t, exists(t, &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: p}}), "project role %s exists when WaitForProject returns", role)
		}
	})

	t.Run("not managed", func(t *testing.T) {
		vars := map[string]string{"Project": name("proj"), "Workspace": ws}
		createFixture(t, "unmanaged-namespace.yaml", vars)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := tc.WaitForProject(wctx, vars["Project"])
		var invalid *tenancy.InvalidError
		require.ErrorAs(t, err, &invalid, "WaitForProject does not report success for a namespace that gets no roles")
		assert.Equal(t, "project", invalid.Field)
		time.Sleep(time.Second) // the controller has seen the namespace by now
		var roles iamv1beta1.RoleList
		require.NoError(t, env.Client.List(ctx, &roles, client.InNamespace(vars["Project"])))
		assert.Empty(t, roles.Items, "no project roles in a namespace that is not managed, as in KubeSphere")
	})

	t.Run("set up by KubeSphere, deleted", func(t *testing.T) {
		vars := map[string]string{"Project": name("proj"), "Workspace": ws, "Creator": newUser(t, "creator")}
		objs := createFixture(t, "project-namespace.yaml", vars)
		require.NoError(t, env.Client.Delete(ctx, objs[0]))
		eventually(t, func() bool {
			return !exists(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: vars["Project"]}})
		}, "the namespace with KubeSphere's finalizer is deleted")
	})
}

// TestWorkspacePlacementKubeSphereWay: a template's placement decides
// whether this cluster (KubeSphere's host cluster "host") gets its
// Workspace, as KubeSphere decides it; CreateWorkspace places workspaces
// so that both KubeSphere and spherekit put them here; a template the
// Client wrote before, with an empty placement and its Workspace, keeps
// its Workspace.
func TestWorkspacePlacementKubeSphereWay(t *testing.T) {
	ctx := context.Background()
	workspaceExists := func(ws string) bool {
		return exists(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}})
	}

	t.Run("CreateWorkspace", func(t *testing.T) {
		ws := newWorkspace(t, "")
		tpl := &tenantv1beta1.WorkspaceTemplate{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, tpl))
		assert.Empty(t, tpl.Spec.Placement.Clusters)
		require.NotNil(t, tpl.Spec.Placement.ClusterSelector, "placement.clusterSelector {} as KubeSphere's system-workspace")
		assert.Equal(t, metav1.LabelSelector{}, *tpl.Spec.Placement.ClusterSelector)
	})

	for _, tt := range []struct {
		placement string
		placed    bool
	}{
		{`{clusterSelector: {}}`, true},
		{`{clusters: [{name: host}]}`, true},
		{`{clusterSelector: {matchLabels: {cluster-role.kubesphere.io/host: ""}}}`, true},
		{`{}`, false},
		{`{clusters: [{name: member-1}]}`, false},
		{`{clusterSelector: {matchLabels: {region: eu}}}`, false},
	} {
		t.Run(tt.placement, func(t *testing.T) {
			ws := name("place")
			createFixture(t, "workspace-template-placed.yaml", map[string]string{"Workspace": ws, "Placement": tt.placement})
			deleteWorkspaceAtEnd(t, ws)
			if tt.placed {
				eventually(t, func() bool { return workspaceExists(ws) }, "workspace %s placed here", ws)
				return
			}
			time.Sleep(2 * time.Second)
			assert.False(t, workspaceExists(ws), "no workspace for a template placed elsewhere")
		})
	}

	t.Run("written by an earlier Client", func(t *testing.T) {
		ws := name("place")
		createFixture(t, "workspace-template-placed.yaml", map[string]string{"Workspace": ws, "Placement": "{}"})
		deleteWorkspaceAtEnd(t, ws)
		tpl := &tenantv1beta1.WorkspaceTemplate{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, tpl))
		// What spherekit's controller made of it before: a Workspace the
		// template controls.
		w := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}}
		require.NoError(t, controllerutil.SetControllerReference(tpl, w, env.Client.Scheme()))
		require.NoError(t, env.Client.Create(ctx, w))
		eventually(t, func() bool {
			got := &tenantv1beta1.WorkspaceTemplate{}
			return env.Client.Get(ctx, client.ObjectKey{Name: ws}, got) == nil && got.Spec.Placement.ClusterSelector != nil
		}, "the template is placed with clusterSelector {}")
		time.Sleep(time.Second)
		assert.True(t, workspaceExists(ws), "its workspace stays")
	})
}

// gone reports whether obj (name and namespace set) no longer exists.
func gone(t *testing.T, obj client.Object) func() bool {
	return func() bool { return !exists(t, obj.DeepCopyObject().(client.Object)) }
}

// TestKubeSphereFinalizersCompleteDeletion: iam objects carrying
// KubeSphere's finalizers are deleted under spherekit's controllers, with
// the cleanup those finalizers stand for: a deleted group takes its group
// bindings and role bindings with it, and its users leave it.
func TestKubeSphereFinalizersCompleteDeletion(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	vars := map[string]string{"Name": name("ksf"), "User": newUser(t, "ksu"), "Group": name("ksg"), "Workspace": ws}
	objs := createFixture(t, "finalized-iam.yaml", vars)
	byKind := map[string][]client.Object{}
	for _, o := range objs {
		byKind[o.GetKind()] = append(byKind[o.GetKind()], o)
	}
	userGroups := func() []string {
		u := &iamv1beta1.User{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: vars["User"]}, u))
		return u.Spec.Groups
	}
	eventually(t, func() bool { return slices.Contains(userGroups(), vars["Group"]) }, "the user joins the group")

	// The group goes, and with it its binding to the user and its role
	// binding; the user leaves it.
	require.NoError(t, env.Client.Delete(ctx, byKind["Group"][0]))
	for _, o := range append(byKind["Group"], byKind["GroupBinding"]...) {
		eventually(t, gone(t, o), "%s %s is deleted", o.GetObjectKind().GroupVersionKind().Kind, o.GetName())
	}
	groupRoleBinding := &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: vars["Group"] + "-" + ws + "-" + vars["Name"]}}
	eventually(t, gone(t, groupRoleBinding), "the group's role binding is deleted with it")
	eventually(t, func() bool { return !slices.Contains(userGroups(), vars["Group"]) }, "the user leaves the deleted group")

	// Roles and bindings with KubeSphere's finalizers are deleted.
	for _, kind := range []string{"GlobalRoleBinding", "WorkspaceRoleBinding", "GlobalRole", "WorkspaceRole"} {
		for _, o := range byKind[kind] {
			if err := env.Client.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
				require.NoError(t, err)
			}
			eventually(t, gone(t, o), "%s %s is deleted", kind, o.GetName())
		}
	}
}

// TestWorkspaceDeletionKubeSphereWay: a workspace KubeSphere set up (its
// template with KubeSphere's finalizer, a Workspace without owner
// reference, projects with KubeSphere's finalizer) is deleted the way
// KubeSphere's API deletes it, annotating the template with the
// propagation policy and deleting it: the template, the Workspace and, as
// the policy says, the projects go (Background) or stay without their
// workspace label (Orphan, also when no policy is given).
func TestWorkspaceDeletionKubeSphereWay(t *testing.T) {
	ctx := context.Background()
	for _, policy := range []string{tenantv1beta1.DeletionPropagationBackground, tenantv1beta1.DeletionPropagationOrphan, ""} {
		t.Run("policy "+policy, func(t *testing.T) {
			ws := name("ksdel")
			objs := createFixture(t, "workspace-set-up.yaml", map[string]string{"Workspace": ws})
			var projects []string
			for range 2 {
				p := name("proj")
				createFixture(t, "project-namespace.yaml", map[string]string{"Project": p, "Workspace": ws, "Creator": "admin"})
				projects = append(projects, p)
			}
			tpl := &tenantv1beta1.WorkspaceTemplate{}
			require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, tpl))
			if policy != "" {
				// pkg/models/tenant/tenant.go DeleteWorkspaceTemplate.
				if tpl.Annotations == nil {
					tpl.Annotations = map[string]string{}
				}
				tpl.Annotations[tenantv1beta1.DeletionPropagationAnnotation] = policy
				require.NoError(t, env.Client.Update(ctx, tpl))
			}
			require.NoError(t, env.Client.Delete(ctx, tpl))
			for _, o := range objs {
				eventually(t, gone(t, o), "%s %s is deleted", o.GetKind(), o.GetName())
			}
			for _, p := range projects {
				ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: p}}
				if policy == tenantv1beta1.DeletionPropagationBackground {
					eventually(t, gone(t, ns), "project %s is deleted with its workspace", p)
					continue
				}
				eventually(t, func() bool {
					got := &corev1.Namespace{}
					require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, got), "project %s stays", p)
					_, labelled := got.Labels[tenantv1beta1.WorkspaceLabel]
					return !labelled && got.DeletionTimestamp.IsZero()
				}, "project %s stays, without its workspace label", p)
			}
		})
	}
}

// TestAggregationLeavesRoleTemplateRulesAlone: aggregation records what
// each template contributed under spherekit's own annotation,
// iam.spherekit.io/aggregated-rules, never under KubeSphere's console
// annotation iam.kubesphere.io/role-template-rules; a role that still has
// spherekit's earlier record under that key has it moved, and a role
// holding KubeSphere's value there keeps it.
func TestAggregationLeavesRoleTemplateRulesAlone(t *testing.T) {
	ctx := context.Background()
	const spherekitKey = "iam.spherekit.io/aggregated-rules"
	vars := map[string]string{"Name": name("ksagg")}
	createFixture(t, "aggregated-role.yaml", vars)
	tplRule := rbacv1.PolicyRule{APIGroups: []string{"tenant.kubesphere.io"}, Resources: []string{"workspaces"}, Verbs: []string{"get", "list"}}
	aggregated := func(n string) *iamv1beta1.GlobalRole {
		var got *iamv1beta1.GlobalRole
		eventually(t, func() bool {
			got = &iamv1beta1.GlobalRole{}
			require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: n}, got))
			return slices.ContainsFunc(got.Rules, func(r rbacv1.PolicyRule) bool { return reflect.DeepEqual(r, tplRule) }) &&
				got.Annotations[spherekitKey] != ""
		}, "global role %s aggregated", n)
		return got
	}

	role := aggregated(vars["Name"])
	assert.NotContains(t, role.Annotations, iamv1beta1.RoleTemplateRulesAnnotation)
	tpl := &iamv1beta1.RoleTemplate{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: vars["Name"] + "-tpl"}, tpl))
	assert.Equal(t, `{"workspaces": "view"}`, tpl.Annotations[iamv1beta1.RoleTemplateRulesAnnotation], "the template's console annotation is untouched")

	newRole := func(n string, ann map[string]string, rules []rbacv1.PolicyRule) {
		r := &iamv1beta1.GlobalRole{
			ObjectMeta:               metav1.ObjectMeta{Name: n, Annotations: ann},
			AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{vars["Name"] + "-tpl"}},
			Rules:                    rules,
		}
		require.NoError(t, env.Client.Create(ctx, r))
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), r) })
	}
	// Aggregated by spherekit before: a rule from a template no longer
	// selected, recorded under the old key, goes; the record moves.
	stale := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}
	old := name("ksagg")
	newRole(old, map[string]string{iamv1beta1.RoleTemplateRulesAnnotation: `{"gone-template":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]}`}, []rbacv1.PolicyRule{stale})
	role = aggregated(old)
	assert.NotContains(t, role.Annotations, iamv1beta1.RoleTemplateRulesAnnotation, "spherekit's earlier record is moved")
	assert.NotContains(t, role.Rules, stale, "the stale template's rule is taken away")

	// KubeSphere's console value stays.
	ks := name("ksagg")
	newRole(ks, map[string]string{iamv1beta1.RoleTemplateRulesAnnotation: `{"workspaces": "view"}`}, []rbacv1.PolicyRule{})
	role = aggregated(ks)
	assert.Equal(t, `{"workspaces": "view"}`, role.Annotations[iamv1beta1.RoleTemplateRulesAnnotation])
}
