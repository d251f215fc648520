package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
)

func TestMembersAddChangeRemove(t *testing.T) {
	scopes := []struct {
		name  string
		setup func(t *testing.T) tenancy.Scope
		roles [2]string
	}{
		{
			name:  "workspace",
			setup: func(t *testing.T) tenancy.Scope { return tenancy.Workspace(newWorkspace(t, "")) },
			roles: [2]string{"viewer", "regular"},
		},
		{
			name:  "project",
			setup: func(t *testing.T) tenancy.Scope { return tenancy.Project(newProject(t, newWorkspace(t, ""), "")) },
			roles: [2]string{"viewer", "operator"},
		},
		{
			name:  "platform",
			setup: func(*testing.T) tenancy.Scope { return tenancy.Platform() },
			roles: [2]string{"platform-regular", "platform-self-provisioner"},
		},
	}
	for _, s := range scopes {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			scope := s.setup(t)
			user := newUser(t, "member")
			member := func() (tenancy.Member, bool) {
				ms, err := tc.ListMembers(ctx, scope)
				require.NoError(t, err)
				for _, m := range ms {
					if m.User == user {
						return m, true
					}
				}
				return tenancy.Member{}, false
			}

			// Changing or removing a non-member is refused.
			assert.ErrorIs(t, tc.ChangeMember(ctx, scope, user, s.roles[0]), tenancy.ErrNotFound)
			assert.ErrorIs(t, tc.RemoveMember(ctx, scope, user), tenancy.ErrNotFound)

			require.NoError(t, tc.AddMember(ctx, scope, user, s.roles[0]))
			m, ok := member()
			require.True(t, ok)
			assert.Equal(t, s.roles[0], m.Role)

			require.NoError(t, tc.ChangeMember(ctx, scope, user, s.roles[1]))
			m, ok = member()
			require.True(t, ok)
			assert.Equal(t, s.roles[1], m.Role, "one role per user per scope: the old binding is replaced")

			// Bad input is refused with the field named, and changes nothing.
			tests := []struct {
				user, role, field string
				notFound          bool
			}{
				{user: user, role: "no-such-role", field: "role", notFound: true},
				{user: "ghost-user", role: s.roles[0], field: "user", notFound: true},
				{user: "Bad User", role: s.roles[0], field: "user"},
				{user: user, role: "", field: "role"},
			}
			for _, tt := range tests {
				err := tc.AddMember(ctx, scope, tt.user, tt.role)
				if tt.notFound {
					var nf *tenancy.NotFoundError
					require.ErrorAs(t, err, &nf, "%+v", tt)
					assert.Equal(t, tt.field, nf.Field)
				} else {
					var ie *tenancy.InvalidError
					require.ErrorAs(t, err, &ie, "%+v", tt)
					assert.Equal(t, tt.field, ie.Field)
				}
			}
			m, _ = member()
			assert.Equal(t, s.roles[1], m.Role)

			require.NoError(t, tc.RemoveMember(ctx, scope, user))
			_, ok = member()
			assert.False(t, ok)
		})
	}
}

// TestMemberScopes: a Scope is a comparable value that says what it is;
// the zero Scope and bad names are refused by every member operation with
// the input named.
func TestMemberScopes(t *testing.T) {
	assert.Equal(t, "the platform", tenancy.Platform().String())
	assert.Equal(t, "workspace team-a", tenancy.Workspace("team-a").String())
	assert.Equal(t, "project web", tenancy.Project("web").String())
	assert.Equal(t, `workspace ""`, tenancy.Workspace("").String())
	assert.Contains(t, tenancy.Scope{}.String(), "zero Scope")
	a, again := tenancy.Workspace("a"), tenancy.Workspace("a")
	assert.True(t, a == again)
	assert.False(t, tenancy.Workspace("a") == tenancy.Project("a"))
	assert.False(t, tenancy.Platform() == tenancy.Scope{})
	seen := map[tenancy.Scope]bool{tenancy.Workspace("a"): true}
	assert.True(t, seen[tenancy.Workspace("a")])

	ctx := context.Background()
	user := newUser(t, "member")
	ops := map[string]func(t *testing.T, s tenancy.Scope) error{
		"AddMember":    func(_ *testing.T, s tenancy.Scope) error { return tc.AddMember(ctx, s, user, "viewer") },
		"ChangeMember": func(_ *testing.T, s tenancy.Scope) error { return tc.ChangeMember(ctx, s, user, "viewer") },
		"RemoveMember": func(_ *testing.T, s tenancy.Scope) error { return tc.RemoveMember(ctx, s, user) },
		"ListMembers": func(t *testing.T, s tenancy.Scope) error {
			ms, err := tc.ListMembers(ctx, s)
			assert.Nil(t, ms)
			return err
		},
	}
	tests := []struct {
		scope    tenancy.Scope
		field    string
		notFound bool
	}{
		{scope: tenancy.Scope{}, field: "scope"},
		{scope: tenancy.Workspace(""), field: "workspace"},
		{scope: tenancy.Workspace("Bad Name"), field: "workspace"},
		{scope: tenancy.Workspace("no-such-workspace"), field: "workspace", notFound: true},
		{scope: tenancy.Project(""), field: "project"},
		{scope: tenancy.Project("bad_name"), field: "project"},
		{scope: tenancy.Project("no-such-project"), field: "project", notFound: true},
	}
	for op, call := range ops {
		for _, tt := range tests {
			t.Run(op+" "+tt.scope.String(), func(t *testing.T) {
				err := call(t, tt.scope)
				if tt.notFound {
					var nf *tenancy.NotFoundError
					require.ErrorAs(t, err, &nf)
					assert.Equal(t, tt.field, nf.Field)
					return
				}
				var ie *tenancy.InvalidError
				require.ErrorAs(t, err, &ie)
				assert.Equal(t, tt.field, ie.Field)
			})
		}
	}
}

// TestRolesAreEnforcedByTheAPIServer proves the iam roles and bindings reach
// native RBAC: requests as each member are allowed or refused by the real
// kube-apiserver.
func TestRolesAreEnforcedByTheAPIServer(t *testing.T) {
	ctx := context.Background()
	wsAdmin := newUser(t, "wsadmin")
	ws := newWorkspace(t, wsAdmin)
	p := newProject(t, ws, "")
	viewer, operator, outsider := newUser(t, "viewer"), newUser(t, "operator"), newUser(t, "outsider")
	require.NoError(t, tc.AddMember(ctx, tenancy.Project(p), viewer, "viewer"))
	require.NoError(t, tc.AddMember(ctx, tenancy.Project(p), operator, "operator"))

	// Requests impersonate each user, so the API server authorizes them as
	// that user with its native RBAC.
	as := func(user string) client.Client {
		cfg := rest.CopyConfig(env.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
		c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
		require.NoError(t, err)
		return c
	}
	listPods := func(c client.Client) error { return c.List(ctx, &corev1.PodList{}, client.InNamespace(p)) }
	createConfigMap := func(c client.Client) error {
		return c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "cm-", Namespace: p}})
	}
	listDeployments := func(c client.Client) error {
		return c.List(ctx, &appsv1.DeploymentList{}, client.InNamespace(p))
	}
	tests := []struct {
		user    string
		action  string
		do      func(client.Client) error
		allowed bool
	}{
		{viewer, "list pods", listPods, true},
		{viewer, "list deployments", listDeployments, true},
		{viewer, "create configmap", createConfigMap, false},
		{operator, "list pods", listPods, true},
		{operator, "create configmap", createConfigMap, true},
		{wsAdmin, "create configmap (through the workspace binding)", createConfigMap, true},
		{outsider, "list pods", listPods, false},
		{outsider, "create configmap", createConfigMap, false},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+tt.action, func(t *testing.T) {
			c := as(tt.user)
			if tt.allowed {
				// Roles aggregate and mirror asynchronously.
				eventually(t, func() bool { return tt.do(c) == nil }, "%s may %s", tt.user, tt.action)
				return
			}
			err := tt.do(c)
			assert.True(t, apierrors.IsForbidden(err), "%s may not %s: got %v", tt.user, tt.action, err)
		})
	}

	// Taking the role away takes the permission away.
	require.NoError(t, tc.RemoveMember(ctx, tenancy.Project(p), operator))
	c := as(operator)
	eventually(t, func() bool { return apierrors.IsForbidden(createConfigMap(c)) }, "removed member is refused")
}
