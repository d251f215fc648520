package tenancy_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// readOperations are Client's exported methods that write nothing. Every
// other exported method is a write and needs a row in
// TestOnBehalfOfCoversEveryWrite.
var readOperations = map[string]bool{
	"ListMembers":      true,
	"ListGroupMembers": true,
	"WaitForWorkspace": true,
	"WaitForProject":   true,
	"QuotaFit":         true,
}

// TestOnBehalfOfCoversEveryWrite acts for bob, who is only a viewer of a
// workspace, through every exported write of Client: each is refused with
// a *ForbiddenError before it writes. Then a platform administrator makes
// the same call, which passes. Client's methods are enumerated by
// reflection, so a write added without a row here fails the test.
func TestOnBehalfOfCoversEveryWrite(t *testing.T) {
	ctx := context.Background()
	admin, bob, alice := newUser(t, "admin"), newUser(t, "bob"), newUser(t, "alice")
	require.NoError(t, tc.AddMember(ctx, tenancy.Platform(), admin, "platform-admin"))
	ws := newWorkspace(t, alice)
	require.NoError(t, tc.AddMember(ctx, tenancy.Workspace(ws), bob, "viewer"))
	other := newWorkspace(t, "")
	az := cacheAuthorizer(t)
	eventually(t, func() bool {
		d, err := az.Authorize(ctx, authz.Attributes{User: authz.User{Name: admin}, Verb: "create", APIGroup: iamv1beta1.GroupName, Resource: "users", Scope: authz.ScopeGlobal})
		viewer := false
		for _, r := range az.Rules(authz.Attributes{User: authz.User{Name: bob}, Scope: authz.ScopeWorkspace, Workspace: ws}) {
			viewer = viewer || r.Binding.Kind == "WorkspaceRoleBinding"
		}
		return err == nil && d.Allowed && viewer
	}, "the authorizer never saw the platform admin and the viewer")
	as := func(u string) *tenancy.Client {
		c, err := tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: u}, Authorizer: az})
		require.NoError(t, err)
		return c
	}
	count := resource.MustParse("5")

	// Each row prepares what its call needs (with the host's Client tc)
	// and returns the call. A row is named after the method it calls,
	// optionally followed by "/" and a variant.
	rows := map[string]func(t *testing.T) func(*tenancy.Client) error{
		"CreateGroup": func(t *testing.T) func(*tenancy.Client) error {
			g := name("grp")
			return func(c *tenancy.Client) error {
				_, err := c.CreateGroup(ctx, ws, g, tenancy.CreateGroupOptions{})
				return err
			}
		},
		"AddGroupMembers": func(t *testing.T) func(*tenancy.Client) error {
			g := name("grp")
			_, err := tc.CreateGroup(ctx, ws, g, tenancy.CreateGroupOptions{})
			require.NoError(t, err)
			return func(c *tenancy.Client) error { return c.AddGroupMembers(ctx, g, bob) }
		},
		"RemoveGroupMember": func(t *testing.T) func(*tenancy.Client) error {
			g, u := name("grp"), newUser(t, "u")
			_, err := tc.CreateGroup(ctx, ws, g, tenancy.CreateGroupOptions{})
			require.NoError(t, err)
			require.NoError(t, tc.AddGroupMembers(ctx, g, u))
			return func(c *tenancy.Client) error { return c.RemoveGroupMember(ctx, g, u) }
		},
		"CreateUser": func(t *testing.T) func(*tenancy.Client) error {
			u := name("u")
			return func(c *tenancy.Client) error {
				_, err := c.CreateUser(ctx, u, u+"@example.com", tenancy.CreateUserOptions{})
				return err
			}
		},
		"SetPassword": func(t *testing.T) func(*tenancy.Client) error {
			return func(c *tenancy.Client) error {
				return c.SetPassword(ctx, alice, "T4keOverAlice", tenancy.SetPasswordOptions{})
			}
		},
		"DisableUser": func(t *testing.T) func(*tenancy.Client) error {
			u := newUser(t, "u")
			return func(c *tenancy.Client) error { return c.DisableUser(ctx, u) }
		},
		"EnableUser": func(t *testing.T) func(*tenancy.Client) error {
			u := newUser(t, "u")
			require.NoError(t, tc.DisableUser(ctx, u))
			return func(c *tenancy.Client) error { return c.EnableUser(ctx, u) }
		},
		"RecordLogin": func(t *testing.T) func(*tenancy.Client) error {
			return func(c *tenancy.Client) error {
				_, err := c.RecordLogin(ctx, alice, tenancy.RecordLoginOptions{Failed: true, Reason: "forged"})
				return err
			}
		},
		"CreateWorkspace": func(t *testing.T) func(*tenancy.Client) error {
			n := name("ws")
			t.Cleanup(func() { _ = tc.DeleteWorkspace(ctx, n, tenancy.DeleteWorkspaceOptions{}) })
			return func(c *tenancy.Client) error {
				_, err := c.CreateWorkspace(ctx, n, tenancy.CreateWorkspaceOptions{Manager: alice})
				return err
			}
		},
		"DeleteWorkspace": func(t *testing.T) func(*tenancy.Client) error {
			n := newWorkspace(t, "")
			return func(c *tenancy.Client) error { return c.DeleteWorkspace(ctx, n, tenancy.DeleteWorkspaceOptions{}) }
		},
		"CreateProject": func(t *testing.T) func(*tenancy.Client) error {
			p := name("proj")
			t.Cleanup(func() { _ = env.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metaName(p)}) })
			return func(c *tenancy.Client) error {
				_, err := c.CreateProject(ctx, ws, p, tenancy.CreateProjectOptions{})
				return err
			}
		},
		"MoveProject": func(t *testing.T) func(*tenancy.Client) error {
			p := newProject(t, ws, "")
			return func(c *tenancy.Client) error {
				_, err := c.MoveProject(ctx, p, other, tenancy.MoveProjectOptions{Apply: true})
				return err
			}
		},
		"SetWorkspaceQuota": func(t *testing.T) func(*tenancy.Client) error {
			return func(c *tenancy.Client) error {
				_, err := c.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"count/configmaps": count})
				return err
			}
		},
		"SetProjectQuota": func(t *testing.T) func(*tenancy.Client) error {
			p := newProject(t, ws, "")
			return func(c *tenancy.Client) error {
				_, err := c.SetProjectQuota(ctx, p, corev1.ResourceList{"count/configmaps": count})
				return err
			}
		},
		"SetProjectDefaults": func(t *testing.T) func(*tenancy.Client) error {
			p := newProject(t, ws, "")
			return func(c *tenancy.Client) error {
				_, err := c.SetProjectDefaults(ctx, p, tenancy.ContainerDefaults{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}})
				return err
			}
		},
		"EnsureDefaults": func(t *testing.T) func(*tenancy.Client) error {
			return func(c *tenancy.Client) error {
				_, err := c.EnsureDefaults(ctx, tenancy.EnsureDefaultsOptions{Repair: true})
				return err
			}
		},
	}

	// The member writes take a scope: a row for each at every scope. add
	// is the role AddMember grants; ChangeMember and RemoveMember start
	// from a member holding held, and ChangeMember changes it to to.
	memberScopes := map[string]struct {
		scope         func(t *testing.T) tenancy.Scope
		add, held, to string
	}{
		"workspace": {func(*testing.T) tenancy.Scope { return tenancy.Workspace(ws) }, "viewer", "viewer", "admin"},
		"project":   {func(t *testing.T) tenancy.Scope { return tenancy.Project(newProject(t, ws, "")) }, "admin", "viewer", "admin"},
		"platform":  {func(*testing.T) tenancy.Scope { return tenancy.Platform() }, "platform-admin", "platform-regular", "platform-admin"},
	}
	for where, m := range memberScopes {
		rows["AddMember/"+where] = func(t *testing.T) func(*tenancy.Client) error {
			s, u := m.scope(t), newUser(t, "u")
			return func(c *tenancy.Client) error { return c.AddMember(ctx, s, u, m.add) }
		}
		rows["ChangeMember/"+where] = func(t *testing.T) func(*tenancy.Client) error {
			s, u := m.scope(t), newUser(t, "u")
			require.NoError(t, tc.AddMember(ctx, s, u, m.held))
			return func(c *tenancy.Client) error { return c.ChangeMember(ctx, s, u, m.to) }
		}
		rows["RemoveMember/"+where] = func(t *testing.T) func(*tenancy.Client) error {
			s, u := m.scope(t), newUser(t, "u")
			require.NoError(t, tc.AddMember(ctx, s, u, m.held))
			return func(c *tenancy.Client) error { return c.RemoveMember(ctx, s, u) }
		}
	}
	method := func(row string) string { m, _, _ := strings.Cut(row, "/"); return m }

	typ := reflect.TypeFor[*tenancy.Client]()
	covered := map[string]bool{}
	for row := range rows {
		covered[method(row)] = true
	}
	var missing []string
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		if !covered[m] && !readOperations[m] {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "exported Client methods with no row: add one (or list a method that writes nothing in readOperations)")

	for op, prepare := range rows {
		t.Run(op, func(t *testing.T) {
			_, ok := typ.MethodByName(method(op))
			require.True(t, ok, "row for a method Client does not have")
			call := prepare(t)
			err := call(as(bob))
			var fe *tenancy.ForbiddenError
			require.True(t, errors.As(err, &fe), "bob: want a *ForbiddenError, got %v", err)
			assert.Equal(t, bob, fe.User)
			// The authorizer follows the cluster: writes made by prepare
			// may take a moment to reach it.
			eventually(t, func() bool { return call(as(admin)) == nil }, "the platform admin is refused %s", op)
		})
	}

	// Nothing bob attempted was written.
	var grbs iamv1beta1.GlobalRoleBindingList
	require.NoError(t, env.Client.List(ctx, &grbs, client.MatchingLabels{iamv1beta1.UserReferenceLabel: bob}))
	for _, b := range grbs.Items {
		assert.NotEqual(t, "platform-admin", b.RoleRef.Name, "bob made himself platform admin")
	}
}

// TestOwnPasswordNeedsCurrentPassword: acting for a user, changing one's
// own password needs the present one, as in KubeSphere; a stolen session is
// not enough to take the account over.
func TestOwnPasswordNeedsCurrentPassword(t *testing.T) {
	ctx := context.Background()
	n := name("pw")
	_, err := tc.CreateUser(ctx, n, n+"@example.com", tenancy.CreateUserOptions{Password: "F1rstPassword"})
	require.NoError(t, err)
	az := cacheAuthorizer(t)
	self, err := tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: n}, Authorizer: az})
	require.NoError(t, err)

	tests := []struct {
		name    string
		current string
		check   func(t *testing.T, err error)
	}{
		{"missing", "", func(t *testing.T, err error) {
			var ie *tenancy.InvalidError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, "CurrentPassword", ie.Field)
		}},
		{"wrong", "Wr0ngPassword", func(t *testing.T, err error) { assert.ErrorIs(t, err, tenancy.ErrForbidden) }},
		{"right", "F1rstPassword", func(t *testing.T, err error) { assert.NoError(t, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, self.SetPassword(ctx, n, "S3condPassword", tenancy.SetPasswordOptions{CurrentPassword: tt.current}))
		})
	}
}

// TestJoiningAGroupCannotEscalate: a workspace admin may add members to a
// group of their workspace, but not to one that holds a platform role they
// do not hold themselves.
func TestJoiningAGroupCannotEscalate(t *testing.T) {
	ctx := context.Background()
	mgr := newUser(t, "mgr")
	ws := newWorkspace(t, mgr)
	plain, powerful := name("plain"), name("powerful")
	for _, g := range []string{plain, powerful} {
		_, err := tc.CreateGroup(ctx, ws, g, tenancy.CreateGroupOptions{})
		require.NoError(t, err)
	}
	grb := &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name("grp-admin")},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: powerful}},
		RoleRef:    rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-admin"},
	}
	require.NoError(t, env.Client.Create(ctx, grb))
	t.Cleanup(func() { _ = env.Client.Delete(ctx, grb) })

	az := cacheAuthorizer(t)
	as, err := tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: mgr}, Authorizer: az})
	require.NoError(t, err)
	eventually(t, func() bool { return as.AddGroupMembers(ctx, plain, mgr) == nil }, "the workspace admin never could fill a plain group")
	err = as.AddGroupMembers(ctx, powerful, mgr)
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	assert.Contains(t, err.Error(), "platform-admin")
	members, err := tc.ListGroupMembers(ctx, powerful)
	require.NoError(t, err)
	assert.Empty(t, members)
}

// TestLiveReaderConfirmsGrants: an Authorizer trails the API server. Here
// it is frozen (built from objects) after the manager's admin binding is
// deleted: without LiveReader the stale grant still counts; with it the
// write is refused.
func TestLiveReaderConfirmsGrants(t *testing.T) {
	ctx := context.Background()
	mgr, newcomer := newUser(t, "mgr"), newUser(t, "new")
	ws := newWorkspace(t, mgr)

	var objs []runtime.Object
	var roles iamv1beta1.WorkspaceRoleList
	require.NoError(t, env.Client.List(ctx, &roles, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}))
	for i := range roles.Items {
		objs = append(objs, &roles.Items[i])
	}
	var bindings iamv1beta1.WorkspaceRoleBindingList
	require.NoError(t, env.Client.List(ctx, &bindings, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}))
	require.NotEmpty(t, bindings.Items)
	for i := range bindings.Items {
		objs = append(objs, &bindings.Items[i])
	}
	tpl := &tenantv1beta1.WorkspaceTemplate{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, tpl))
	objs = append(objs, tpl)
	frozen, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)

	// The manager is no longer an admin.
	removed, err := tc.ListMembers(ctx, tenancy.Workspace(ws))
	require.NoError(t, err)
	require.NotEmpty(t, removed)
	require.NoError(t, tc.RemoveMember(ctx, tenancy.Workspace(ws), mgr))

	stale, err := tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: mgr}, Authorizer: frozen})
	require.NoError(t, err)
	confirmed, err := tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: mgr}, Authorizer: frozen, LiveReader: env.Client})
	require.NoError(t, err)

	err = confirmed.AddMember(ctx, tenancy.Workspace(ws), newcomer, "viewer")
	require.ErrorIs(t, err, tenancy.ErrForbidden)
	assert.Contains(t, err.Error(), "live read")
	require.NoError(t, stale.AddMember(ctx, tenancy.Workspace(ws), newcomer, "viewer"), "the frozen authorizer alone still allows the revoked grant")
}
