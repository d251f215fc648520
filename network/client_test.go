package network_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

func ingressFrom(peers ...networkv1alpha1.NetworkPolicyPeer) networkv1alpha1.NamespaceNetworkPolicySpec {
	return networkv1alpha1.NamespaceNetworkPolicySpec{Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{From: peers}}}
}

// TestCreatePolicyRefuses: every bad input is a typed error naming its
// field, and nothing is written.
func TestCreatePolicyRefuses(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	ws := workspace(t)
	isolated, plain, outside := project(t, ws), project(t, ws), project(t, "")
	require.NoError(t, c.SetProjectIsolation(ctx, isolated, true))
	headless := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: isolated, Name: "headless"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	require.NoError(t, env.Client.Create(ctx, headless))
	existing := "taken"
	_, err := c.CreatePolicy(ctx, isolated, existing, ingressFrom())
	require.NoError(t, err)

	var invalid *network.InvalidError
	var notFound *network.NotFoundError
	var conflict *network.ConflictError
	for _, tc := range []struct {
		name    string
		project string
		policy  string
		spec    networkv1alpha1.NamespaceNetworkPolicySpec
		as      any
		field   string
	}{
		{"malformed name", isolated, "Not_A_Label", ingressFrom(), &invalid, "name"},
		{"the isolation policy's name", isolated, "network-isolate", ingressFrom(), &invalid, "name"},
		{"malformed CIDR", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{IPBlock: &networkv1alpha1.IPBlock{CIDR: "10.0.0.300/8"}}), &invalid, "spec.ingress[0].from[0].ipBlock.cidr"},
		{"except outside the CIDR", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{IPBlock: &networkv1alpha1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.1.0.0/24"}}}), &invalid, "spec.ingress[0].from[0].ipBlock.except[0]"},
		{"except of the other family", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{IPBlock: &networkv1alpha1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"fd00::/64"}}}), &invalid, "spec.ingress[0].from[0].ipBlock.except[0]"},
		{"a peer of two kinds", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{Namespace: &networkv1alpha1.NamespaceSelector{Name: plain}, IPBlock: &networkv1alpha1.IPBlock{CIDR: "10.0.0.0/8"}}), &invalid, "spec.ingress[0].from[0]"},
		{"a peer of no kind", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{}), &invalid, "spec.ingress[0].from[0]"},
		{"port out of range", isolated, "p", networkv1alpha1.NamespaceNetworkPolicySpec{Egress: []networkv1alpha1.NetworkPolicyEgressRule{{Ports: []networkv1alpha1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(70000))}}}}}, &invalid, "spec.egress[0].ports[0].port"},
		{"endPort with a named port", isolated, "p", networkv1alpha1.NamespaceNetworkPolicySpec{Egress: []networkv1alpha1.NetworkPolicyEgressRule{{Ports: []networkv1alpha1.NetworkPolicyPort{{Port: ptr.To(intstr.FromString("http")), EndPort: ptr.To[int32](90)}}}}}, &invalid, "spec.egress[0].ports[0].endPort"},
		{"unknown protocol", isolated, "p", networkv1alpha1.NamespaceNetworkPolicySpec{Egress: []networkv1alpha1.NetworkPolicyEgressRule{{Ports: []networkv1alpha1.NetworkPolicyPort{{Protocol: ptr.To(corev1.Protocol("ICMP"))}}}}}, &invalid, "spec.egress[0].ports[0].protocol"},
		{"a service without selector", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{Service: &networkv1alpha1.ServiceSelector{Namespace: isolated, Name: "headless"}}), &invalid, "spec.ingress[0].from[0].service"},
		{"a service that does not exist", isolated, "p", ingressFrom(networkv1alpha1.NetworkPolicyPeer{Service: &networkv1alpha1.ServiceSelector{Namespace: isolated, Name: "ghost"}}), &notFound, "spec.ingress[0].from[0].service"},
		{"an unknown project", "ghost", "p", ingressFrom(), &notFound, "project"},
		{"a namespace outside every workspace", outside, "p", ingressFrom(), &notFound, "project"},
		{"a project not isolated at project level", plain, "p", ingressFrom(), &conflict, "project"},
		{"a name taken", isolated, existing, ingressFrom(), &conflict, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreatePolicy(ctx, tc.project, tc.policy, tc.spec)
			require.Error(t, err)
			require.True(t, errors.As(err, tc.as), "%T: %v", err, err)
			assert.Equal(t, tc.field, fieldOf(err), err.Error())
			if tc.policy != existing {
				err := env.Client.Get(ctx, client.ObjectKey{Namespace: tc.project, Name: tc.policy}, &networkv1alpha1.NamespaceNetworkPolicy{})
				assert.True(t, client.IgnoreNotFound(err) == nil && err != nil, "nothing written")
			}
		})
	}
}

// TestPolicyLifecycle: create, list with the resources query, the
// controllers' native policy, delete; and unknown names are *NotFoundError.
func TestPolicyLifecycle(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	p := project(t, workspace(t))
	require.NoError(t, c.SetProjectIsolation(ctx, p, true))
	for _, n := range []string{"allow-web", "allow-db", "deny-all"} {
		_, err := c.CreatePolicy(ctx, p, n, ingressFrom(networkv1alpha1.NetworkPolicyPeer{Namespace: &networkv1alpha1.NamespaceSelector{Name: p}}))
		require.NoError(t, err)
	}
	testenvEventually(t, func() bool {
		var np networkingv1.NetworkPolicy
		return env.Client.Get(ctx, client.ObjectKey{Namespace: p, Name: "nsnp-allow-web"}, &np) == nil
	}, "the native policy of allow-web")

	items, total, err := c.ListPolicies(ctx, p, resources.Query{Name: "allow", SortBy: resources.SortByName, Ascending: true})
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	require.Len(t, items, 2)
	assert.Equal(t, []string{"allow-db", "allow-web"}, []string{items[0].Name, items[1].Name})

	require.NoError(t, c.DeletePolicy(ctx, p, "allow-web"))
	err = c.DeletePolicy(ctx, p, "allow-web")
	require.ErrorIs(t, err, tenancy.ErrNotFound)
	_, _, err = c.ListPolicies(ctx, "ghost", resources.Query{})
	require.ErrorIs(t, err, tenancy.ErrNotFound)
}

// TestSetIsolation: the annotations land where KubeSphere reads them (the
// project's Namespace; the Workspace and its template), unknown targets are
// *NotFoundError, and switching twice writes once.
func TestSetIsolation(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	ws := workspace(t)
	tpl := &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}}
	require.NoError(t, env.Client.Create(ctx, tpl))
	p := project(t, ws)

	require.NoError(t, c.SetWorkspaceIsolation(ctx, ws, true))
	require.NoError(t, c.SetWorkspaceIsolation(ctx, ws, true))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(tpl), tpl))
	assert.Equal(t, network.IsolateEnabled, tpl.Spec.Template.Annotations[network.IsolateAnnotation])
	var got tenantv1beta1.Workspace
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, &got))
	assert.Equal(t, network.IsolateEnabled, got.Annotations[network.IsolateAnnotation])

	require.NoError(t, c.SetProjectIsolation(ctx, p, true))
	var ns corev1.Namespace
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, &ns))
	assert.Equal(t, network.IsolateEnabled, ns.Annotations[network.IsolateAnnotation])
	require.NoError(t, c.SetProjectIsolation(ctx, p, false))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, &ns))
	assert.NotContains(t, ns.Annotations, network.IsolateAnnotation)

	require.NoError(t, c.SetWorkspaceIsolation(ctx, ws, false))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(tpl), tpl))
	assert.NotContains(t, tpl.Spec.Template.Annotations, network.IsolateAnnotation)

	require.ErrorIs(t, c.SetWorkspaceIsolation(ctx, "ghost", true), tenancy.ErrNotFound)
	require.ErrorIs(t, c.SetProjectIsolation(ctx, "ghost", true), tenancy.ErrNotFound)
	require.ErrorIs(t, c.SetProjectIsolation(ctx, project(t, ""), true), tenancy.ErrNotFound)
}

// fieldOf returns the field a typed input error names.
func fieldOf(err error) string {
	var invalid *network.InvalidError
	var notFound *network.NotFoundError
	var conflict *network.ConflictError
	switch {
	case errors.As(err, &invalid):
		return invalid.Field
	case errors.As(err, &notFound):
		return notFound.Field
	case errors.As(err, &conflict):
		return conflict.Field
	}
	return ""
}
