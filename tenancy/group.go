package tenancy

import (
	"context"
	"fmt"
	"slices"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// CreateGroupOptions are the optional inputs of CreateGroup.
type CreateGroupOptions struct {
	// Parent is a group of the same workspace to nest the new group under.
	Parent    string
	AliasName string
}

// CreateGroup creates a group of users in workspace. Binding a role to the
// group grants it to every member; AddGroupMembers fills it.
func (c *Client) CreateGroup(ctx context.Context, workspace, name string, opts CreateGroupOptions) (*iamv1beta1.Group, error) {
	if err := checkLabelName("name", name); err != nil {
		return nil, err
	}
	if _, err := c.workspaceExists(ctx, "workspace", workspace); err != nil {
		return nil, err
	}
	labels := map[string]string{tenantv1beta1.WorkspaceLabel: workspace}
	if opts.Parent != "" {
		parent := &iamv1beta1.Group{}
		if err := checkLabelName("Parent", opts.Parent); err != nil {
			return nil, err
		}
		if err := c.mustExist(ctx, "Parent", "Group", client.ObjectKey{Name: opts.Parent}, parent); err != nil {
			return nil, err
		}
		if parent.Labels[tenantv1beta1.WorkspaceLabel] != workspace {
			return nil, &InvalidError{Field: "Parent", Reason: fmt.Sprintf("group %q belongs to another workspace", opts.Parent)}
		}
		labels[iamv1beta1.GroupParentLabel] = opts.Parent
	}
	if err := c.authorize(ctx, writeOf("create", iamv1beta1.GroupName, iamv1beta1.ResourceGroups, name, inWorkspace(workspace))); err != nil {
		return nil, err
	}
	g := &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if opts.AliasName != "" {
		g.Annotations = map[string]string{tenantv1beta1.AliasNameAnnotation: opts.AliasName}
	}
	if err := c.c.Create(ctx, g); err != nil {
		return nil, fmt.Errorf("create group %q: %w", name, err)
	}
	return g, nil
}

// AddGroupMembers adds users to group, one GroupBinding per user as
// KubeSphere records them. Users already in the group are left as they are.
// Every user must exist; if one does not, nobody is added.
func (c *Client) AddGroupMembers(ctx context.Context, group string, users ...string) error {
	if err := checkLabelName("group", group); err != nil {
		return err
	}
	if len(users) == 0 {
		return &InvalidError{Field: "users", Reason: "name at least one user"}
	}
	g := &iamv1beta1.Group{}
	if err := c.mustExist(ctx, "group", "Group", client.ObjectKey{Name: group}, g); err != nil {
		return err
	}
	for _, u := range users {
		if err := c.userExists(ctx, "users", u); err != nil {
			return err
		}
	}
	if err := c.mayJoin(ctx, g); err != nil {
		return err
	}
	for _, u := range users {
		gb := &iamv1beta1.GroupBinding{
			ObjectMeta: metav1.ObjectMeta{
				Name: iamv1beta1.MemberBindingName(group, u),
				Labels: map[string]string{
					iamv1beta1.GroupReferenceLabel: group,
					iamv1beta1.UserReferenceLabel:  u,
				},
			},
			GroupRef: iamv1beta1.GroupReference{APIGroup: iamv1beta1.GroupName, Kind: "Group", Name: group},
			Users:    []string{u},
		}
		if err := c.c.Create(ctx, gb); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("add %q to group %q: %w", u, group, err)
		}
	}
	return nil
}

// RemoveGroupMember takes user out of group.
func (c *Client) RemoveGroupMember(ctx context.Context, group, user string) error {
	if err := checkLabelName("group", group); err != nil {
		return err
	}
	if err := checkUserName("user", user); err != nil {
		return err
	}
	var list iamv1beta1.GroupBindingList
	if err := c.c.List(ctx, &list, client.MatchingLabels{iamv1beta1.GroupReferenceLabel: group, iamv1beta1.UserReferenceLabel: user}); err != nil {
		return fmt.Errorf("remove %q from group %q: %w", user, group, err)
	}
	if len(list.Items) == 0 {
		return &NotFoundError{Field: "user", Kind: "group member", Name: user}
	}
	g := &iamv1beta1.Group{}
	if err := c.mustExist(ctx, "group", "Group", client.ObjectKey{Name: group}, g); err != nil {
		return err
	}
	if err := c.authorize(ctx, writeOf("delete", iamv1beta1.GroupName, iamv1beta1.ResourceGroupBindings, "", groupPlace(g))); err != nil {
		return err
	}
	for i := range list.Items {
		if err := c.c.Delete(ctx, &list.Items[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("remove %q from group %q: %w", user, group, err)
		}
	}
	return nil
}

// ListGroupMembers returns the sorted names of group's members.
func (c *Client) ListGroupMembers(ctx context.Context, group string) ([]string, error) {
	if err := checkLabelName("group", group); err != nil {
		return nil, err
	}
	var list iamv1beta1.GroupBindingList
	if err := c.c.List(ctx, &list, client.MatchingLabels{iamv1beta1.GroupReferenceLabel: group}); err != nil {
		return nil, fmt.Errorf("list members of group %q: %w", group, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, gb := range list.Items {
		for _, u := range gb.Users {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// groupPlace is where a group's bindings are written: its workspace, or the
// platform for a group of none.
func groupPlace(g *iamv1beta1.Group) authz.Grant {
	if ws := g.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
		return inWorkspace(ws)
	}
	return platform
}

// mayJoin checks, when acting for a user, that they may add members to g:
// write its group bindings, and grant every role bound to the group where
// it is bound, since a member gains all of them. Without the second check a
// workspace admin could join a group that holds platform-admin.
func (c *Client) mayJoin(ctx context.Context, g *iamv1beta1.Group) error {
	if !c.actingFor() {
		return nil
	}
	if err := c.authorize(ctx, writeOf("create", iamv1beta1.GroupName, iamv1beta1.ResourceGroupBindings, "", groupPlace(g))); err != nil {
		return err
	}
	grants, err := c.rolesOfGroup(ctx, g.Name)
	if err != nil {
		return err
	}
	for _, gr := range grants {
		if err := c.mayGrantRole(ctx, gr.kind, gr.key, gr.at); err != nil {
			return err
		}
	}
	return nil
}

// roleGrant is a role bound somewhere.
type roleGrant struct {
	kind string
	key  client.ObjectKey
	at   authz.Grant
}

// rolesOfGroup lists the iam roles bound to group, with where each is bound.
func (c *Client) rolesOfGroup(ctx context.Context, group string) ([]roleGrant, error) {
	named := func(subjects []rbacv1.Subject) bool {
		return slices.ContainsFunc(subjects, func(s rbacv1.Subject) bool { return s.Kind == rbacv1.GroupKind && s.Name == group })
	}
	var out []roleGrant
	var grbs iamv1beta1.GlobalRoleBindingList
	if err := c.c.List(ctx, &grbs); err != nil {
		return nil, fmt.Errorf("list global role bindings: %w", err)
	}
	for _, b := range grbs.Items {
		if named(b.Subjects) {
			out = append(out, roleGrant{b.RoleRef.Kind, client.ObjectKey{Name: b.RoleRef.Name}, platform})
		}
	}
	var wrbs iamv1beta1.WorkspaceRoleBindingList
	if err := c.c.List(ctx, &wrbs); err != nil {
		return nil, fmt.Errorf("list workspace role bindings: %w", err)
	}
	for _, b := range wrbs.Items {
		if ws := b.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" && named(b.Subjects) {
			out = append(out, roleGrant{b.RoleRef.Kind, client.ObjectKey{Name: b.RoleRef.Name}, inWorkspace(ws)})
		}
	}
	var crbs iamv1beta1.ClusterRoleBindingList
	if err := c.c.List(ctx, &crbs); err != nil {
		return nil, fmt.Errorf("list cluster role bindings: %w", err)
	}
	for _, b := range crbs.Items {
		if named(b.Subjects) {
			out = append(out, roleGrant{b.RoleRef.Kind, client.ObjectKey{Name: b.RoleRef.Name}, authz.Grant{Scope: authz.ScopeCluster}})
		}
	}
	var rbs iamv1beta1.RoleBindingList
	if err := c.c.List(ctx, &rbs); err != nil {
		return nil, fmt.Errorf("list role bindings: %w", err)
	}
	for _, b := range rbs.Items {
		if named(b.Subjects) {
			key := client.ObjectKey{Name: b.RoleRef.Name}
			if b.RoleRef.Kind == "Role" {
				key.Namespace = b.Namespace
			}
			out = append(out, roleGrant{b.RoleRef.Kind, key, inNamespace(b.Namespace)})
		}
	}
	return out, nil
}
