package tenancy

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/membership"
)

// Member is a user and the role they hold in a workspace, project or the
// platform.
type Member struct {
	// User is the user's name.
	User string
	// Role is the role's short name, such as "admin" (for a workspace, the
	// role object is named "<workspace>-admin").
	Role string
}

// AddWorkspaceMember grants user the workspace role role (such as "admin",
// "regular", "self-provisioner" or "viewer"), replacing any role the user
// held in the workspace: a user holds one role per workspace.
func (c *Client) AddWorkspaceMember(ctx context.Context, workspace, user, role string) error {
	scope, err := c.workspaceScope(ctx, workspace)
	if err != nil {
		return err
	}
	return c.setMember(ctx, scope, "WorkspaceRole", user, role, false)
}

// ChangeWorkspaceMember changes the role of an existing member of the
// workspace. It returns a *NotFoundError when user is not a member.
func (c *Client) ChangeWorkspaceMember(ctx context.Context, workspace, user, role string) error {
	scope, err := c.workspaceScope(ctx, workspace)
	if err != nil {
		return err
	}
	return c.setMember(ctx, scope, "WorkspaceRole", user, role, true)
}

// RemoveWorkspaceMember takes the user's role in the workspace away. It
// returns a *NotFoundError when user is not a member.
func (c *Client) RemoveWorkspaceMember(ctx context.Context, workspace, user string) error {
	scope, err := c.workspaceScope(ctx, workspace)
	if err != nil {
		return err
	}
	return c.removeMember(ctx, scope, user)
}

// ListWorkspaceMembers returns the workspace's members sorted by name.
func (c *Client) ListWorkspaceMembers(ctx context.Context, workspace string) ([]Member, error) {
	scope, err := c.workspaceScope(ctx, workspace)
	if err != nil {
		return nil, err
	}
	return c.listMembers(ctx, scope)
}

// AddProjectMember grants user the project role role (such as "admin",
// "operator" or "viewer") in project, replacing any role the user held
// there.
func (c *Client) AddProjectMember(ctx context.Context, project, user, role string) error {
	scope, err := c.projectScope(ctx, project)
	if err != nil {
		return err
	}
	return c.setMember(ctx, scope, "Role", user, role, false)
}

// ChangeProjectMember changes the role of an existing member of project.
func (c *Client) ChangeProjectMember(ctx context.Context, project, user, role string) error {
	scope, err := c.projectScope(ctx, project)
	if err != nil {
		return err
	}
	return c.setMember(ctx, scope, "Role", user, role, true)
}

// RemoveProjectMember takes the user's role in project away.
func (c *Client) RemoveProjectMember(ctx context.Context, project, user string) error {
	scope, err := c.projectScope(ctx, project)
	if err != nil {
		return err
	}
	return c.removeMember(ctx, scope, user)
}

// ListProjectMembers returns the project's members sorted by name.
func (c *Client) ListProjectMembers(ctx context.Context, project string) ([]Member, error) {
	scope, err := c.projectScope(ctx, project)
	if err != nil {
		return nil, err
	}
	return c.listMembers(ctx, scope)
}

// AddPlatformMember grants user the global role role (such as
// "platform-admin" or "platform-regular"), replacing any global role the
// user held.
func (c *Client) AddPlatformMember(ctx context.Context, user, role string) error {
	return c.setMember(ctx, membership.Scope{}, "GlobalRole", user, role, false)
}

// ChangePlatformMember changes the global role of a user who holds one.
func (c *Client) ChangePlatformMember(ctx context.Context, user, role string) error {
	return c.setMember(ctx, membership.Scope{}, "GlobalRole", user, role, true)
}

// RemovePlatformMember takes the user's global role away.
func (c *Client) RemovePlatformMember(ctx context.Context, user string) error {
	return c.removeMember(ctx, membership.Scope{}, user)
}

// ListPlatformMembers returns the users that hold a global role.
func (c *Client) ListPlatformMembers(ctx context.Context) ([]Member, error) {
	return c.listMembers(ctx, membership.Scope{})
}

func (c *Client) workspaceScope(ctx context.Context, workspace string) (membership.Scope, error) {
	if _, err := c.workspaceExists(ctx, "workspace", workspace); err != nil {
		return membership.Scope{}, err
	}
	return membership.Scope{Workspace: workspace}, nil
}

func (c *Client) projectScope(ctx context.Context, project string) (membership.Scope, error) {
	if err := checkLabelName("project", project); err != nil {
		return membership.Scope{}, err
	}
	ns := &corev1.Namespace{}
	if err := c.mustExist(ctx, "project", "Namespace", client.ObjectKey{Name: project}, ns); err != nil {
		return membership.Scope{}, err
	}
	return membership.Scope{Namespace: project}, nil
}

func (c *Client) setMember(ctx context.Context, scope membership.Scope, roleKind, user, role string, mustBeMember bool) error {
	if err := checkRoleName("role", role); err != nil {
		return err
	}
	if err := c.userExists(ctx, "user", user); err != nil {
		return err
	}
	if err := c.mustExist(ctx, "role", roleKind, scope.RoleKey(role), scope.NewRole()); err != nil {
		return err
	}
	if err := c.mayGrant(ctx, scope, roleKind, role); err != nil {
		return err
	}
	if mustBeMember || c.actingFor() {
		if _, found, err := membership.Get(ctx, c.c, scope, user); err != nil {
			return err
		} else if !found && mustBeMember {
			return &NotFoundError{Field: "user", Kind: "member", Name: user}
		} else if found {
			// The user's present binding is replaced: deleted.
			if err := c.mayWriteBinding(ctx, scope, "delete"); err != nil {
				return err
			}
		}
	}
	if _, err := membership.Set(ctx, c.c, scope, user, role); err != nil {
		return fmt.Errorf("set role of %q: %w", user, err)
	}
	return nil
}

func (c *Client) removeMember(ctx context.Context, scope membership.Scope, user string) error {
	if err := checkUserName("user", user); err != nil {
		return err
	}
	if err := c.mayWriteBinding(ctx, scope, "delete"); err != nil {
		return err
	}
	removed, err := membership.Remove(ctx, c.c, scope, user)
	if err != nil {
		return fmt.Errorf("remove member %q: %w", user, err)
	}
	if !removed {
		return &NotFoundError{Field: "user", Kind: "member", Name: user}
	}
	return nil
}

func (c *Client) listMembers(ctx context.Context, scope membership.Scope) ([]Member, error) {
	ms, err := membership.List(ctx, c.c, scope)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		out = append(out, Member{User: m.User, Role: m.Role})
	}
	return out, nil
}

// grantPlace is where scope's bindings grant, for the Authorizer.
func grantPlace(scope membership.Scope) authz.Grant {
	switch {
	case scope.Namespace != "":
		return authz.Grant{Scope: authz.ScopeNamespace, Namespace: scope.Namespace}
	case scope.Workspace != "":
		return authz.Grant{Scope: authz.ScopeWorkspace, Workspace: scope.Workspace}
	default:
		return authz.Grant{Scope: authz.ScopeGlobal}
	}
}

// mayWriteBinding checks, when acting for a user, that they may verb the
// member bindings of scope.
func (c *Client) mayWriteBinding(ctx context.Context, scope membership.Scope, verb string) error {
	g := grantPlace(scope)
	resource := map[authz.Scope]string{authz.ScopeNamespace: "rolebindings", authz.ScopeWorkspace: "workspacerolebindings", authz.ScopeGlobal: "globalrolebindings"}[g.Scope]
	return c.authorize(ctx, writeOf(verb, iamv1beta1.GroupName, resource, "", g))
}

// mayGrant checks, when acting for a user, that they may write the binding
// and grant role in scope without escalating their privileges.
func (c *Client) mayGrant(ctx context.Context, scope membership.Scope, roleKind, role string) error {
	if !c.actingFor() {
		return nil
	}
	if err := c.mayWriteBinding(ctx, scope, "create"); err != nil {
		return err
	}
	return c.mayGrantRole(ctx, roleKind, scope.RoleKey(role), grantPlace(scope))
}
