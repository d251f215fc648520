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

// scopeOps drives members of one scope kind through the same table.
type scopeOps struct {
	name   string
	setup  func(t *testing.T) string // returns the scope's name
	add    func(ctx context.Context, scope, user, role string) error
	change func(ctx context.Context, scope, user, role string) error
	remove func(ctx context.Context, scope, user string) error
	list   func(ctx context.Context, scope string) ([]tenancy.Member, error)
	roles  [2]string
}

func TestMembersAddChangeRemove(t *testing.T) {
	scopes := []scopeOps{
		{
			name:  "workspace",
			setup: func(t *testing.T) string { return newWorkspace(t, "") },
			add:   tc.AddWorkspaceMember, change: tc.ChangeWorkspaceMember, remove: tc.RemoveWorkspaceMember, list: tc.ListWorkspaceMembers,
			roles: [2]string{"viewer", "regular"},
		},
		{
			name:  "project",
			setup: func(t *testing.T) string { return newProject(t, newWorkspace(t, ""), "") },
			add:   tc.AddProjectMember, change: tc.ChangeProjectMember, remove: tc.RemoveProjectMember, list: tc.ListProjectMembers,
			roles: [2]string{"viewer", "operator"},
		},
		{
			name:  "platform",
			setup: func(*testing.T) string { return "" },
			add: func(ctx context.Context, _, user, role string) error {
				return tc.AddPlatformMember(ctx, user, role)
			},
			change: func(ctx context.Context, _, user, role string) error {
				return tc.ChangePlatformMember(ctx, user, role)
			},
			remove: func(ctx context.Context, _, user string) error { return tc.RemovePlatformMember(ctx, user) },
			list:   func(ctx context.Context, _ string) ([]tenancy.Member, error) { return tc.ListPlatformMembers(ctx) },
			roles:  [2]string{"platform-regular", "platform-self-provisioner"},
		},
	}
	for _, s := range scopes {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			scope := s.setup(t)
			user := newUser(t, "member")
			member := func() (tenancy.Member, bool) {
				ms, err := s.list(ctx, scope)
				require.NoError(t, err)
				for _, m := range ms {
					if m.User == user {
						return m, true
					}
				}
				return tenancy.Member{}, false
			}

			// Changing or removing a non-member is refused.
			assert.ErrorIs(t, s.change(ctx, scope, user, s.roles[0]), tenancy.ErrNotFound)
			assert.ErrorIs(t, s.remove(ctx, scope, user), tenancy.ErrNotFound)

			require.NoError(t, s.add(ctx, scope, user, s.roles[0]))
			m, ok := member()
			require.True(t, ok)
			assert.Equal(t, s.roles[0], m.Role)

			require.NoError(t, s.change(ctx, scope, user, s.roles[1]))
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
				err := s.add(ctx, scope, tt.user, tt.role)
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

			require.NoError(t, s.remove(ctx, scope, user))
			_, ok = member()
			assert.False(t, ok)
		})
	}

	_, err := tc.ListWorkspaceMembers(context.Background(), "no-such-workspace")
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
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
	require.NoError(t, tc.AddProjectMember(ctx, p, viewer, "viewer"))
	require.NoError(t, tc.AddProjectMember(ctx, p, operator, "operator"))

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
	require.NoError(t, tc.RemoveProjectMember(ctx, p, operator))
	c := as(operator)
	eventually(t, func() bool { return apierrors.IsForbidden(createConfigMap(c)) }, "removed member is refused")
}
