package tenancy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// impersonate returns a client that acts as user through the API server,
// as a console that impersonates its users does.
func impersonate(t *testing.T, user string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	require.NoError(t, err)
	return c
}

// mayWriteIAM lets user write every iam role and binding as far as native
// RBAC goes, so what stops an escalation can only be the webhook: the
// situation of issue #8, where anyone allowed to create an iam binding could
// grant any role.
func mayWriteIAM(t *testing.T, user string) {
	t.Helper()
	ctx := context.Background()
	n := name("iam-writer")
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: n}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{iamv1beta1.GroupName}, Verbs: []string{"create", "update", "get"},
		Resources: []string{"globalroles", "globalrolebindings", "workspaceroles", "workspacerolebindings", "clusterroles", "clusterrolebindings", "roles", "rolebindings"},
	}}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: n},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: n}}
	require.NoError(t, env.Client.Create(ctx, cr))
	require.NoError(t, env.Client.Create(ctx, crb))
	t.Cleanup(func() { _ = env.Client.Delete(ctx, crb); _ = env.Client.Delete(ctx, cr) })
}

// TestEscalationWebhook writes iam roles and bindings as impersonated users
// through the real API server: a write that grants more than its writer
// holds is refused by admission, exactly Kubernetes' RBAC rule.
func TestEscalationWebhook(t *testing.T) {
	ctx := context.Background()
	wsAdmin, platformAdmin, target := newUser(t, "wsadm"), newUser(t, "padm"), newUser(t, "target")
	require.NoError(t, tc.AddMember(ctx, tenancy.Platform(), platformAdmin, "platform-admin"))
	ws := newWorkspace(t, wsAdmin)
	proj := newProject(t, ws, "")
	foreign := newProject(t, newWorkspace(t, ""), "")
	mayWriteIAM(t, wsAdmin)
	mayWriteIAM(t, platformAdmin)

	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: target}}
	grantPlatformAdmin := func() client.Object {
		return &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("grb")}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-admin"}}
	}
	projectAdmin := func() client.Object {
		return &iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("rb"), Namespace: proj}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "admin"}}
	}
	foreignPodReader := func() client.Object {
		return &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("pods"), Namespace: foreign},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}
	}
	foreignAdmin := func() client.Object {
		return &iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("rb"), Namespace: foreign}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "admin"}}
	}
	nodeReader := func() client.Object {
		return &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name("nodes")},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}}}}
	}
	podReader := func() client.Object {
		return &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: name("pods"), Namespace: proj},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}
	}
	everythingInWorkspace := func() client.Object {
		return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name("wsall"), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
	}
	aggregatesPlatformAdmin := func() client.Object {
		// Rules arrive through aggregation: the templates count.
		return &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name("agg")},
			AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{RoleSelector: &metav1.LabelSelector{}}}
	}
	forgedCreator := func() client.Object {
		o := podReader()
		o.SetAnnotations(map[string]string{tenantv1beta1.CreatorAnnotation: platformAdmin})
		return o
	}

	tests := []struct {
		name    string
		as      string
		obj     func() client.Object
		allowed bool
	}{
		{"workspace admin grants platform-admin", wsAdmin, grantPlatformAdmin, false},
		{"platform admin grants platform-admin", platformAdmin, grantPlatformAdmin, true},
		{"workspace admin grants the project admin role", wsAdmin, projectAdmin, true},
		{"workspace admin writes a cluster role reading nodes", wsAdmin, nodeReader, false},
		{"workspace admin writes a project role reading pods", wsAdmin, podReader, true},
		{"workspace admin writes a role in another workspace's project", wsAdmin, foreignPodReader, false},
		{"workspace admin grants admin of another workspace's project", wsAdmin, foreignAdmin, false},
		{"platform admin writes a role in any project", platformAdmin, foreignPodReader, true},
		{"workspace admin writes a workspace role with everything in it", wsAdmin, everythingInWorkspace, true},
		{"workspace admin aggregates every role template", wsAdmin, aggregatesPlatformAdmin, false},
		{"workspace admin names someone else as creator", wsAdmin, forgedCreator, false},
		{"platform admin aggregates every role template", platformAdmin, aggregatesPlatformAdmin, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := impersonate(t, tt.as)
			obj := tt.obj()
			// The webhook's authorizer follows the cluster: the users'
			// grants made above reach it within moments.
			var err error
			deadline := time.Now().Add(20 * time.Second)
			for {
				err = c.Create(ctx, obj.DeepCopyObject().(client.Object))
				if (err == nil) == tt.allowed || time.Now().After(deadline) {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if tt.allowed {
				require.NoError(t, err)
				_ = env.Client.Delete(ctx, obj)
				return
			}
			require.Error(t, err)
			assert.True(t, apierrors.IsForbidden(err), "refused by admission, not RBAC: %v", err)
			assert.Contains(t, err.Error(), "escalation.iam.kubesphere.io")
			assert.False(t, exists(t, obj), "nothing was written")
		})
	}
}

// TestMirrorChecksTheCreator writes, as the host (which may name anyone as
// creator), an iam binding whose recorded creator may not grant its role:
// the RBAC mirror grants nothing in native RBAC. The same binding created
// for a creator who may grant it is mirrored.
func TestMirrorChecksTheCreator(t *testing.T) {
	ctx := context.Background()
	wsAdmin, platformAdmin, target := newUser(t, "wsadm"), newUser(t, "padm"), newUser(t, "target")
	require.NoError(t, tc.AddMember(ctx, tenancy.Platform(), platformAdmin, "platform-admin"))
	newWorkspace(t, wsAdmin)

	binding := func(creator string) *iamv1beta1.GlobalRoleBinding {
		b := &iamv1beta1.GlobalRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name("grb"), Annotations: map[string]string{tenantv1beta1.CreatorAnnotation: creator}},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: target}},
			RoleRef:    rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-admin"},
		}
		require.NoError(t, env.Client.Create(ctx, b))
		t.Cleanup(func() { _ = env.Client.Delete(ctx, b) })
		return b
	}
	allowed, refused := binding(platformAdmin), binding(wsAdmin)
	mirror := func(b *iamv1beta1.GlobalRoleBinding) *rbacv1.ClusterRoleBinding {
		return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "kubesphere:iam:global:" + b.Name}}
	}
	eventually(t, func() bool { return exists(t, mirror(allowed)) }, "the binding made for the platform admin was never mirrored")
	// Both were created together; the refused one has had its chance.
	time.Sleep(2 * time.Second)
	assert.False(t, exists(t, mirror(refused)), "a binding its creator may not grant reached native RBAC")
}
