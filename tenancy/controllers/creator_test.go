package controllers_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// grantNative gives user rules cluster-wide through native RBAC and
// waits until the authorizer the mirrors ask sees it. The returned func
// takes the grant away again (and waits for that too).
func grantNative(t *testing.T, user string, rules []rbacv1.PolicyRule) (revoke func()) {
	t.Helper()
	ctx := context.Background()
	n := name("grant")
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: n}, Rules: rules}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: n}, Subjects: []rbacv1.Subject{userSubject(user)},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: n}}
	create(t, cr)
	create(t, crb)
	r := rules[0]
	may := func() bool {
		d, err := az.Authorize(ctx, authz.Attributes{User: authz.User{Name: user}, Verb: r.Verbs[0], APIGroup: r.APIGroups[0], Resource: r.Resources[0], Scope: authz.ScopeCluster})
		require.NoError(t, err)
		return d.Allowed
	}
	eventually(t, may, "the authorizer sees %s's grant", user)
	return func() {
		remove(t, crb)
		eventually(t, func() bool { return !may() }, "the authorizer sees %s's grant go", user)
	}
}

func withCreator(o client.Object, creator string) client.Object {
	if creator != "" {
		o.SetAnnotations(map[string]string{tenantv1beta1.CreatorAnnotation: creator})
	}
	return o
}

// TestCreatorCheck writes iam bindings as the host would for a user (the
// user named as kubesphere.io/creator): a binding its creator could not
// have written by Kubernetes' escalation rule gets no native grant, the
// others do, and a grant once made stays.
func TestCreatorCheck(t *testing.T) {
	// A cluster role reading nodes, which the mighty creator holds and the
	// weak one does not.
	role := &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("nodes"), Labels: labelled(nil)}, Rules: readNodes}
	create(t, role)
	waitMirrored(t, role, "the role is mirrored")
	mighty, weak := name("mighty"), name("weak")
	grantNative(t, mighty, readNodes)

	binding := func(creator string) *iamv1beta1.ClusterRoleBinding {
		b := &iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("crb"), Labels: labelled(nil)},
			Subjects: []rbacv1.Subject{userSubject(name("target"))}, RoleRef: iamRef("ClusterRole", role.Name)}
		withCreator(b, creator)
		return b
	}

	t.Run("mirrored or not", func(t *testing.T) {
		// Created in this order, the refused one is reconciled before the
		// last allowed one is mirrored.
		refused := binding(weak)
		create(t, refused)
		// "system" is KubeSphere's mark on the roles it ships and stamps.
		for _, creator := range []string{"", "system", mighty} {
			b := binding(creator)
			create(t, b)
			waitMirrored(t, b, "a binding its creator ("+creator+") may grant is mirrored")
		}
		assert.False(t, exists(t, mirrorOf(t, refused)), "a binding its creator may not grant has no native mirror")
	})

	t.Run("the creator gains the permission", func(t *testing.T) {
		b := binding(weak)
		create(t, b)
		control := binding("")
		create(t, control)
		waitMirrored(t, control, "reconciled")
		require.False(t, exists(t, mirrorOf(t, b)))
		grantNative(t, weak, readNodes)
		touch(t, b)
		waitMirrored(t, b, "mirrored once its creator may grant it")
	})

	t.Run("the creator loses the permission", func(t *testing.T) {
		// Like Kubernetes, a grant once made stays when its maker loses
		// their rights.
		creator := name("fading")
		revoke := grantNative(t, creator, readNodes)
		b := binding(creator)
		create(t, b)
		waitMirrored(t, b, "mirrored")
		revoke()
		update(t, b, func(b *iamv1beta1.ClusterRoleBinding) { b.Subjects = append(b.Subjects, userSubject("another")) })
		waitMirrored(t, b, "the mirror still follows its binding")
	})

	t.Run("workspace binding into a project", func(t *testing.T) {
		ws := name("ws")
		ns := newProject(t, ws, nil, nil)
		wb := func(creator string) *iamv1beta1.WorkspaceRoleBinding {
			b := &iamv1beta1.WorkspaceRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name("wrb"), Labels: labelled(map[string]string{tenantv1beta1.WorkspaceLabel: ws})},
				Subjects:   []rbacv1.Subject{userSubject(name("target"))},
				RoleRef:    iamRef("WorkspaceRole", iamv1beta1.WorkspaceRoleName(ws, "admin")),
			}
			withCreator(b, creator)
			return b
		}
		// The workspace's admin role must exist for the check to grant
		// anything.
		create(t, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: iamv1beta1.WorkspaceRoleName(ws, "admin"),
			Labels: labelled(map[string]string{tenantv1beta1.WorkspaceLabel: ws})}, Rules: readPods})
		refused := wb(weak + "-ws")
		create(t, refused)
		allowed := wb("")
		create(t, allowed)
		waitProjectMirrored(t, allowed, ns, "a workspace binding without creator is mirrored")
		assert.False(t, exists(t, projectMirror(refused, ns)), "one its creator may not grant is not")
	})
}
