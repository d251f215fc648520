package notification_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/observability/notification"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

func TestTenantsWhoSee(t *testing.T) {
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "ws1"}
	view := []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	user := func(n string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}}
	}
	ref := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	az, err := authz.NewFromObjects(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo", Labels: ws}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, Subjects: user("admin"), RoleRef: ref("GlobalRole", "platform-admin")},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws1-viewer", Labels: ws}, Rules: view},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wendy", Labels: ws}, Subjects: user("wendy"), RoleRef: ref("WorkspaceRole", "ws1-viewer")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: "demo"}, Rules: view},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "demo"}, Subjects: user("alice"), RoleRef: ref("Role", "viewer")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: "other"}, Rules: view},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "olga", Namespace: "other"}, Subjects: user("olga"), RoleRef: ref("Role", "viewer")},
	)
	require.NoError(t, err)
	tenants := notification.TenantsWhoSee(context.Background(), az)
	for ns, want := range map[string][]string{"demo": {"admin", "alice", "wendy"}, "other": {"admin", "olga"}, "gone": {"admin"}} {
		got, err := tenants("host", ns)
		require.NoError(t, err)
		assert.Equal(t, want, got, ns)
	}
}
