package tenancy

import (
	"context"
	"fmt"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/membership"
)

// Member is a user and the role they hold in a Scope: a workspace, a
// project or the platform.
type Member struct {
	// User is the user's name.
	User string
	// Role is the role's short name, such as "admin" (for a workspace, the
	// role object is named "<workspace>-admin").
	Role string
}

// AddMember grants user the role role in scope, replacing any role the user
// held there: a user holds one role per scope. role is the role's short
// name: a global role such as "platform-admin" for Platform(), a workspace
// role such as "regular" for Workspace(name), a project role such as
// "operator" for Project(name).
func (c *Client) AddMember(ctx context.Context, scope Scope, user, role string) error {
	at, roleKind, err := c.memberScope(ctx, scope)
	if err != nil {
		return err
	}
	return c.setMember(ctx, scope, at, roleKind, user, role, false)
}

// ChangeMember changes the role of an existing member of scope to role. It
// returns a *NotFoundError when user is not a member.
func (c *Client) ChangeMember(ctx context.Context, scope Scope, user, role string) error {
	at, roleKind, err := c.memberScope(ctx, scope)
	if err != nil {
		return err
	}
	return c.setMember(ctx, scope, at, roleKind, user, role, true)
}

// RemoveMember takes the user's role in scope away. It returns a
// *NotFoundError when user is not a member.
func (c *Client) RemoveMember(ctx context.Context, scope Scope, user string) error {
	at, _, err := c.memberScope(ctx, scope)
	if err != nil {
		return err
	}
	return c.removeMember(ctx, scope, at, user)
}

// ListMembers returns the members of scope sorted by name: for Platform(),
// the users that hold a global role.
func (c *Client) ListMembers(ctx context.Context, scope Scope) ([]Member, error) {
	at, _, err := c.memberScope(ctx, scope)
	if err != nil {
		return nil, err
	}
	return c.listMembers(ctx, scope, at)
}

// memberScope checks scope (its workspace or project must exist) and
// returns where its member bindings live and the kind of role they grant.
func (c *Client) memberScope(ctx context.Context, scope Scope) (membership.Scope, string, error) {
	switch scope.kind {
	case scopePlatform:
		return membership.Scope{}, "GlobalRole", nil
	case scopeWorkspace:
		if _, err := c.workspaceExists(ctx, "workspace", scope.name); err != nil {
			return membership.Scope{}, "", err
		}
		return membership.Scope{Workspace: scope.name}, "WorkspaceRole", nil
	case scopeProject:
		if err := c.projectExists(ctx, "project", scope.name); err != nil {
			return membership.Scope{}, "", err
		}
		return membership.Scope{Namespace: scope.name}, "Role", nil
	default:
		return membership.Scope{}, "", &InvalidError{Field: "scope", Reason: "must not be the zero Scope (make one with tenancy.Platform, tenancy.Workspace or tenancy.Project)"}
	}
}

func (c *Client) setMember(ctx context.Context, where Scope, scope membership.Scope, roleKind, user, role string, mustBeMember bool) error {
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
	if held, err := c.heldRoles(ctx, scope, user); err != nil {
		return fmt.Errorf("set role of %q in %s: %w", user, where, err)
	} else if len(held) == 1 && held[0] == role {
		// Already so, possibly through a binding of another name (such
		// as KubeSphere's "<workspace>-admin" for the manager): kept.
		return nil
	}
	if _, err := membership.Set(ctx, c.c, scope, user, role); err != nil {
		return fmt.Errorf("set role of %q in %s: %w", user, where, err)
	}
	return nil
}

// heldRoles returns the short role names of user's member bindings in
// scope, one per binding.
func (c *Client) heldRoles(ctx context.Context, scope membership.Scope, user string) ([]string, error) {
	ms, err := membership.List(ctx, c.c, scope)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if m.User == user {
			out = append(out, shortRole(scope, m.Role))
		}
	}
	return out, nil
}

// shortRole is the short name of a role membership reports in scope: a
// workspace role named KubeSphere's way for long workspace names
// ("admin.<hash>") becomes "admin".
func shortRole(scope membership.Scope, role string) string {
	if scope.Workspace != "" && scope.Namespace == "" {
		if short, ok := iamv1beta1.ShortWorkspaceRoleName(scope.Workspace, role); ok {
			return short
		}
	}
	return role
}

func (c *Client) removeMember(ctx context.Context, where Scope, scope membership.Scope, user string) error {
	if err := checkUserName("user", user); err != nil {
		return err
	}
	if err := c.mayWriteBinding(ctx, scope, "delete"); err != nil {
		return err
	}
	removed, err := membership.Remove(ctx, c.c, scope, user)
	if err != nil {
		return fmt.Errorf("remove member %q of %s: %w", user, where, err)
	}
	if !removed {
		return &NotFoundError{Field: "user", Kind: "member", Name: user}
	}
	return nil
}

func (c *Client) listMembers(ctx context.Context, where Scope, scope membership.Scope) ([]Member, error) {
	ms, err := membership.List(ctx, c.c, scope)
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", where, err)
	}
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		out = append(out, Member{User: m.User, Role: shortRole(scope, m.Role)})
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
