package ippools_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// TestOnBehalfOfCoversEveryOperation: alice administers workspace A, bob
// one project of A and carol views it; root administers the platform.
// Pools are the platform's: every pool operation alice or bob attempts
// (on workspace B's pool, on their own workspace's, on the default, on a
// pool that does not exist) is refused with tenancy.ErrForbidden and
// changes nothing, as is reading the pools of workspace B's project, of a
// sibling project or of a namespace that does not exist. A project's
// members may read the pools their project may use, and root may do
// everything. Client's methods are enumerated by reflection, so a method
// added without rows here fails the test.
func TestOnBehalfOfCoversEveryOperation(t *testing.T) {
	ctx := context.Background()
	wsA, wsB := newWorkspace(t), newWorkspace(t)
	mine, sibling, theirs := newProject(t, wsA), newProject(t, wsA), newProject(t, wsB)
	ours, their, spare := name("ours"), name("their"), name("spare")
	createPool(t, ours, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Workspace: wsA})
	createPool(t, their, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Workspace: wsB})
	createPool(t, spare, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})
	_, err := pc.DisablePool(ctx, spare)
	require.NoError(t, err)
	ghost := name("ghost")

	wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: wsA}
	all := []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	view := []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	subject := func(u string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u}}
	}
	role := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	objs := []runtime.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsA}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsB}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: mine, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsA}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sibling, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsA}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: theirs, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsB}}},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: wsA + "-admin", Labels: wsLabel}, Rules: all},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-" + wsA + "-admin", Labels: wsLabel}, Subjects: subject("alice"), RoleRef: role("WorkspaceRole", wsA+"-admin")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "admin"}, Rules: all},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "bob-admin"}, Subjects: subject("bob"), RoleRef: role("Role", "admin")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "viewer"}, Rules: view},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "carol-viewer"}, Subjects: subject("carol"), RoleRef: role("Role", "viewer")},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"}, Rules: all},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root-platform-admin"}, Subjects: subject("root"), RoleRef: role("GlobalRole", "platform-admin")},
	}
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	as := map[string]*ippools.Client{}
	for _, u := range []string{"alice", "bob", "carol", "root"} {
		as[u], err = ippools.NewClient(env.Client, ippools.ClientOptions{OnBehalfOf: &authz.User{Name: u}, Authorizer: az})
		require.NoError(t, err)
	}
	_, err = ippools.NewClient(env.Client, ippools.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}})
	wantErr(t, err, "invalid", "Authorizer")

	type call func(c *ippools.Client) error
	type row struct {
		name, user string
		do         call
	}
	create := func(n string, opts ippools.CreatePoolOptions) call {
		return func(c *ippools.Client) error {
			_, err := c.CreatePool(ctx, n, spec("calico", nextCIDR()), opts)
			return err
		}
	}
	assign := func(p, ws string) call {
		return func(c *ippools.Client) error { _, err := c.AssignPool(ctx, p, ws); return err }
	}
	unassign := func(p string) call {
		return func(c *ippools.Client) error { _, err := c.UnassignPool(ctx, p); return err }
	}
	disable := func(p string) call {
		return func(c *ippools.Client) error { _, err := c.DisablePool(ctx, p); return err }
	}
	enable := func(p string) call {
		return func(c *ippools.Client) error { _, err := c.EnablePool(ctx, p); return err }
	}
	setDefault := func(p string) call {
		return func(c *ippools.Client) error { _, err := c.SetDefaultPool(ctx, p); return err }
	}
	remove := func(p string) call {
		return func(c *ippools.Client) error { return c.DeletePool(ctx, p) }
	}
	list := func(opts ippools.ListPoolsOptions) call {
		return func(c *ippools.Client) error { _, err := c.ListPools(ctx, opts); return err }
	}
	forNamespace := func(ns string) call {
		return func(c *ippools.Client) error {
			_, err := c.PoolsForNamespace(ctx, ns, ippools.PoolsForNamespaceOptions{Unassigned: true})
			return err
		}
	}

	// Each row is named "<method>/<way out>".
	refused := []row{
		{"CreatePool/for her own workspace", "alice", create(name("p"), ippools.CreatePoolOptions{Workspace: wsA})},
		{"CreatePool/for their workspace", "alice", create(name("p"), ippools.CreatePoolOptions{Workspace: wsB})},
		{"CreatePool/the default", "bob", create(name("p"), ippools.CreatePoolOptions{Default: true})},
		{"AssignPool/their pool to her workspace", "alice", assign(their, wsA)},
		{"AssignPool/her workspace's pool to theirs", "alice", assign(ours, wsB)},
		{"AssignPool/a spare pool to her workspace", "alice", assign(spare, wsA)},
		{"AssignPool/a pool that does not exist (no existence leak)", "alice", assign(ghost, wsA)},
		{"AssignPool/to a workspace that does not exist", "alice", assign(spare, ghost)},
		{"UnassignPool/their pool", "alice", unassign(their)},
		{"UnassignPool/her workspace's pool", "alice", unassign(ours)},
		{"DisablePool/their pool", "alice", disable(their)},
		{"DisablePool/her workspace's pool", "bob", disable(ours)},
		{"EnablePool/a disabled pool", "alice", enable(spare)},
		{"SetDefaultPool/a spare pool", "alice", setDefault(spare)},
		{"SetDefaultPool/their pool", "alice", setDefault(their)},
		{"DeletePool/their pool", "alice", remove(their)},
		{"DeletePool/her workspace's pool", "alice", remove(ours)},
		{"DeletePool/a pool that does not exist (no existence leak)", "bob", remove(ghost)},
		{"ListPools/every pool", "alice", list(ippools.ListPoolsOptions{})},
		{"ListPools/their workspace's", "alice", list(ippools.ListPoolsOptions{Workspace: wsB})},
		{"ListPools/her own workspace's (a platform view)", "alice", list(ippools.ListPoolsOptions{Workspace: wsA})},
		{"PoolsForNamespace/their project", "alice", forNamespace(theirs)},
		{"PoolsForNamespace/a namespace that does not exist (no existence leak)", "alice", forNamespace(ghost)},
		{"PoolsForNamespace/a sibling project", "bob", forNamespace(sibling)},
		{"PoolsForNamespace/a sibling project, as a viewer", "carol", forNamespace(sibling)},
	}
	created := name("root")
	cleanup(t, created)
	allowed := []row{
		{"PoolsForNamespace/her project", "alice", forNamespace(sibling)},
		{"PoolsForNamespace/his project", "bob", forNamespace(mine)},
		{"PoolsForNamespace/a project she views", "carol", forNamespace(mine)},
		{"ListPools/the platform", "root", list(ippools.ListPoolsOptions{Workspace: wsA})},
		{"CreatePool/the platform", "root", create(created, ippools.CreatePoolOptions{})},
		{"AssignPool/the platform", "root", assign(created, wsA)},
		{"UnassignPool/the platform", "root", unassign(created)},
		{"DisablePool/the platform", "root", disable(created)},
		{"EnablePool/the platform", "root", enable(created)},
		{"SetDefaultPool/the platform", "root", setDefault(created)},
		{"DeletePool/the platform", "root", remove(created)},
	}

	method := func(row string) string { m, _, _ := strings.Cut(row, "/"); return m }
	typ := reflect.TypeFor[*ippools.Client]()
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		of := func(r row) bool { return method(r.name) == m }
		assert.True(t, slices.ContainsFunc(refused, of), "Client.%s has no refused row", m)
		assert.True(t, slices.ContainsFunc(allowed, of), "Client.%s has no allowed row", m)
	}

	before := poolVersions(t)
	for _, r := range refused {
		t.Run("refused/"+r.name, func(t *testing.T) {
			_, ok := typ.MethodByName(method(r.name))
			require.True(t, ok, "row for a method Client does not have")
			err := r.do(as[r.user])
			require.ErrorIs(t, err, tenancy.ErrForbidden)
			var fe *ippools.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, r.user, fe.User)
		})
	}
	if diff := cmp.Diff(before, poolVersions(t)); diff != "" {
		t.Errorf("refused calls changed the pools (-before +after):\n%s", diff)
	}

	for _, r := range allowed {
		t.Run("allowed/"+r.name, func(t *testing.T) {
			require.NoError(t, r.do(as[r.user]))
		})
	}
	_, ok := getPool(t, created)
	assert.False(t, ok, "root deleted the pool root created")

	// What a project member reads is the project's: its workspace's pool
	// and the unassigned ones, never workspace B's.
	got, err := as["bob"].PoolsForNamespace(ctx, mine, ippools.PoolsForNamespaceOptions{Unassigned: true})
	require.NoError(t, err)
	var names []string
	for _, p := range got {
		names = append(names, p.Object.Name)
	}
	assert.Contains(t, names, ours)
	assert.Contains(t, names, spare)
	assert.NotContains(t, names, their)
}

// poolVersions is every pool's resource version.
func poolVersions(t *testing.T) map[string]string {
	t.Helper()
	var l networkv1alpha1.IPPoolList
	require.NoError(t, env.Client.List(context.Background(), &l))
	out := map[string]string{}
	for _, p := range l.Items {
		out[p.Name] = p.ResourceVersion
	}
	return out
}
