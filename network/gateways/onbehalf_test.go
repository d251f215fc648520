package gateways_test

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
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	"github.com/spherekit/spherekit/network/gateways"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// TestOnBehalfOfCoversEveryOperation: alice administers workspace A, bob
// one project of A, root the platform. Every way the Client's parameters
// let alice or bob reach out of their tenant (workspace B's gateways and
// projects, B's gateway by name in the namespace all workspaces' gateways
// share, a namespace of their choosing, a workspace or project that does
// not exist, the cluster-wide IngressClassScopes, a sibling project) is
// refused with tenancy.ErrForbidden and changes nothing, and each user's
// own operations pass. Client's methods are enumerated by reflection, so a
// method added without rows here fails the test.
func TestOnBehalfOfCoversEveryOperation(t *testing.T) {
	ctx := context.Background()
	gc := newClient(t)
	wsA, wsB := newWorkspace(t), newWorkspace(t)
	mine, sibling, theirs := newProject(t, wsA, nil).Name, newProject(t, wsA, nil).Name, newProject(t, wsB, nil).Name
	class := newIngressClass(t)
	ghost := name("ghost")

	// Workspace B's gateways and ingress class scope, and a Gateway B's
	// admin labelled as workspace A's in B's project.
	_, err := gc.EnableGateway(ctx, tenancy.Workspace(wsB), gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	_, err = gc.EnableGateway(ctx, tenancy.Project(theirs), gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = gc.DisableGateway(ctx, tenancy.Workspace(wsB), gateways.EnableGatewayOptions{})
		_ = gc.DisableGateway(ctx, tenancy.Project(theirs), gateways.EnableGatewayOptions{})
	})
	theirScope := name("ics")
	_, err = gc.ShareIngressClass(ctx, class, gateways.ShareIngressClassOptions{Name: theirScope, Scope: tenancy.Workspace(wsB)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = gc.UnshareIngressClass(ctx, theirScope) })
	planted := &gatewayapiv1.Gateway{
		ObjectMeta: metav1.ObjectMeta{Namespace: theirs, Name: "planted", Labels: map[string]string{gateways.ScopeLabel: gateways.ScopeWorkspace, gateways.ScopeNameLabel: wsA}},
		Spec:       gatewayapiv1.GatewaySpec{GatewayClassName: testClass, Listeners: []gatewayapiv1.Listener{{Name: "http", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType}}},
	}
	create(t, planted)

	wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: wsA}
	all := []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	subject := func(u string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: u}}
	}
	objs := []runtime.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsA}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsB}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: mine, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsA}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sibling, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsA}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: theirs, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsB}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gateways.DefaultWorkspaceGatewayNamespace}},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: wsA + "-admin", Labels: wsLabel}, Rules: all},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-" + wsA + "-admin", Labels: wsLabel}, Subjects: subject("alice"),
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: wsA + "-admin"}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "admin"}, Rules: all},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "bob-admin"}, Subjects: subject("bob"),
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "admin"}},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"}, Rules: all},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root-platform-admin"}, Subjects: subject("root"),
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-admin"}},
	}
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	as := map[string]*gateways.Client{}
	for _, u := range []string{"alice", "bob", "root"} {
		as[u], err = gateways.NewClient(env.Client, gateways.ClientOptions{GatewayClassName: testClass, OnBehalfOf: &authz.User{Name: u}, Authorizer: az})
		require.NoError(t, err)
	}
	_, err = gateways.NewClient(env.Client, gateways.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}})
	var ie *gateways.InvalidError
	require.ErrorAs(t, err, &ie, "OnBehalfOf without an Authorizer")
	assert.Equal(t, "Authorizer", ie.Field)

	type call func(c *gateways.Client) error
	enable := func(s tenancy.Scope, opts gateways.EnableGatewayOptions) call {
		return func(c *gateways.Client) error { _, err := c.EnableGateway(ctx, s, opts); return err }
	}
	disable := func(s tenancy.Scope, opts gateways.EnableGatewayOptions) call {
		return func(c *gateways.Client) error { return c.DisableGateway(ctx, s, opts) }
	}
	list := func(s tenancy.Scope) call {
		return func(c *gateways.Client) error { _, err := c.ListGateways(ctx, s); return err }
	}
	share := func(n string, s tenancy.Scope) call {
		return func(c *gateways.Client) error {
			_, err := c.ShareIngressClass(ctx, class, gateways.ShareIngressClassOptions{Name: n, Scope: s})
			return err
		}
	}
	available := func(ns string) call {
		return func(c *gateways.Client) error { _, err := c.AvailableIngressClasses(ctx, ns); return err }
	}
	type row struct {
		name, user string
		do         call
	}
	theirGateway := gateways.EnableGatewayOptions{Name: gateways.DefaultGatewayName(tenancy.Workspace(wsB))}

	// Each row is named "<method>/<way out>".
	refused := []row{
		{"EnableGateway/their workspace", "alice", enable(tenancy.Workspace(wsB), gateways.EnableGatewayOptions{})},
		{"EnableGateway/their project", "alice", enable(tenancy.Project(theirs), gateways.EnableGatewayOptions{})},
		{"EnableGateway/her workspace's gateway in their project", "alice", enable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{Namespace: theirs})},
		{"EnableGateway/her project's gateway in their project", "alice", enable(tenancy.Project(mine), gateways.EnableGatewayOptions{Namespace: theirs})},
		{"EnableGateway/their gateway's name in the shared namespace", "alice", enable(tenancy.Workspace(wsA), theirGateway)},
		{"EnableGateway/a workspace that does not exist", "alice", enable(tenancy.Workspace(ghost), gateways.EnableGatewayOptions{})},
		{"EnableGateway/a project that does not exist", "alice", enable(tenancy.Project(ghost), gateways.EnableGatewayOptions{})},
		{"EnableGateway/his workspace without a workspace role", "bob", enable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{})},
		{"EnableGateway/a sibling project", "bob", enable(tenancy.Project(sibling), gateways.EnableGatewayOptions{})},
		{"EnableGateway/his project's gateway in a sibling", "bob", enable(tenancy.Project(mine), gateways.EnableGatewayOptions{Namespace: sibling})},
		{"DisableGateway/their workspace", "alice", disable(tenancy.Workspace(wsB), gateways.EnableGatewayOptions{})},
		{"DisableGateway/their project", "alice", disable(tenancy.Project(theirs), gateways.EnableGatewayOptions{})},
		{"DisableGateway/their gateway's name in the shared namespace (no existence leak)", "alice", disable(tenancy.Workspace(wsA), theirGateway)},
		{"DisableGateway/a gateway in their project", "alice", disable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{Name: "planted", Namespace: theirs})},
		{"DisableGateway/a project that does not exist", "alice", disable(tenancy.Project(ghost), gateways.EnableGatewayOptions{})},
		{"ListGateways/their workspace", "alice", list(tenancy.Workspace(wsB))},
		{"ListGateways/their project", "alice", list(tenancy.Project(theirs))},
		{"ListGateways/a workspace that does not exist", "alice", list(tenancy.Workspace(ghost))},
		{"ListGateways/his workspace without a workspace role", "bob", list(tenancy.Workspace(wsA))},
		{"ShareIngressClass/to her own workspace (a platform object)", "alice", share(name("ics"), tenancy.Workspace(wsA))},
		{"ShareIngressClass/taking over their scope", "alice", share(theirScope, tenancy.Workspace(wsA))},
		{"ShareIngressClass/to his own project", "bob", share(name("ics"), tenancy.Project(mine))},
		{"UnshareIngressClass/their scope", "alice", func(c *gateways.Client) error { return c.UnshareIngressClass(ctx, theirScope) }},
		{"UnshareIngressClass/a scope that does not exist", "bob", func(c *gateways.Client) error { return c.UnshareIngressClass(ctx, ghost) }},
		{"AvailableIngressClasses/their project", "alice", available(theirs)},
		{"AvailableIngressClasses/the shared gateway namespace", "alice", available(gateways.DefaultWorkspaceGatewayNamespace)},
		{"AvailableIngressClasses/a namespace that does not exist", "alice", available(ghost)},
		{"AvailableIngressClasses/a sibling project", "bob", available(sibling)},
	}
	ownScope := name("ics")
	allowed := []row{
		{"EnableGateway/her workspace", "alice", enable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{})},
		{"EnableGateway/her workspace's gateway in her project", "alice", enable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{Name: "ws-gw", Namespace: sibling})},
		{"EnableGateway/his project", "bob", enable(tenancy.Project(mine), gateways.EnableGatewayOptions{})},
		{"ListGateways/her workspace", "alice", list(tenancy.Workspace(wsA))},
		{"ListGateways/his project", "bob", list(tenancy.Project(mine))},
		{"DisableGateway/her workspace", "alice", disable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{})},
		{"DisableGateway/her workspace's gateway in her project", "alice", disable(tenancy.Workspace(wsA), gateways.EnableGatewayOptions{Name: "ws-gw", Namespace: sibling})},
		{"DisableGateway/his project", "bob", disable(tenancy.Project(mine), gateways.EnableGatewayOptions{})},
		{"ShareIngressClass/the platform", "root", share(ownScope, tenancy.Workspace(wsA))},
		{"AvailableIngressClasses/her project", "alice", available(sibling)},
		{"AvailableIngressClasses/his project", "bob", available(mine)},
		{"UnshareIngressClass/the platform", "root", func(c *gateways.Client) error { return c.UnshareIngressClass(ctx, ownScope) }},
	}

	method := func(row string) string { m, _, _ := strings.Cut(row, "/"); return m }
	typ := reflect.TypeFor[*gateways.Client]()
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		of := func(r row) bool { return method(r.name) == m }
		assert.True(t, slices.ContainsFunc(refused, of), "Client.%s has no refused row", m)
		assert.True(t, slices.ContainsFunc(allowed, of), "Client.%s has no allowed row", m)
	}

	before := snapshot(t)
	for _, r := range refused {
		t.Run("refused/"+r.name, func(t *testing.T) {
			_, ok := typ.MethodByName(method(r.name))
			require.True(t, ok, "row for a method Client does not have")
			err := r.do(as[r.user])
			require.ErrorIs(t, err, tenancy.ErrForbidden)
			var fe *gateways.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, r.user, fe.User)
		})
	}
	if diff := cmp.Diff(before, snapshot(t)); diff != "" {
		t.Errorf("refused calls changed gateways or ingress class scopes (-before +after):\n%s", diff)
	}

	for _, r := range allowed {
		t.Run("allowed/"+r.name, func(t *testing.T) {
			require.NoError(t, r.do(as[r.user]))
		})
	}

	// ListGateways shows alice her workspace's Gateway, not the one B's
	// admin labelled as hers in B's project; the Client acting for nobody
	// lists both.
	_, err = as["alice"].EnableGateway(ctx, tenancy.Workspace(wsA), gateways.EnableGatewayOptions{})
	require.NoError(t, err)
	keys := func(gws []gatewayapiv1.Gateway) []string {
		var out []string
		for _, gw := range gws {
			out = append(out, gw.Namespace+"/"+gw.Name)
		}
		return out
	}
	own := gateways.DefaultWorkspaceGatewayNamespace + "/" + gateways.DefaultGatewayName(tenancy.Workspace(wsA))
	seen, err := as["alice"].ListGateways(ctx, tenancy.Workspace(wsA))
	require.NoError(t, err)
	assert.Equal(t, []string{own}, keys(seen))
	seen, err = gc.ListGateways(ctx, tenancy.Workspace(wsA))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{own, theirs + "/planted"}, keys(seen))
	require.NoError(t, gc.DisableGateway(ctx, tenancy.Workspace(wsA), gateways.EnableGatewayOptions{}))
}

// snapshot is every Gateway and IngressClassScope with its resource
// version.
func snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	var gws gatewayapiv1.GatewayList
	require.NoError(t, env.Client.List(context.Background(), &gws))
	for _, gw := range gws.Items {
		out["gateway "+gw.Namespace+"/"+gw.Name] = gw.ResourceVersion
	}
	var scopes gatewayv1alpha2.IngressClassScopeList
	require.NoError(t, env.Client.List(context.Background(), &scopes))
	for _, s := range scopes.Items {
		out["ingressclassscope "+s.Name] = s.ResourceVersion
	}
	return out
}
