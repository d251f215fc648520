package tenancy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

func metaName(n string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: n} }

func TestCreateWorkspaceRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		ws      string
		opts    tenancy.CreateWorkspaceOptions
		field   string
		missing bool
	}{
		{name: "empty name", ws: "", field: "name"},
		{name: "upper case", ws: "Team-A", field: "name"},
		{name: "too long", ws: strings.Repeat("a", 64), field: "name"},
		{name: "unknown manager", ws: name("ws"), opts: tenancy.CreateWorkspaceOptions{Manager: "nobody-here"}, field: "Manager", missing: true},
		{name: "invalid manager", ws: name("ws"), opts: tenancy.CreateWorkspaceOptions{Manager: "Not Valid"}, field: "Manager"},
		{name: "invalid cluster", ws: name("ws"), opts: tenancy.CreateWorkspaceOptions{Clusters: []string{"_x"}}, field: "Clusters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tc.CreateWorkspace(ctx, tt.ws, tt.opts)
			require.Error(t, err)
			if tt.missing {
				var nf *tenancy.NotFoundError
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, tt.field, nf.Field)
				assert.True(t, errors.Is(err, tenancy.ErrNotFound))
			} else {
				var ie *tenancy.InvalidError
				require.ErrorAs(t, err, &ie)
				assert.Equal(t, tt.field, ie.Field)
			}
			if tt.ws != "" && !strings.ContainsAny(tt.ws, "A") && len(tt.ws) <= 63 {
				assert.False(t, exists(t, &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metaName(tt.ws)}), "nothing is written")
			}
		})
	}
}

// TestWorkspaceAndProjectSetUp follows a workspace from creation to a
// project with its roles, members and native RBAC.
func TestWorkspaceAndProjectSetUp(t *testing.T) {
	ctx := context.Background()
	manager := newUser(t, "mgr")
	ws := newWorkspace(t, manager)

	got := &tenantv1beta1.Workspace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, got))
	assert.Equal(t, manager, got.Spec.Manager)
	assert.Contains(t, got.Finalizers, tenantv1beta1.CascadingDeletionFinalizer)
	require.Len(t, got.OwnerReferences, 1, "the workspace is owned by its template")
	assert.Equal(t, "WorkspaceTemplate", got.OwnerReferences[0].Kind)

	for _, role := range []string{"admin", "regular", "self-provisioner", "viewer"} {
		r := &iamv1beta1.WorkspaceRole{ObjectMeta: metaName(iamv1beta1.WorkspaceRoleName(ws, role))}
		eventually(t, func() bool { return exists(t, r) }, "workspace role %s", role)
		assert.Equal(t, ws, r.Labels[tenantv1beta1.WorkspaceLabel])
	}
	viewer := &iamv1beta1.WorkspaceRole{ObjectMeta: metaName(iamv1beta1.WorkspaceRoleName(ws, "viewer"))}
	eventually(t, func() bool { return exists(t, viewer) && len(viewer.Rules) > 0 }, "viewer role aggregates its templates")
	eventually(t, func() bool {
		return exists(t, &rbacv1.ClusterRole{ObjectMeta: metaName("kubesphere:iam:workspace:" + viewer.Name)})
	}, "workspace role mirrored into a native ClusterRole")

	members, err := tc.ListMembers(ctx, tenancy.Workspace(ws))
	require.NoError(t, err)
	assert.Equal(t, []tenancy.Member{{User: manager, Role: "admin"}}, members)

	// A project: roles, creator as admin, workspace bindings mirrored.
	creator := newUser(t, "dev")
	require.NoError(t, tc.AddMember(ctx, tenancy.Workspace(ws), creator, "self-provisioner"))
	p := newProject(t, ws, creator)
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = tc.WaitForProject(waitCtx, p)
	require.NoError(t, err, "roles stamped and creator bound")
	for _, role := range []string{"admin", "operator", "viewer"} {
		r := &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: p}}
		eventually(t, func() bool { return exists(t, r) }, "project role %s", role)
	}
	eventually(t, func() bool {
		ms, err := tc.ListMembers(ctx, tenancy.Project(p))
		require.NoError(t, err)
		return len(ms) == 1 && ms[0] == tenancy.Member{User: creator, Role: "admin"}
	}, "creator bound as project admin")
	mirror := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "kubesphere:iam:workspace:" + iamv1beta1.ManagerBindingName(ws), Namespace: p}}
	eventually(t, func() bool { return exists(t, mirror) }, "manager's workspace binding mirrored into the project")
	assert.Equal(t, "kubesphere:iam:workspace:"+iamv1beta1.WorkspaceRoleName(ws, "admin"), mirror.RoleRef.Name)

	// The project leaves the workspace: its roles and bindings go.
	ns := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, ns))
	delete(ns.Labels, tenantv1beta1.WorkspaceLabel)
	require.NoError(t, env.Client.Update(ctx, ns))
	var left []string
	eventually(t, func() bool {
		var roles iamv1beta1.RoleList
		var bindings iamv1beta1.RoleBindingList
		var mirrors rbacv1.RoleBindingList
		require.NoError(t, env.Client.List(ctx, &roles, client.InNamespace(p)))
		require.NoError(t, env.Client.List(ctx, &bindings, client.InNamespace(p)))
		require.NoError(t, env.Client.List(ctx, &mirrors, client.InNamespace(p)))
		left = nil
		for _, r := range roles.Items {
			left = append(left, "Role/"+r.Name)
		}
		for _, r := range bindings.Items {
			left = append(left, "RoleBinding/"+r.Name)
		}
		for _, r := range mirrors.Items {
			left = append(left, "rbac RoleBinding/"+r.Name)
		}
		return len(left) == 0
	}, "a namespace that leaves its workspace loses its roles and bindings; left: %v", &left)
}

func TestDeleteWorkspacePropagation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		propagation string
		keepsNS     bool
	}{
		{propagation: "", keepsNS: true},
		{propagation: tenantv1beta1.DeletionPropagationOrphan, keepsNS: true},
		{propagation: tenantv1beta1.DeletionPropagationBackground},
		{propagation: tenantv1beta1.DeletionPropagationForeground},
	}
	for _, tt := range tests {
		t.Run("propagation="+tt.propagation, func(t *testing.T) {
			ws := newWorkspace(t, "")
			p := newProject(t, ws, "")
			role := &iamv1beta1.WorkspaceRole{ObjectMeta: metaName(iamv1beta1.WorkspaceRoleName(ws, "admin"))}
			require.True(t, exists(t, role))

			require.NoError(t, tc.DeleteWorkspace(ctx, ws, tenancy.DeleteWorkspaceOptions{Propagation: tt.propagation}))
			eventually(t, func() bool { return !exists(t, &tenantv1beta1.Workspace{ObjectMeta: metaName(ws)}) }, "workspace deleted")
			assert.False(t, exists(t, role), "workspace roles go with the workspace")

			ns := &corev1.Namespace{ObjectMeta: metaName(p)}
			if tt.keepsNS {
				require.True(t, exists(t, ns))
				assert.True(t, ns.DeletionTimestamp.IsZero(), "orphaned project is kept")
				assert.NotContains(t, ns.Labels, tenantv1beta1.WorkspaceLabel, "orphaned project loses its workspace label")
			} else {
				eventually(t, func() bool { return !exists(t, ns) || !ns.DeletionTimestamp.IsZero() }, "project deleted")
			}
		})
	}

	err := tc.DeleteWorkspace(ctx, name("absent"), tenancy.DeleteWorkspaceOptions{})
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
	var ie *tenancy.InvalidError
	require.ErrorAs(t, tc.DeleteWorkspace(ctx, "x", tenancy.DeleteWorkspaceOptions{Propagation: "Sometimes"}), &ie)
	assert.Equal(t, "Propagation", ie.Field)
}
