package network_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// TestOnBehalfOfStaysInItsProject: a user who administers one project of
// workspace A may manage its policies, and every way the Client's
// parameters let them reach into workspace B (its projects, its services,
// its workspace, a project that does not exist, the cluster-wide plan) is
// refused before anything is read or written.
func TestOnBehalfOfStaysInItsProject(t *testing.T) {
	ctx := context.Background()
	admin := newClient(t)
	wsA, wsB := workspace(t), workspace(t)
	mine, theirs := project(t, wsA), project(t, wsB)
	require.NoError(t, admin.SetProjectIsolation(ctx, mine, true))
	require.NoError(t, admin.SetProjectIsolation(ctx, theirs, true))
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: theirs, Name: "db"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "db"}, Ports: []corev1.ServicePort{{Port: 5432}}}}
	require.NoError(t, env.Client.Create(ctx, svc))

	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsA}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsB}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: mine, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsA}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: theirs, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsB}}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "admin"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "alice-admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "admin"}},
	}
	var runtimeObjs []runtime.Object
	for _, o := range objs {
		runtimeObjs = append(runtimeObjs, o)
	}
	az, err := authz.NewFromObjects(runtimeObjs...)
	require.NoError(t, err)
	alice, err := network.NewClient(env.Client, network.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}, Authorizer: az})
	require.NoError(t, err)

	_, err = alice.CreatePolicy(ctx, mine, "allow-self", ingressFrom(networkv1alpha1.NetworkPolicyPeer{Namespace: &networkv1alpha1.NamespaceSelector{Name: mine}}))
	require.NoError(t, err, "alice administers her project")
	_, _, err = alice.ListPolicies(ctx, mine, resources.Query{})
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"create in their project", func() error {
			_, err := alice.CreatePolicy(ctx, theirs, "open", ingressFrom())
			return err
		}},
		{"a peer naming their service", func() error {
			_, err := alice.CreatePolicy(ctx, mine, "to-db", ingressFrom(networkv1alpha1.NetworkPolicyPeer{Service: &networkv1alpha1.ServiceSelector{Namespace: theirs, Name: "db"}}))
			return err
		}},
		{"a project that does not exist (no existence leak)", func() error {
			_, err := alice.CreatePolicy(ctx, "ghost", "p", ingressFrom())
			return err
		}},
		{"delete in their project", func() error { return alice.DeletePolicy(ctx, theirs, "any") }},
		{"list their policies", func() error {
			_, _, err := alice.ListPolicies(ctx, theirs, resources.Query{})
			return err
		}},
		{"end their project's isolation", func() error { return alice.SetProjectIsolation(ctx, theirs, false) }},
		{"isolate their workspace", func() error { return alice.SetWorkspaceIsolation(ctx, wsB, true) }},
		{"isolate her own workspace without a workspace role", func() error { return alice.SetWorkspaceIsolation(ctx, wsA, true) }},
		{"plan over the whole cluster", func() error {
			_, err := alice.PlanIsolation(ctx, network.IsolationChange{Project: mine, Enabled: false}, network.PlanOptions{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.do(), tenancy.ErrForbidden)
		})
	}
	var ns corev1.Namespace
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: theirs}, &ns))
	require.Equal(t, network.IsolateEnabled, ns.Annotations[network.IsolateAnnotation], "their project untouched")
}
