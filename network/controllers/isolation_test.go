package controllers_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

func equalSpecs(a, b networkingv1.NetworkPolicySpec) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func dump(v any) string {
	out, _ := yaml.Marshal(v)
	return string(out)
}

func namespaceSelector(key, value string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{key: value}}
}

// allowedPeer is the peer every isolation policy gets for the configured
// allowed namespace.
var allowedPeer = networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(network.NamespaceLabel, allowedNamespace)}

// isolationSpec is KubeSphere's isolation policy: ingress from first (the
// workspace's or the project's namespaces) and the allowed namespace, then
// from the node SNAT addresses.
func isolationSpec(first networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicySpec {
	return networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		Ingress: []networkingv1.NetworkPolicyIngressRule{
			{From: []networkingv1.NetworkPolicyPeer{first, allowedPeer}},
			nodeRule,
		},
	}
}

// dnsEgress is the egress KubeSphere adds to an isolated project whose
// policies have egress rules: the node-local DNS address, then the kube-dns
// Service's pods on its ports.
var dnsEgress = []networkingv1.NetworkPolicyEgressRule{
	{
		Ports: []networkingv1.NetworkPolicyPort{
			{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(53))},
			{Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To(intstr.FromInt32(53))},
		},
		To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "169.254.25.10/32"}}},
	},
	{
		Ports: []networkingv1.NetworkPolicyPort{
			{Protocol: ptr.To(corev1.ProtocolUDP), Port: ptr.To(intstr.FromInt32(53))},
			{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(53))},
			{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(9153))},
		},
		To: []networkingv1.NetworkPolicyPeer{{
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			NamespaceSelector: namespaceSelector(network.NamespaceLabel, "kube-system"),
		}},
	},
}

// TestIsolationPolicies: the isolation policy of a project is KubeSphere's,
// field for field, for each way a project or its workspace is isolated.
//
// KubeSphere 3.x's workspace field spec.networkIsolation is not among the
// cases: the API server prunes it from every write, since the Workspace CRD
// (KubeSphere 4.x's) stores v1beta1, which lacks it. network.ModeOf's own
// test covers it.
func TestIsolationPolicies(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// setup returns the project, its workspace and the first peer the
		// isolation policy must have (nil: no policy).
		setup func(t *testing.T) (project, ws string, first *networkingv1.NetworkPolicyPeer)
	}{
		{"workspace isolated by the 4.x annotation", func(t *testing.T) (string, string, *networkingv1.NetworkPolicyPeer) {
			ws := workspace(t, true)
			return project(t, ws, false), ws, &networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(tenantv1beta1.WorkspaceLabel, ws)}
		}},
		{"project isolated", func(t *testing.T) (string, string, *networkingv1.NetworkPolicyPeer) {
			ws := workspace(t, false)
			p := project(t, ws, true)
			return p, ws, &networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(network.NamespaceLabel, p)}
		}},
		{"project isolation wins over the workspace's", func(t *testing.T) (string, string, *networkingv1.NetworkPolicyPeer) {
			ws := workspace(t, true)
			p := project(t, ws, true)
			return p, ws, &networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(network.NamespaceLabel, p)}
		}},
		{"neither isolated", func(t *testing.T) (string, string, *networkingv1.NetworkPolicyPeer) {
			ws := workspace(t, false)
			return project(t, ws, false), ws, nil
		}},
		{"not a project, though annotated", func(t *testing.T) (string, string, *networkingv1.NetworkPolicyPeer) {
			return project(t, "", true), "", nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, first := tc.setup(t)
			eventually(t, func() bool {
				var ns corev1.Namespace
				return env.Client.Get(ctx, client.ObjectKey{Name: p}, &ns) == nil && ns.Labels[network.NamespaceLabel] == p
			}, "namespace %s labelled with its name", p)
			if first == nil {
				// Give the reconciler the time it takes to write one, then
				// check it did not.
				probe := project(t, "", false)
				eventually(t, func() bool {
					var ns corev1.Namespace
					return env.Client.Get(ctx, client.ObjectKey{Name: probe}, &ns) == nil && ns.Labels[network.NamespaceLabel] == probe
				}, "a later namespace labelled")
				absent(t, p, network.IsolationPolicyName)
				return
			}
			policySpec(t, p, network.IsolationPolicyName, isolationSpec(*first))
		})
	}
}

// TestIsolationFollowsChanges: switching isolation on the project and on the
// workspace moves the policy between modes and removes it; NamespaceNetwork
// Policies survive only project isolation; egress rules bring DNS egress; a
// tampered policy is put back.
func TestIsolationFollowsChanges(t *testing.T) {
	ctx := context.Background()
	ws := workspace(t, false)
	p := project(t, ws, true)
	projectPeer := networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(network.NamespaceLabel, p)}
	workspacePeer := networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceSelector(tenantv1beta1.WorkspaceLabel, ws)}
	policySpec(t, p, network.IsolationPolicyName, isolationSpec(projectPeer))

	// A policy with egress rules: the isolation policy governs egress too,
	// allowing DNS.
	egress := &networkv1alpha1.NamespaceNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: p, Name: "to-web"},
		Spec: networkv1alpha1.NamespaceNetworkPolicySpec{Egress: []networkv1alpha1.NetworkPolicyEgressRule{{
			To: []networkv1alpha1.NetworkPolicyPeer{{IPBlock: &networkv1alpha1.IPBlock{CIDR: "192.0.2.0/24"}}},
		}}},
	}
	require.NoError(t, env.Client.Create(ctx, egress))
	withDNS := isolationSpec(projectPeer)
	withDNS.PolicyTypes = append(withDNS.PolicyTypes, networkingv1.PolicyTypeEgress)
	withDNS.Egress = dnsEgress
	policySpec(t, p, network.IsolationPolicyName, withDNS)

	// Tampering is undone.
	var np networkingv1.NetworkPolicy
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: p, Name: network.IsolationPolicyName}, &np))
	np.Spec.Ingress = nil
	require.NoError(t, env.Client.Update(ctx, &np))
	policySpec(t, p, network.IsolationPolicyName, withDNS)

	// The workspace isolated and the project no longer: workspace mode, and
	// the project's policies are removed (with them the DNS egress).
	setAnnotation(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}}, network.IsolateEnabled)
	setAnnotation(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: p}}, "")
	policySpec(t, p, network.IsolationPolicyName, isolationSpec(workspacePeer))
	eventually(t, func() bool {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(egress), &networkv1alpha1.NamespaceNetworkPolicy{})
		return client.IgnoreNotFound(err) == nil && err != nil
	}, "the project's namespace network policies removed in workspace mode")

	// Neither: no policy.
	setAnnotation(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}}, "")
	absent(t, p, network.IsolationPolicyName)
}

// setAnnotation sets (value non-empty) or removes the isolation annotation
// on obj.
func setAnnotation(t *testing.T, obj client.Object, value string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj))
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	if value == "" {
		delete(a, network.IsolateAnnotation)
	} else {
		a[network.IsolateAnnotation] = value
	}
	obj.SetAnnotations(a)
	require.NoError(t, env.Client.Patch(ctx, obj, patch))
}
