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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/internal/builtin"
	"github.com/spherekit/spherekit/testenv"
)

// newWorkspace creates a labelled workspace managed by manager (may be
// empty) with extra labels, deleted when the test ends.
func newWorkspace(t *testing.T, manager string, lbls map[string]string) *tenantv1beta1.Workspace {
	t.Helper()
	ws := &tenantv1beta1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: name("ws"), Labels: labelled(lbls)},
		Spec:       tenantv1beta1.WorkspaceSpec{Manager: manager},
	}
	create(t, ws)
	return ws
}

// stampedRoles returns the names of the workspace roles ws should get from
// the BuiltinRoles there are now.
func stampedRoles(t *testing.T, ws *tenantv1beta1.Workspace) []string {
	t.Helper()
	brs, err := builtin.Matching(context.Background(), env.Client, iamv1beta1.ScopeWorkspace, ws.Labels)
	require.NoError(t, err)
	require.NotEmpty(t, brs, "the defaults hold workspace roles")
	var out []string
	for _, br := range brs {
		role := &iamv1beta1.WorkspaceRole{}
		require.NoError(t, builtin.Decode(br, role))
		out = append(out, iamv1beta1.WorkspaceRoleName(ws.Name, role.Name))
	}
	return out
}

// managerBinding finds the member binding that makes user admin of ws, by
// its labels and roleRef (its name is not part of the contract).
func managerBinding(t *testing.T, ws, user string) (*iamv1beta1.WorkspaceRoleBinding, error) {
	t.Helper()
	var list iamv1beta1.WorkspaceRoleBindingList
	require.NoError(t, env.Client.List(context.Background(), &list, client.MatchingLabels{
		tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.UserReferenceLabel: user,
	}))
	want := iamRef("WorkspaceRole", iamv1beta1.WorkspaceRoleName(ws, iamv1beta1.WorkspaceAdmin))
	for i := range list.Items {
		b := &list.Items[i]
		if b.RoleRef == want {
			if d := cmp.Diff([]string{"User//" + user}, subjectNames(b.Subjects)); d != "" {
				return nil, fmt.Errorf("binding %s subjects (-want +got):\n%s", b.Name, d)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("no binding of %s to %s among %d", user, want.Name, len(list.Items))
}

// TestWorkspaceTemplateReconciler checks the Workspace kept for a
// WorkspaceTemplate through the template's life.
func TestWorkspaceTemplateReconciler(t *testing.T) {
	ctx := context.Background()
	newTemplate := func(t *testing.T) *tenantv1beta1.WorkspaceTemplate {
		tpl := &tenantv1beta1.WorkspaceTemplate{
			ObjectMeta: metav1.ObjectMeta{Name: name("tpl"), Labels: labelled(nil)},
			Spec: tenantv1beta1.WorkspaceTemplateSpec{Placement: placedHere().Placement, Template: tenantv1beta1.WorkspaceTemplateBody{
				TemplateMeta: tenantv1beta1.TemplateMeta{
					Labels:      map[string]string{"team": "a"},
					Annotations: map[string]string{tenantv1beta1.DescriptionAnnotation: "team a"},
				},
				Spec: tenantv1beta1.WorkspaceSpec{Manager: "anna"},
			}},
		}
		return tpl
	}
	// follows says how the template's workspace differs from it.
	follows := func(tpl *tenantv1beta1.WorkspaceTemplate) (bool, error) {
		ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: tpl.Name}}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(ws), ws); err != nil {
			return false, err
		}
		if !isController(ws, tpl) {
			return false, errors.New("workspace not controlled by its template")
		}
		for k, v := range tpl.Spec.Template.Labels {
			if ws.Labels[k] != v {
				return false, fmt.Errorf("label %s=%q, want %q", k, ws.Labels[k], v)
			}
		}
		for k, v := range tpl.Spec.Template.Annotations {
			if ws.Annotations[k] != v {
				return false, fmt.Errorf("annotation %s=%q, want %q", k, ws.Annotations[k], v)
			}
		}
		if d := cmp.Diff(tpl.Spec.Template.Spec, ws.Spec); d != "" {
			return false, fmt.Errorf("spec (-want +got):\n%s", d)
		}
		return true, nil
	}
	waitFollows := func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate, msg string) {
		t.Helper()
		testenv.Eventually(t, func() (bool, error) { return follows(tpl) }, "%s", msg)
	}

	tests := []struct {
		name string
		// before runs before the template is created.
		before func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate)
		after  func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate)
	}{
		{name: "created"},
		{name: "template updated", after: func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate) {
			update(t, tpl, func(tpl *tenantv1beta1.WorkspaceTemplate) {
				tpl.Spec.Template.Spec.Manager = "bert"
				tpl.Spec.Template.Labels["team"] = "b"
				tpl.Spec.Template.Annotations[tenantv1beta1.AliasNameAnnotation] = "B"
			})
			waitFollows(t, tpl, "the workspace follows its template")
		}},
		{name: "workspace edited", after: func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate) {
			update(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: tpl.Name}}, func(ws *tenantv1beta1.Workspace) {
				ws.Spec.Manager = "mallory"
				ws.Labels["team"] = "z"
			})
			waitFollows(t, tpl, "the edited workspace is put back")
		}},
		{name: "workspace deleted", after: func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate) {
			ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: tpl.Name}}
			require.True(t, exists(t, ws))
			uid := ws.UID
			remove(t, ws)
			eventually(t, func() bool { return exists(t, ws) && ws.UID != uid }, "the deleted workspace is created again")
			waitFollows(t, tpl, "the new workspace")
		}},
		{name: "template deleted", after: func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate) {
			remove(t, tpl)
			gone(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: tpl.Name}}, "the workspace goes with its template")
		}},
		{name: "a workspace of the name exists", before: func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate) {
			// Adopted: the template says what its workspace holds; labels
			// the template does not set are kept.
			ws := &tenantv1beta1.Workspace{
				ObjectMeta: metav1.ObjectMeta{Name: tpl.Name, Labels: labelled(map[string]string{"team": "old", "site": "x"})},
				Spec:       tenantv1beta1.WorkspaceSpec{Manager: "olga"},
			}
			create(t, ws)
		}, after: func(t *testing.T, tpl *tenantv1beta1.WorkspaceTemplate) {
			ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: tpl.Name}}
			require.True(t, exists(t, ws))
			assert.Equal(t, "x", ws.Labels["site"])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := newTemplate(t)
			if tt.before != nil {
				tt.before(t, tpl)
			}
			create(t, tpl)
			waitFollows(t, tpl, "created: the workspace holds the template's metadata and spec")
			if tt.after != nil {
				tt.after(t, tpl)
			}
		})
	}
}

// TestWorkspaceReconciler checks what a workspace gets: its finalizer, the
// workspace roles of the BuiltinRoles that match it (mirrored into native
// RBAC) and its manager's admin binding, as the workspace and the
// BuiltinRoles change.
func TestWorkspaceReconciler(t *testing.T) {
	// ready says what ws still lacks.
	ready := func(t *testing.T, ws *tenantv1beta1.Workspace) (bool, error) {
		if !exists(t, ws) {
			return false, errors.New("no workspace")
		}
		if !controllerutil.ContainsFinalizer(ws, tenantv1beta1.CascadingDeletionFinalizer) {
			return false, errors.New("no finalizer")
		}
		for _, n := range stampedRoles(t, ws) {
			role := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: n}}
			if !exists(t, role) {
				return false, fmt.Errorf("no role %s", n)
			}
			if role.Labels[tenantv1beta1.WorkspaceLabel] != ws.Name || !metav1.IsControlledBy(role, ws) && !ownedBy(role, ws) {
				return false, fmt.Errorf("role %s: not labelled with or owned by its workspace", n)
			}
			if err := mirrored(t, role); err != nil {
				return false, fmt.Errorf("role %s: %w", n, err)
			}
		}
		if ws.Spec.Manager != "" {
			if _, err := managerBinding(t, ws.Name, ws.Spec.Manager); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	waitReady := func(t *testing.T, ws *tenantv1beta1.Workspace, msg string) {
		t.Helper()
		testenv.Eventually(t, func() (bool, error) { return ready(t, ws) }, "%s", msg)
	}

	t.Run("created", func(t *testing.T) {
		ws := newWorkspace(t, "anna", nil)
		waitReady(t, ws, "the workspace gets its finalizer, roles (mirrored) and manager binding")
	})

	t.Run("manager changed", func(t *testing.T) {
		ws := newWorkspace(t, "anna", nil)
		waitReady(t, ws, "created")
		update(t, ws, func(ws *tenantv1beta1.Workspace) { ws.Spec.Manager = "bert" })
		waitReady(t, ws, "the new manager is bound as admin")
	})

	t.Run("a BuiltinRole appears", func(t *testing.T) {
		// Only the workspaces its selector matches get its role, also
		// workspaces that exist already.
		sel := name("sel")
		before := newWorkspace(t, "", map[string]string{"controllers-test/builtin": sel})
		waitReady(t, before, "created")
		short := name("auditor")
		newBuiltinRole(t, iamv1beta1.ScopeWorkspace, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: short}, Rules: readPods},
			metav1.LabelSelector{MatchLabels: map[string]string{"controllers-test/builtin": sel}})
		role := func(ws *tenantv1beta1.Workspace) *iamv1beta1.WorkspaceRole {
			return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: iamv1beta1.WorkspaceRoleName(ws.Name, short)}}
		}
		stamped := role(before)
		eventually(t, func() bool { return exists(t, stamped) }, "the new BuiltinRole is stamped into a workspace it matches")
		assert.Equal(t, readPods, stamped.Rules)

		// Created in this order, the unmatched one is reconciled first.
		other := newWorkspace(t, "", nil)
		after := newWorkspace(t, "", map[string]string{"controllers-test/builtin": sel})
		waitReady(t, after, "a new matching workspace gets it too")
		require.True(t, exists(t, role(after)))
		waitReady(t, other, "the other workspace is ready")
		assert.False(t, exists(t, role(other)), "a workspace the selector does not match does not get it")
	})

	t.Run("stamped roles edited and deleted", func(t *testing.T) {
		// Stamped roles belong to the administrators: an edit stays; a
		// deleted one comes back when the workspace is reconciled again.
		ws := newWorkspace(t, "", nil)
		waitReady(t, ws, "created")
		names := stampedRoles(t, ws)
		require.GreaterOrEqual(t, len(names), 2)
		edited := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: names[0]}}
		update(t, edited, func(r *iamv1beta1.WorkspaceRole) {
			r.AggregationRoleTemplates = nil
			r.Rules = readNodes
		})
		deleted := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: names[1]}}
		require.True(t, exists(t, deleted))
		uid := deleted.UID
		remove(t, deleted)
		gone(t, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: names[1], UID: uid}}, "deleted")
		touch(t, ws)
		eventually(t, func() bool { return exists(t, deleted) && deleted.UID != uid }, "the deleted role is stamped again")
		require.True(t, exists(t, edited))
		assert.Equal(t, readNodes, edited.Rules, "the edited role keeps its edit")
	})

	t.Run("a role of a stamped name exists", func(t *testing.T) {
		// Not taken over: createOnce leaves an existing role alone.
		wsName := name("ws")
		probe := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsName, Labels: labelled(nil)}}
		names := stampedRoles(t, probe)
		squatter := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: names[0], Labels: labelled(nil)}, Rules: readNodes}
		create(t, squatter)
		ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsName, Labels: labelled(nil)}}
		create(t, ws)
		testenv.Eventually(t, func() (bool, error) {
			for _, n := range names[1:] {
				if !exists(t, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: n}}) {
					return false, fmt.Errorf("no role %s", n)
				}
			}
			return true, nil
		}, "the other roles are stamped")
		require.True(t, exists(t, squatter))
		assert.Equal(t, readNodes, squatter.Rules, "its rules are untouched")
		assert.Empty(t, squatter.OwnerReferences, "not owned by the workspace")
	})

	deletion := []struct {
		policy string
		// project says what becomes of the workspace's project.
		project func(t *testing.T, ns string)
	}{
		{"Orphan", func(t *testing.T, ns string) {
			n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
			require.True(t, exists(t, n), "Orphan (the default) keeps the project")
			assert.NotContains(t, n.Labels, tenantv1beta1.WorkspaceLabel, "which leaves the workspace")
		}},
		{tenantv1beta1.DeletionPropagationBackground, func(t *testing.T, ns string) {
			n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
			eventually(t, func() bool { return !exists(t, n) || !n.DeletionTimestamp.IsZero() }, "Background deletes the project")
		}},
		{tenantv1beta1.DeletionPropagationForeground, func(t *testing.T, ns string) {
			assert.False(t, exists(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}), "Foreground: the project went before the workspace")
		}},
	}
	for _, tt := range deletion {
		t.Run("deleted/"+tt.policy, func(t *testing.T) {
			ws := newWorkspace(t, "anna", nil)
			if tt.policy != "Orphan" {
				update(t, ws, func(ws *tenantv1beta1.Workspace) {
					if ws.Annotations == nil {
						ws.Annotations = map[string]string{}
					}
					ws.Annotations[tenantv1beta1.DeletionPropagationAnnotation] = tt.policy
				})
			}
			ns := newProject(t, ws.Name, nil, nil)
			waitReady(t, ws, "created")
			binding, err := managerBinding(t, ws.Name, "anna")
			require.NoError(t, err)
			names := stampedRoles(t, ws)
			remove(t, ws)
			gone(t, ws, "the workspace goes")
			tt.project(t, ns)
			assert.False(t, exists(t, binding), "its bindings go")
			for _, n := range names {
				assert.False(t, exists(t, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: n}}), "its role %s goes", n)
			}
		})
	}
}

// ownedBy reports whether owner is among obj's owners.
func ownedBy(obj, owner client.Object) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == owner.GetUID() {
			return true
		}
	}
	return false
}

// newBuiltinRole creates a BuiltinRole of scope carrying role for the
// targets sel matches.
func newBuiltinRole(t *testing.T, scope string, role client.Object, sel metav1.LabelSelector) {
	t.Helper()
	br, err := builtinRole(env.Scheme, scope, role, sel)
	require.NoError(t, err)
	create(t, br)
}
