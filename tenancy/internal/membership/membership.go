package membership

import (
	"context"
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// Scope is where a membership applies: the platform (both fields empty), a
// workspace, or a project (namespace).
type Scope struct {
	Workspace string
	Namespace string
}

// Member is a user and the role they hold in a scope.
type Member struct {
	User string
	// Role is the short role name ("admin"), also for workspaces whose role
	// objects are named "<workspace>-admin".
	Role string
	// Binding is the name of the binding that grants it.
	Binding string
}

// RoleObjectName is the name of the role object that holds role in s.
func (s Scope) RoleObjectName(role string) string {
	if s.Workspace != "" && s.Namespace == "" {
		return iamv1beta1.WorkspaceRoleName(s.Workspace, role)
	}
	return role
}

// RoleKey is the object key of the role object for role in s.
func (s Scope) RoleKey(role string) client.ObjectKey {
	return client.ObjectKey{Namespace: s.Namespace, Name: s.RoleObjectName(role)}
}

// NewRole returns an empty role object of s's kind.
func (s Scope) NewRole() client.Object {
	switch {
	case s.Namespace != "":
		return &iamv1beta1.Role{}
	case s.Workspace != "":
		return &iamv1beta1.WorkspaceRole{}
	default:
		return &iamv1beta1.GlobalRole{}
	}
}

func (s Scope) roleKind() string {
	switch {
	case s.Namespace != "":
		return "Role"
	case s.Workspace != "":
		return "WorkspaceRole"
	default:
		return "GlobalRole"
	}
}

// binding builds the member binding of user for role in s.
func (s Scope) binding(user, role string) client.Object {
	roleName := s.RoleObjectName(role)
	meta := metav1.ObjectMeta{
		Name:      iamv1beta1.MemberBindingName(user, roleName),
		Namespace: s.Namespace,
		Labels: map[string]string{
			iamv1beta1.UserReferenceLabel: user,
			iamv1beta1.RoleReferenceLabel: roleName,
		},
	}
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	ref := rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: s.roleKind(), Name: roleName}
	switch {
	case s.Namespace != "":
		return &iamv1beta1.RoleBinding{ObjectMeta: meta, Subjects: subjects, RoleRef: ref}
	case s.Workspace != "":
		meta.Labels[tenantv1beta1.WorkspaceLabel] = s.Workspace
		return &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: meta, Subjects: subjects, RoleRef: ref}
	default:
		return &iamv1beta1.GlobalRoleBinding{ObjectMeta: meta, Subjects: subjects, RoleRef: ref}
	}
}

// userBindings lists the member bindings of user in s (or of every user when
// user is empty).
func (s Scope) bindings(ctx context.Context, r client.Reader, user string) ([]client.Object, error) {
	labels := client.MatchingLabels{}
	if user != "" {
		labels[iamv1beta1.UserReferenceLabel] = user
	}
	var out []client.Object
	switch {
	case s.Namespace != "":
		var l iamv1beta1.RoleBindingList
		if err := r.List(ctx, &l, client.InNamespace(s.Namespace), labels); err != nil {
			return nil, err
		}
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case s.Workspace != "":
		labels[tenantv1beta1.WorkspaceLabel] = s.Workspace
		var l iamv1beta1.WorkspaceRoleBindingList
		if err := r.List(ctx, &l, labels); err != nil {
			return nil, err
		}
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	default:
		var l iamv1beta1.GlobalRoleBindingList
		if err := r.List(ctx, &l, labels); err != nil {
			return nil, err
		}
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	}
	// Only bindings that carry both reference labels are member bindings.
	kept := out[:0]
	for _, b := range out {
		if b.GetLabels()[iamv1beta1.UserReferenceLabel] != "" && b.GetLabels()[iamv1beta1.RoleReferenceLabel] != "" {
			kept = append(kept, b)
		}
	}
	return kept, nil
}

// Set makes user a member of s with role: it creates the member binding,
// then removes the user's other member bindings in s, so a user holds one
// role per scope. It reports whether anything changed.
func Set(ctx context.Context, c client.Client, s Scope, user, role string) (bool, error) {
	return SetLabelled(ctx, c, s, user, role, nil)
}

// SetLabelled is Set with extra labels on a binding it creates, such as a
// controller's watch filter label.
func SetLabelled(ctx context.Context, c client.Client, s Scope, user, role string, extra map[string]string) (bool, error) {
	want := s.binding(user, role)
	if len(extra) > 0 {
		l := want.GetLabels()
		for k, v := range extra {
			if _, ok := l[k]; !ok {
				l[k] = v
			}
		}
		want.SetLabels(l)
	}
	changed := false
	existing := want.DeepCopyObject().(client.Object)
	switch err := c.Get(ctx, client.ObjectKeyFromObject(want), existing); {
	case apierrors.IsNotFound(err):
		if err := c.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return false, fmt.Errorf("create binding %s: %w", want.GetName(), err)
		}
		changed = true
	case err != nil:
		return false, fmt.Errorf("get binding %s: %w", want.GetName(), err)
	}
	others, err := s.bindings(ctx, c, user)
	if err != nil {
		return changed, fmt.Errorf("list bindings of %q: %w", user, err)
	}
	for _, b := range others {
		if b.GetName() == want.GetName() {
			continue
		}
		if err := c.Delete(ctx, b); client.IgnoreNotFound(err) != nil {
			return changed, fmt.Errorf("delete binding %s: %w", b.GetName(), err)
		}
		changed = true
	}
	return changed, nil
}

// Remove deletes every member binding of user in s and reports whether there
// was one.
func Remove(ctx context.Context, c client.Client, s Scope, user string) (bool, error) {
	existing, err := s.bindings(ctx, c, user)
	if err != nil {
		return false, fmt.Errorf("list bindings of %q: %w", user, err)
	}
	for _, b := range existing {
		if err := c.Delete(ctx, b); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("delete binding %s: %w", b.GetName(), err)
		}
	}
	return len(existing) > 0, nil
}

// Get returns the member record of user in s, or false.
func Get(ctx context.Context, r client.Reader, s Scope, user string) (Member, bool, error) {
	members, err := list(ctx, r, s, user)
	if err != nil || len(members) == 0 {
		return Member{}, false, err
	}
	return members[0], true, nil
}

// List returns the members of s sorted by user name.
func List(ctx context.Context, r client.Reader, s Scope) ([]Member, error) {
	return list(ctx, r, s, "")
}

func list(ctx context.Context, r client.Reader, s Scope, user string) ([]Member, error) {
	bindings, err := s.bindings(ctx, r, user)
	if err != nil {
		return nil, fmt.Errorf("list member bindings: %w", err)
	}
	out := make([]Member, 0, len(bindings))
	for _, b := range bindings {
		roleName := b.GetLabels()[iamv1beta1.RoleReferenceLabel]
		out = append(out, Member{User: b.GetLabels()[iamv1beta1.UserReferenceLabel], Role: s.ShortRole(roleName), Binding: b.GetName()})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].User != out[j].User {
			return out[i].User < out[j].User
		}
		return out[i].Binding < out[j].Binding
	})
	return out, nil
}

// ShortRole turns a role object name of s back into the role's short name
// ("<workspace>-admin" into "admin").
func (s Scope) ShortRole(roleName string) string {
	if s.Workspace == "" || s.Namespace != "" {
		return roleName
	}
	if short, ok := strings.CutPrefix(roleName, s.Workspace+"-"); ok && short != "" {
		return short
	}
	return roleName
}
