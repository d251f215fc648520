package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/internal/builtin"
	"github.com/spherekit/spherekit/testenv"
)

// newWorkspaceBinding creates a WorkspaceRoleBinding of ws granting role
// (a short name) to users.
func newWorkspaceBinding(t *testing.T, ws, role string, users ...string) *iamv1beta1.WorkspaceRoleBinding {
	t.Helper()
	b := &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name("wrb"), Labels: labelled(map[string]string{tenantv1beta1.WorkspaceLabel: ws})},
		RoleRef:    iamRef("WorkspaceRole", iamv1beta1.WorkspaceRoleName(ws, role)),
	}
	for _, u := range users {
		b.Subjects = append(b.Subjects, userSubject(u))
	}
	create(t, b)
	return b
}

// projectMirror returns the (empty) native RoleBinding that mirrors b into
// project ns.
func projectMirror(b *iamv1beta1.WorkspaceRoleBinding, ns string) *rbacv1.RoleBinding {
	native, _ := controllers.NativeMirror(b, ns)
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: native.GetName(), Namespace: ns}}
}

// projectMirrored says how b's mirror in ns falls short of b.
func projectMirrored(t *testing.T, b *iamv1beta1.WorkspaceRoleBinding, ns string) error {
	t.Helper()
	if !exists(t, b) {
		return errors.New("no workspace binding")
	}
	want, _ := controllers.NativeMirror(b, ns)
	got := projectMirror(b, ns)
	if !exists(t, got) {
		return fmt.Errorf("no mirror of %s in %s", b.Name, ns)
	}
	if !isController(got, b) {
		return errors.New("mirror not controlled by the workspace binding")
	}
	if got.Labels[tenantv1beta1.WorkspaceLabel] != b.Labels[tenantv1beta1.WorkspaceLabel] || got.Labels[tenantv1beta1.ManagedLabel] != "true" {
		return fmt.Errorf("mirror labels %v", got.Labels)
	}
	w := want.(*rbacv1.RoleBinding)
	if w.RoleRef != got.RoleRef {
		return fmt.Errorf("roleRef (-want +got):\n%s", cmp.Diff(w.RoleRef, got.RoleRef))
	}
	if d := cmp.Diff(subjectNames(w.Subjects), subjectNames(got.Subjects)); d != "" {
		return fmt.Errorf("subjects (-want +got):\n%s", d)
	}
	return nil
}

func waitProjectMirrored(t *testing.T, b *iamv1beta1.WorkspaceRoleBinding, ns, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		err := projectMirrored(t, b, ns)
		return err == nil, err
	}, "%s", msg)
}

// projectReady says what project ns (of ws, created by creator) lacks: its
// stamped roles (mirrored into native RBAC) and its creator's admin
// binding (mirrored too).
func projectReady(t *testing.T, ns, creator string) error {
	t.Helper()
	ctx := context.Background()
	n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if !exists(t, n) {
		return errors.New("no namespace")
	}
	brs, err := builtin.Matching(ctx, env.Client, iamv1beta1.ScopeNamespace, n.Labels)
	require.NoError(t, err)
	if len(brs) == 0 {
		return errors.New("the defaults hold no project roles")
	}
	for _, br := range brs {
		role := &iamv1beta1.Role{}
		require.NoError(t, builtin.Decode(br, role))
		role = &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: role.Name, Namespace: ns}}
		if !exists(t, role) {
			return fmt.Errorf("no project role %s", role.Name)
		}
		if role.Labels[tenantv1beta1.ManagedLabel] != "true" {
			return fmt.Errorf("project role %s not labelled managed", role.Name)
		}
		if err := mirrored(t, role); err != nil {
			return fmt.Errorf("project role %s: %w", role.Name, err)
		}
	}
	if creator == "" {
		return nil
	}
	var rbs iamv1beta1.RoleBindingList
	require.NoError(t, env.Client.List(ctx, &rbs, client.InNamespace(ns), client.MatchingLabels{iamv1beta1.UserReferenceLabel: creator}))
	for i := range rbs.Items {
		b := &rbs.Items[i]
		if b.RoleRef == iamRef("Role", iamv1beta1.ProjectAdmin) {
			if err := mirrored(t, b); err != nil {
				return fmt.Errorf("creator's binding %s: %w", b.Name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("no admin binding of creator %s among %d", creator, len(rbs.Items))
}

func waitProjectReady(t *testing.T, ns, creator, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		err := projectReady(t, ns, creator)
		return err == nil, err
	}, "%s", msg)
}

// TestNamespaceReconciler checks what a namespace labelled with a
// workspace gets as a project, as its workspace's bindings and its label
// change.
func TestNamespaceReconciler(t *testing.T) {
	creatorAnnotation := func(user string) map[string]string {
		return map[string]string{tenantv1beta1.CreatorAnnotation: user}
	}

	t.Run("created", func(t *testing.T) {
		ws := name("ws")
		before := newWorkspaceBinding(t, ws, "viewer", "alice")
		ns := newProject(t, ws, nil, creatorAnnotation("carl"))
		waitProjectReady(t, ns, "carl", "the project gets its roles and its creator's admin binding")
		waitProjectMirrored(t, before, ns, "a binding of the workspace is mirrored into the project")
	})

	t.Run("workspace binding added, changed and deleted", func(t *testing.T) {
		ws := name("ws")
		ns := newProject(t, ws, nil, nil)
		waitProjectReady(t, ns, "", "created")
		b := newWorkspaceBinding(t, ws, "viewer", "alice")
		waitProjectMirrored(t, b, ns, "a new workspace binding is mirrored")
		update(t, b, func(b *iamv1beta1.WorkspaceRoleBinding) {
			b.Subjects = append(b.Subjects, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "devs"})
		})
		waitProjectMirrored(t, b, ns, "the mirror follows the subjects")
		update(t, b, func(b *iamv1beta1.WorkspaceRoleBinding) { b.Subjects = nil })
		waitProjectMirrored(t, b, ns, "the mirror's subjects are emptied too")
		update(t, b, func(b *iamv1beta1.WorkspaceRoleBinding) {
			b.RoleRef = iamRef("WorkspaceRole", iamv1beta1.WorkspaceRoleName(ws, "admin"))
		})
		waitProjectMirrored(t, b, ns, "the mirror follows the role")
		remove(t, b)
		gone(t, projectMirror(b, ns), "the mirror goes with the workspace binding")
	})

	t.Run("mirror edited or deleted", func(t *testing.T) {
		ws := name("ws")
		b := newWorkspaceBinding(t, ws, "viewer", "alice")
		ns := newProject(t, ws, nil, nil)
		waitProjectMirrored(t, b, ns, "created")
		update(t, projectMirror(b, ns), func(rb *rbacv1.RoleBinding) { rb.Subjects = []rbacv1.Subject{userSubject("mallory")} })
		waitProjectMirrored(t, b, ns, "the edited mirror is put back")
		m := projectMirror(b, ns)
		require.True(t, exists(t, m))
		uid := m.UID
		remove(t, m)
		eventually(t, func() bool { return exists(t, m) && m.UID != uid }, "the deleted mirror is created again")
		waitProjectMirrored(t, b, ns, "the new mirror")
	})

	t.Run("workspace label removed", func(t *testing.T) {
		ws := name("ws")
		b := newWorkspaceBinding(t, ws, "viewer", "alice")
		ns := newProject(t, ws, nil, creatorAnnotation("carl"))
		waitProjectReady(t, ns, "carl", "created")
		waitProjectMirrored(t, b, ns, "created")
		update(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, func(n *corev1.Namespace) {
			delete(n.Labels, tenantv1beta1.WorkspaceLabel)
		})
		ctx := context.Background()
		eventually(t, func() bool {
			var roles iamv1beta1.RoleList
			var bindings iamv1beta1.RoleBindingList
			var mirrors rbacv1.RoleBindingList
			require.NoError(t, env.Client.List(ctx, &roles, client.InNamespace(ns)))
			require.NoError(t, env.Client.List(ctx, &bindings, client.InNamespace(ns)))
			require.NoError(t, env.Client.List(ctx, &mirrors, client.InNamespace(ns), client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}))
			return len(roles.Items)+len(bindings.Items)+len(mirrors.Items) == 0
		}, "a namespace that leaves its workspace loses its roles, bindings and mirrored workspace bindings")
	})

	t.Run("workspace created after its project", func(t *testing.T) {
		// The project's label names a workspace that does not exist yet:
		// it is a project all the same, and when the workspace comes, its
		// manager's binding reaches the project.
		wsName := name("ws")
		ns := newProject(t, wsName, nil, nil)
		waitProjectReady(t, ns, "", "a project of a missing workspace gets its roles")
		newWorkspaceNamed(t, wsName, "mia")
		var b *iamv1beta1.WorkspaceRoleBinding
		testenv.Eventually(t, func() (bool, error) {
			var err error
			b, err = managerBinding(t, wsName, "mia")
			return err == nil, err
		}, "the manager's binding")
		waitProjectMirrored(t, b, ns, "the manager's binding reaches the project")
	})

	t.Run("a RoleBinding of the mirror's name exists", func(t *testing.T) {
		// One with the same roleRef is adopted; one with another roleRef
		// (which cannot change) is left alone, and does not keep the
		// workspace's other bindings out of the project.
		ws := name("ws")
		ns := newProject(t, ws, nil, nil)
		waitProjectReady(t, ns, "", "created")
		sameRef := &iamv1beta1.WorkspaceRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name("wrb-a"), Labels: labelled(map[string]string{tenantv1beta1.WorkspaceLabel: ws})},
			Subjects:   []rbacv1.Subject{userSubject("alice")},
			RoleRef:    iamRef("WorkspaceRole", iamv1beta1.WorkspaceRoleName(ws, "viewer")),
		}
		otherRef := sameRef.DeepCopy()
		otherRef.Name = name("wrb-b")
		for _, b := range []*iamv1beta1.WorkspaceRoleBinding{sameRef, otherRef} {
			want, _ := controllers.NativeMirror(b, ns)
			squatter := want.(*rbacv1.RoleBinding)
			squatter.Subjects = []rbacv1.Subject{userSubject("mallory")}
			if b == otherRef {
				squatter.RoleRef.Name = "view"
			}
			create(t, squatter)
		}
		create(t, otherRef)
		create(t, sameRef)
		later := newWorkspaceBinding(t, ws, "admin", "bob")
		waitProjectMirrored(t, sameRef, ns, "a RoleBinding with the mirror's roleRef is adopted")
		waitProjectMirrored(t, later, ns, "the workspace's other bindings are mirrored")
		m := projectMirror(otherRef, ns)
		require.True(t, exists(t, m))
		assert.Equal(t, "view", m.RoleRef.Name, "one with another roleRef keeps it")
		assert.Equal(t, []string{"User//mallory"}, subjectNames(m.Subjects), "and its subjects")
		assert.Empty(t, m.OwnerReferences, "and is not owned")
	})
}

// newWorkspaceNamed creates a labelled workspace of the given name.
func newWorkspaceNamed(t *testing.T, ws, manager string) {
	t.Helper()
	create(t, &tenantv1beta1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: ws, Labels: labelled(nil)},
		Spec:       tenantv1beta1.WorkspaceSpec{Manager: manager},
	})
}
