package controllers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/controllers"
)

// service creates a Service in namespace with selector (none when nil) and
// ports 80/TCP and 53/UDP.
func service(t *testing.T, namespace string, selector map[string]string) string {
	t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name("svc")},
		Spec: corev1.ServiceSpec{Selector: selector, Ports: []corev1.ServicePort{
			{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80},
			{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53},
		}},
	}
	require.NoError(t, env.Client.Create(context.Background(), svc))
	return svc.Name
}

// TestPolicyConversion: each NamespaceNetworkPolicy becomes KubeSphere's
// native NetworkPolicy, field for field, for every kind of peer in both
// directions.
func TestPolicyConversion(t *testing.T) {
	ctx := context.Background()
	p := project(t, workspace(t, false), true)
	other := project(t, "", false)
	web := service(t, other, map[string]string{"app": "web"})
	http := ptr.To(intstr.FromInt32(8080))
	tcp, udp := ptr.To(corev1.ProtocolTCP), ptr.To(corev1.ProtocolUDP)
	servicePeer := networkingv1.NetworkPolicyPeer{
		PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		NamespaceSelector: namespaceSelector(network.NamespaceLabel, other),
	}
	servicePorts := []networkingv1.NetworkPolicyPort{{Protocol: tcp, Port: ptr.To(intstr.FromInt32(80))}, {Protocol: udp, Port: ptr.To(intstr.FromInt32(53))}}

	for _, tc := range []struct {
		name string
		spec networkv1alpha1.NamespaceNetworkPolicySpec
		want networkingv1.NetworkPolicySpec
	}{
		{
			name: "ingress from a project and an ip block, on a port",
			spec: networkv1alpha1.NamespaceNetworkPolicySpec{Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{
				Ports: []networkv1alpha1.NetworkPolicyPort{{Port: http}},
				From: []networkv1alpha1.NetworkPolicyPeer{
					{Namespace: &networkv1alpha1.NamespaceSelector{Name: other}},
					{IPBlock: &networkv1alpha1.IPBlock{CIDR: "10.1.0.0/16", Except: []string{"10.1.2.0/24"}}},
				},
			}}},
			want: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					// The CRD defaults the protocol to TCP.
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: tcp, Port: http}},
					From: []networkingv1.NetworkPolicyPeer{
						{NamespaceSelector: namespaceSelector(network.NamespaceLabel, other)},
						{IPBlock: &networkingv1.IPBlock{CIDR: "10.1.0.0/16", Except: []string{"10.1.2.0/24"}}},
					},
				}},
			},
		},
		{
			name: "ingress from a service: its pods, on the rule's ports",
			spec: networkv1alpha1.NamespaceNetworkPolicySpec{Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{
				From: []networkv1alpha1.NetworkPolicyPeer{{Service: &networkv1alpha1.ServiceSelector{Namespace: other, Name: web}}},
			}}},
			want: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{servicePeer}}},
			},
		},
		{
			name: "egress to a service: a rule of its own on the service's ports, before the rest of its rule",
			spec: networkv1alpha1.NamespaceNetworkPolicySpec{Egress: []networkv1alpha1.NetworkPolicyEgressRule{{
				Ports: []networkv1alpha1.NetworkPolicyPort{{Protocol: udp, Port: http}},
				To: []networkv1alpha1.NetworkPolicyPeer{
					{IPBlock: &networkv1alpha1.IPBlock{CIDR: "192.0.2.0/24"}},
					{Service: &networkv1alpha1.ServiceSelector{Namespace: other, Name: web}},
				},
			}}},
			want: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{
					{Ports: servicePorts, To: []networkingv1.NetworkPolicyPeer{servicePeer}},
					{Ports: []networkingv1.NetworkPolicyPort{{Protocol: udp, Port: http}},
						To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "192.0.2.0/24"}}}},
				},
			},
		},
		{
			name: "egress rules without a peer left are dropped; both directions",
			spec: networkv1alpha1.NamespaceNetworkPolicySpec{
				Egress: []networkv1alpha1.NetworkPolicyEgressRule{
					{Ports: []networkv1alpha1.NetworkPolicyPort{{Port: http}}},
					{To: []networkv1alpha1.NetworkPolicyPeer{{Service: &networkv1alpha1.ServiceSelector{Namespace: other, Name: web}}}},
				},
				Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{}},
			},
			want: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress, networkingv1.PolicyTypeIngress},
				Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: servicePorts, To: []networkingv1.NetworkPolicyPeer{servicePeer}}},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{{}},
			},
		},
		{
			name: "spec.policyTypes does not count",
			spec: networkv1alpha1.NamespaceNetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Ingress:     []networkv1alpha1.NetworkPolicyIngressRule{{From: []networkv1alpha1.NetworkPolicyPeer{{Namespace: &networkv1alpha1.NamespaceSelector{Name: p}}}}},
			},
			want: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
					{NamespaceSelector: namespaceSelector(network.NamespaceLabel, p)}}}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nsnp := &networkv1alpha1.NamespaceNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: p, Name: name("nsnp")}, Spec: tc.spec}
			require.NoError(t, env.Client.Create(ctx, nsnp))
			policySpec(t, p, networkv1alpha1.NativePolicyPrefix+nsnp.Name, tc.want)

			var np networkingv1.NetworkPolicy
			require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: p, Name: networkv1alpha1.NativePolicyPrefix + nsnp.Name}, &np))
			require.Len(t, np.OwnerReferences, 1)
			require.Equal(t, nsnp.UID, np.OwnerReferences[0].UID, "owned by its namespace network policy")

			require.NoError(t, env.Client.Delete(ctx, nsnp))
			absent(t, p, np.Name)
		})
	}
}

// TestPolicyWithBadServicePeer: a service peer naming a Service without a
// selector, or none, gives a Warning event and no native policy; once the
// Service exists with a selector the policy is converted.
func TestPolicyWithBadServicePeer(t *testing.T) {
	ctx := context.Background()
	p := project(t, "", false)
	headless := service(t, p, nil)
	for _, svc := range []string{headless, "not-there"} {
		nsnp := &networkv1alpha1.NamespaceNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: p, Name: name("nsnp")},
			Spec: networkv1alpha1.NamespaceNetworkPolicySpec{Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{
				From: []networkv1alpha1.NetworkPolicyPeer{{Service: &networkv1alpha1.ServiceSelector{Namespace: p, Name: svc}}},
			}}},
		}
		require.NoError(t, env.Client.Create(ctx, nsnp))
		eventually(t, func() bool { return hasEvent(t, nsnp, controllers.ReasonInvalidPeer, "spec.ingress[0].from[0]") },
			"a Warning event on %s about its peer", nsnp.Name)
		absent(t, p, networkv1alpha1.NativePolicyPrefix+nsnp.Name)
	}

	// The service gets a selector: the policy naming it is converted.
	var svc corev1.Service
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: p, Name: headless}, &svc))
	svc.Spec.Selector = map[string]string{"app": "db"}
	require.NoError(t, env.Client.Update(ctx, &svc))
	var list networkv1alpha1.NamespaceNetworkPolicyList
	require.NoError(t, env.Client.List(ctx, &list, client.InNamespace(p)))
	for _, nsnp := range list.Items {
		if nsnp.Spec.Ingress[0].From[0].Service.Name != headless {
			continue
		}
		policySpec(t, p, networkv1alpha1.NativePolicyPrefix+nsnp.Name, networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
				PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
				NamespaceSelector: namespaceSelector(network.NamespaceLabel, p),
			}}}},
		})
	}
}

// TestPolicyNamedLikeTheIsolationPolicy: a NamespaceNetworkPolicy named
// "network-isolate" would overwrite the isolation policy in KubeSphere;
// here it is refused with an event and the isolation policy stays.
func TestPolicyNamedLikeTheIsolationPolicy(t *testing.T) {
	ctx := context.Background()
	p := project(t, workspace(t, false), true)
	isolation := isolationSpec(networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(network.NamespaceLabel, p)})
	policySpec(t, p, network.IsolationPolicyName, isolation)
	nsnp := &networkv1alpha1.NamespaceNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: p, Name: strings.TrimPrefix(network.IsolationPolicyName, networkv1alpha1.NativePolicyPrefix)},
		Spec:       networkv1alpha1.NamespaceNetworkPolicySpec{Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{}}},
	}
	require.NoError(t, env.Client.Create(ctx, nsnp))
	eventually(t, func() bool { return hasEvent(t, nsnp, controllers.ReasonReservedName, network.IsolationPolicyName) }, "a Warning event")
	policySpec(t, p, network.IsolationPolicyName, isolation)
}

// hasEvent reports whether obj has a Warning event with reason whose note
// contains text.
func hasEvent(t *testing.T, obj client.Object, reason, text string) bool {
	t.Helper()
	var events eventsv1.EventList
	require.NoError(t, env.Client.List(context.Background(), &events, client.InNamespace(obj.GetNamespace())))
	for _, e := range events.Items {
		if e.Regarding.UID == obj.GetUID() && e.Reason == reason && e.Type == corev1.EventTypeWarning && strings.Contains(e.Note, text) {
			return true
		}
	}
	return false
}
