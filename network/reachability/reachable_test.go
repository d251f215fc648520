package reachability

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	policyv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	policyv1alpha2 "sigs.k8s.io/network-policy-api/apis/v1alpha2"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

func ns(name string, lbls map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
}

func pod(namespace, name, ip string, lbls map[string]string, ports ...corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: lbls},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: ports}}},
		Status:     corev1.PodStatus{PodIP: ip},
	}
}

func np(namespace, name string, spec networkingv1.NetworkPolicySpec) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}, Spec: spec}
}

func sel(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func tcp(p int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromInt32(p))}
}

// The fixture: namespaces a (team=x) and b (team=y), pods web and db in a,
// client in b.
func fixture(policies ...runtime.Object) []runtime.Object {
	return append([]runtime.Object{
		ns("a", map[string]string{"team": "x"}),
		ns("b", map[string]string{"team": "y"}),
		pod("a", "web", "10.0.0.1", map[string]string{"app": "web"}, corev1.ContainerPort{Name: "http", ContainerPort: 8080}),
		pod("a", "db", "10.0.0.2", map[string]string{"app": "db"}, corev1.ContainerPort{Name: "sql", ContainerPort: 5432}),
		pod("b", "client", "10.0.1.1", map[string]string{"app": "client"}),
	}, policies...)
}

func TestReachable(t *testing.T) {
	web, db, client := PodAt("a", "web"), PodAt("a", "db"), PodAt("b", "client")
	outside := Address(netip.MustParseAddr("192.0.2.10"))
	ingress := func(from []networkingv1.NetworkPolicyPeer, ports ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{PodSelector: *sel("app", "web"), Ingress: []networkingv1.NetworkPolicyIngressRule{{From: from, Ports: ports}}}
	}
	cases := []struct {
		name     string
		policies []runtime.Object
		t        Traffic
		allowed  bool
		explain  string
	}{
		{"no policy", nil, Traffic{From: client, To: web, Port: 80}, true, "allowed; egress: not isolated; ingress: not isolated"},
		{"deny all ingress", []runtime.Object{np("a", "deny", networkingv1.NetworkPolicySpec{})}, Traffic{From: client, To: web, Port: 80}, false,
			"denied; egress: not isolated; ingress: isolated by a/deny and no rule allows it"},
		{"a policy of another namespace", []runtime.Object{np("b", "deny", networkingv1.NetworkPolicySpec{})}, Traffic{From: client, To: web, Port: 80}, true, ""},
		{"podSelector peer: same namespace", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{PodSelector: sel("app", "db")}}))},
			Traffic{From: db, To: web, Port: 80}, true, "allowed; egress: not isolated; ingress: allowed by a/p rule 0"},
		{"podSelector peer: not another namespace", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}))},
			Traffic{From: client, To: web, Port: 80}, false, ""},
		{"namespaceSelector peer", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "y")}}))},
			Traffic{From: client, To: web, Port: 80}, true, ""},
		{"both selectors: AND", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "y"), PodSelector: sel("app", "other")}}))},
			Traffic{From: client, To: web, Port: 80}, false, ""},
		{"two peers: OR", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "nope")}, {NamespaceSelector: &metav1.LabelSelector{}}}))},
			Traffic{From: client, To: web, Port: 80}, true, ""},
		{"empty from: everyone", []runtime.Object{np("a", "p", ingress(nil))}, Traffic{From: outside, To: web, Port: 80}, true, ""},
		{"ipBlock", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "192.0.2.0/24"}}}))},
			Traffic{From: outside, To: web, Port: 80}, true, ""},
		{"ipBlock except", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "192.0.2.0/24", Except: []string{"192.0.2.8/29"}}}}))},
			Traffic{From: outside, To: web, Port: 80}, false, ""},
		{"ipBlock matches a pod IP", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.1.0/24"}}}))},
			Traffic{From: client, To: web, Port: 80}, true, ""},
		{"selectors never match an address", []runtime.Object{np("a", "p", ingress([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}))},
			Traffic{From: outside, To: web, Port: 80}, false, ""},
		{"port matches", []runtime.Object{np("a", "p", ingress(nil, tcp(80)))}, Traffic{From: client, To: web, Port: 80}, true, ""},
		{"port differs", []runtime.Object{np("a", "p", ingress(nil, tcp(80)))}, Traffic{From: client, To: web, Port: 81}, false, ""},
		{"protocol differs", []runtime.Object{np("a", "p", ingress(nil, tcp(80)))}, Traffic{From: client, To: web, Port: 80, Protocol: corev1.ProtocolUDP}, false, ""},
		{"endPort range", []runtime.Object{np("a", "p", ingress(nil, networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromInt32(8000)), EndPort: ptr.To[int32](8100)}))},
			Traffic{From: client, To: web, Port: 8080}, true, ""},
		{"named port", []runtime.Object{np("a", "p", ingress(nil, networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromString("http"))}))},
			Traffic{From: client, To: web, Port: 8080}, true, ""},
		{"named port, other number", []runtime.Object{np("a", "p", ingress(nil, networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromString("http"))}))},
			Traffic{From: client, To: web, Port: 80}, false, ""},
		{"protocol only: every port", []runtime.Object{np("a", "p", ingress(nil, networkingv1.NetworkPolicyPort{Protocol: ptr.To(corev1.ProtocolUDP)}))},
			Traffic{From: client, To: web, Port: 53, Protocol: corev1.ProtocolUDP}, true, ""},
		{"egress deny all", []runtime.Object{np("b", "deny-out", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}})},
			Traffic{From: client, To: web, Port: 80}, false, "denied; egress: isolated by b/deny-out and no rule allows it; ingress: not isolated"},
		{"egress rules imply the Egress type", []runtime.Object{np("b", "out", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: sel("app", "x")}}}}})},
			Traffic{From: client, To: web, Port: 80}, false, ""},
		{"egress to a named port of the destination", []runtime.Object{np("b", "out", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromString("sql"))}}}}})},
			Traffic{From: client, To: db, Port: 5432}, true, ""},
		{"egress to an address", []runtime.Object{np("a", "out", networkingv1.NetworkPolicySpec{PodSelector: *sel("app", "web"), Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "192.0.2.0/28"}}}}}})},
			Traffic{From: web, To: outside, Port: 443}, true, "allowed; egress: allowed by a/out rule 0; ingress: not isolated"},
		{"both directions must allow", []runtime.Object{
			np("a", "in", ingress(nil)),
			np("b", "deny-out", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}),
		}, Traffic{From: client, To: web, Port: 80}, false, "denied; egress: isolated by b/deny-out and no rule allows it; ingress: allowed by a/in rule 0"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(fixture(tt.policies...)...)
			require.NoError(t, err)
			a, err := e.Reachable(tt.t)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, a.Allowed, a.String())
			if tt.explain != "" {
				assert.Equal(t, tt.explain, a.String())
			}
		})
	}
}

func TestNewRefusesBadObjects(t *testing.T) {
	cases := map[string][]runtime.Object{
		"pod without its namespace": {pod("nowhere", "p", "", nil)},
		"bad CIDR":                  {ns("a", nil), np("a", "p", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/33"}}}}}})},
		"bad selector":              {ns("a", nil), np("a", "p", networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Sideways"}}}})},
		"empty peer":                {ns("a", nil), np("a", "p", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{}}}}})},
		"endPort below port": {ns("a", nil), np("a", "p", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{
			{Port: ptr.To(intstr.FromInt32(90)), EndPort: ptr.To[int32](80)}}}}})},
		"another kind": {&corev1.ConfigMap{}},
		// sigs.k8s.io/network-policy-api v0.3.0 has no CRD for these (see
		// TestNetworkPolicyAPIv030OnKubernetes).
		"an AdminNetworkPolicy":        {&policyv1alpha1.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "anp"}}},
		"a BaselineAdminNetworkPolicy": {&policyv1alpha1.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default"}}},
		// The engine takes v1beta1, the version the CRD stores.
		"a v1alpha2 ClusterNetworkPolicy":       {&policyv1alpha2.ClusterNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "cnp"}}},
		"a ClusterNetworkPolicy without a spec": {&policyv1beta1.ClusterNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "cnp"}}},
		"bad pod IP":                            {ns("a", nil), pod("a", "p", "not-an-ip", nil)},
	}
	for name, objs := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(objs...)
			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
		})
	}
	e, err := New(fixture()...)
	require.NoError(t, err)
	_, err = e.Reachable(Traffic{From: PodAt("a", "missing"), To: PodAt("a", "web")})
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "From", invalid.Field)
}
