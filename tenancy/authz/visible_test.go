package authz

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// visiblePolicy is policy with a second project in ws1, so "every project of
// the workspace" and "the project a user is bound in" differ: olga is bound
// in demo only, wendy's workspace role lists ws1's namespaces. pat holds
// wendy's role in ws1 and a binding in ws2's project other; mia holds a ws1
// role that does not list namespaces.
func visiblePolicy() []runtime.Object {
	wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: "ws1"}
	return append(policy(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "staging", Labels: wsLabel}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pat-ws1-viewer", Labels: wsLabel}, Subjects: []rbacv1.Subject{userSubject("pat")}, RoleRef: iamRef("WorkspaceRole", "ws1-viewer")},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pat-secrets", Namespace: "other"}, Subjects: []rbacv1.Subject{userSubject("pat")}, RoleRef: iamRef("ClusterRole", "secret-reader")},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws1-users", Labels: wsLabel}, Rules: []rbacv1.PolicyRule{rule(s("get", "list"), s("iam.kubesphere.io"), s("users"))}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "mia-ws1-users", Labels: wsLabel}, Subjects: []rbacv1.Subject{userSubject("mia")}, RoleRef: iamRef("WorkspaceRole", "ws1-users")},
	)
}

func TestVisible(t *testing.T) {
	az, err := NewFromObjects(visiblePolicy()...)
	require.NoError(t, err)
	tests := []struct {
		name       string
		u          User
		workspaces Visible
		inWS1      Visible
		anywhere   Visible
	}{
		{"platform admin sees everything", User{Name: "root"}, Visible{All: true}, Visible{Names: s("demo", "staging")}, Visible{All: true}},
		{"workspace viewer sees the workspace and all its projects", User{Name: "wendy"}, Visible{Names: s("ws1")}, Visible{Names: s("demo", "staging")}, Visible{Names: s("demo", "staging")}},
		{"project member sees the bound project only, and its workspace", User{Name: "olga"}, Visible{Names: s("ws1")}, Visible{Names: s("demo")}, Visible{Names: s("demo")}},
		{"workspace viewer with a project in another workspace", User{Name: "pat"}, Visible{Names: s("ws1", "ws2")}, Visible{Names: s("demo", "staging")}, Visible{Names: s("demo", "other", "staging")}},
		{"workspace role that cannot list namespaces sees no project", User{Name: "mia"}, Visible{Names: s("ws1")}, Visible{Names: []string{}}, Visible{Names: []string{}}},
		{"group member of a project outside workspaces", User{Name: "dan", Groups: s("devs")}, Visible{Names: []string{}}, Visible{Names: []string{}}, Visible{Names: s("loose")}},
		{"cluster role without namespaces sees nothing", User{Name: "nina"}, Visible{Names: []string{}}, Visible{Names: []string{}}, Visible{Names: []string{}}},
		{"stranger", User{Name: "mallory"}, Visible{Names: []string{}}, Visible{Names: []string{}}, Visible{Names: []string{}}},
	}
	norm := func(v Visible) Visible {
		if v.Names == nil {
			v.Names = []string{}
		}
		return v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, norm(tt.workspaces), norm(az.VisibleWorkspaces(t.Context(), tt.u)), "workspaces")
			assert.Equal(t, norm(tt.inWS1), norm(az.VisibleProjects(t.Context(), tt.u, "ws1")), "projects of ws1")
			assert.Equal(t, norm(tt.anywhere), norm(az.VisibleProjects(t.Context(), tt.u, "")), "projects anywhere")
		})
	}
}
