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
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

const (
	accept = policyv1beta1.ClusterNetworkPolicyRuleActionAccept
	deny   = policyv1beta1.ClusterNetworkPolicyRuleActionDeny
	pass   = policyv1beta1.ClusterNetworkPolicyRuleActionPass
	admin  = policyv1beta1.AdminTier
	base   = policyv1beta1.BaselineTier
)

// cnp is a ClusterNetworkPolicy; rules are ingress and egress rules in
// any mix, in order.
func cnp(name string, tier policyv1beta1.Tier, priority int32, subject policyv1beta1.ClusterNetworkPolicySubject, rules ...any) *policyv1beta1.ClusterNetworkPolicy {
	p := &policyv1beta1.ClusterNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1beta1.ClusterNetworkPolicySpec{Tier: tier, Priority: priority, Subject: subject}}
	for _, r := range rules {
		switch r := r.(type) {
		case policyv1beta1.ClusterNetworkPolicyIngressRule:
			p.Spec.Ingress = append(p.Spec.Ingress, r)
		case policyv1beta1.ClusterNetworkPolicyEgressRule:
			p.Spec.Egress = append(p.Spec.Egress, r)
		default:
			panic(r)
		}
	}
	return p
}

func subjectNS(kv ...string) policyv1beta1.ClusterNetworkPolicySubject {
	return policyv1beta1.ClusterNetworkPolicySubject{Namespaces: sel(kv...)}
}

func subjectPods(ns, pods *metav1.LabelSelector) policyv1beta1.ClusterNetworkPolicySubject {
	return policyv1beta1.ClusterNetworkPolicySubject{Pods: &policyv1beta1.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}}
}

func fromNS(kv ...string) policyv1beta1.ClusterNetworkPolicyIngressPeer {
	return policyv1beta1.ClusterNetworkPolicyIngressPeer{Namespaces: sel(kv...)}
}

func fromPods(ns, pods *metav1.LabelSelector) policyv1beta1.ClusterNetworkPolicyIngressPeer {
	return policyv1beta1.ClusterNetworkPolicyIngressPeer{Pods: &policyv1beta1.NamespacedPod{NamespaceSelector: *ns, PodSelector: *pods}}
}

func in(action Action, from []policyv1beta1.ClusterNetworkPolicyIngressPeer, protocols ...policyv1beta1.ClusterNetworkPolicyProtocol) policyv1beta1.ClusterNetworkPolicyIngressRule {
	return policyv1beta1.ClusterNetworkPolicyIngressRule{Action: action, From: from, Protocols: protocols}
}

func out(action Action, to []policyv1beta1.ClusterNetworkPolicyEgressPeer, protocols ...policyv1beta1.ClusterNetworkPolicyProtocol) policyv1beta1.ClusterNetworkPolicyEgressRule {
	return policyv1beta1.ClusterNetworkPolicyEgressRule{Action: action, To: to, Protocols: protocols}
}

func peers[T any](ps ...T) []T { return ps }

func toNS(kv ...string) policyv1beta1.ClusterNetworkPolicyEgressPeer {
	return policyv1beta1.ClusterNetworkPolicyEgressPeer{Namespaces: sel(kv...)}
}

func toNetworks(cidrs ...policyv1beta1.CIDR) policyv1beta1.ClusterNetworkPolicyEgressPeer {
	return policyv1beta1.ClusterNetworkPolicyEgressPeer{Networks: cidrs}
}

func onTCP(n int32) policyv1beta1.ClusterNetworkPolicyProtocol {
	return policyv1beta1.ClusterNetworkPolicyProtocol{TCP: &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: &policyv1beta1.Port{Number: n}}}
}

func named(name string) policyv1beta1.ClusterNetworkPolicyProtocol {
	return policyv1beta1.ClusterNetworkPolicyProtocol{DestinationNamedPort: name}
}

func nodeObj(name, ip string, lbls map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls},
		Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}, {Type: corev1.NodeHostName, Address: name}}}}
}

// TestClusterNetworkPolicy checks each point of ClusterNetworkPolicy's
// semantics (sigs.k8s.io/network-policy-api v0.3.0, v1beta1) on the
// fixture: namespaces a (team=x: web with http 8080, db with sql 5432) and
// b (team=y: client).
func TestClusterNetworkPolicy(t *testing.T) {
	web, db, client := PodAt("a", "web"), PodAt("a", "db"), PodAt("b", "client")
	outside := Address(netip.MustParseAddr("192.0.2.10"))
	everyone := &metav1.LabelSelector{}
	allowAll := np("a", "allow-all", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}})
	denyAll := np("a", "deny", networkingv1.NetworkPolicySpec{})
	fromB := np("a", "from-b", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("team", "y")}}}}})
	c2w := Traffic{From: client, To: web, Port: 80}
	cases := []struct {
		name    string
		objs    []runtime.Object
		t       Traffic
		allowed bool
		explain string
	}{
		// The Admin tier comes first and its Accept and Deny are final.
		{"admin Deny overrides a NetworkPolicy that allows", []runtime.Object{allowAll, cnp("deny-b", admin, 10, subjectNS("team", "x"), in(deny, peers(fromNS("team", "y"))))}, c2w, false,
			"denied; egress: not isolated; ingress: denied by Admin ClusterNetworkPolicy deny-b rule 0"},
		{"admin Accept overrides a NetworkPolicy that denies", []runtime.Object{denyAll, cnp("accept-b", admin, 10, subjectNS("team", "x"), in(accept, peers(fromNS("team", "y"))))}, c2w, true,
			"allowed; egress: not isolated; ingress: accepted by Admin ClusterNetworkPolicy accept-b rule 0"},
		{"admin Accept in egress leaves ingress at the destination to decide", []runtime.Object{denyAll, cnp("out", admin, 10, subjectNS("team", "y"), out(accept, peers(toNS())))}, c2w, false,
			"denied; egress: accepted by Admin ClusterNetworkPolicy out rule 0; ingress: isolated by a/deny and no rule allows it"},
		{"admin Accept at both ends", []runtime.Object{denyAll, cnp("out", admin, 10, subjectNS("team", "y"), out(accept, peers(toNS()))), cnp("in", admin, 10, subjectNS("team", "x"), in(accept, peers(fromNS())))}, c2w, true, ""},
		{"admin Deny in egress", []runtime.Object{allowAll, cnp("out", admin, 10, subjectNS("team", "y"), out(deny, peers(toNS("team", "x"))))}, c2w, false,
			"denied; egress: denied by Admin ClusterNetworkPolicy out rule 0; ingress: allowed by a/allow-all rule 0"},
		// Pass skips the rest of the Admin tier.
		{"admin Pass hands over to NetworkPolicies, which allow", []runtime.Object{fromB,
			cnp("pass", admin, 1, subjectNS("team", "x"), in(pass, peers(fromNS("team", "y")))),
			cnp("deny-all", admin, 5, subjectNS(), in(deny, peers(fromNS())))}, c2w, true,
			"allowed; egress: not isolated; ingress: passed by Admin ClusterNetworkPolicy pass rule 0, then allowed by a/from-b rule 0"},
		{"admin Pass hands over to NetworkPolicies, which deny", []runtime.Object{denyAll, cnp("pass", admin, 1, subjectNS("team", "x"), in(pass, peers(fromNS("team", "y"))))}, c2w, false, ""},
		{"admin Pass without NetworkPolicies: the Baseline tier decides", []runtime.Object{
			cnp("pass", admin, 1, subjectNS("team", "x"), in(pass, peers(fromNS("team", "y")))),
			cnp("baseline", base, 1, subjectNS(), in(deny, peers(fromNS())))}, c2w, false,
			"denied; egress: not isolated; ingress: passed by Admin ClusterNetworkPolicy pass rule 0, then denied by Baseline ClusterNetworkPolicy baseline rule 0"},
		// Order: priority, then (the API leaves ties open) name, then rules.
		{"a lower priority value goes first", []runtime.Object{
			cnp("a-accept", admin, 2, subjectNS(), in(accept, peers(fromNS()))),
			cnp("b-deny", admin, 1, subjectNS(), in(deny, peers(fromNS())))}, c2w, false, ""},
		{"the same priority: by name (deny first)", []runtime.Object{
			cnp("b-accept", admin, 3, subjectNS(), in(accept, peers(fromNS()))),
			cnp("a-deny", admin, 3, subjectNS(), in(deny, peers(fromNS())))}, c2w, false, ""},
		{"the same priority: by name (accept first)", []runtime.Object{
			cnp("a-accept", admin, 3, subjectNS(), in(accept, peers(fromNS()))),
			cnp("b-deny", admin, 3, subjectNS(), in(deny, peers(fromNS())))}, c2w, true, ""},
		{"rules in order: the first match decides (accept)", []runtime.Object{denyAll,
			cnp("p", admin, 3, subjectNS(), in(accept, peers(fromNS("team", "y"))), in(deny, peers(fromNS())))}, c2w, true, ""},
		{"rules in order: the first match decides (deny)", []runtime.Object{allowAll,
			cnp("p", admin, 3, subjectNS(), in(deny, peers(fromNS())), in(accept, peers(fromNS("team", "y"))))}, c2w, false, ""},
		{"a rule whose port does not match is skipped", []runtime.Object{
			cnp("p", admin, 3, subjectNS(), in(deny, peers(fromNS()), onTCP(81)))}, c2w, true, "allowed; egress: not isolated; ingress: not isolated"},
		{"a rule whose peer does not match is skipped", []runtime.Object{
			cnp("p", admin, 3, subjectNS(), in(deny, peers(fromNS("team", "x"))), in(accept, peers(fromNS())))}, c2w, true, ""},
		{"a policy without ingress rules leaves ingress alone", []runtime.Object{denyAll,
			cnp("p", admin, 3, subjectNS(), out(accept, peers(toNS())))}, c2w, false, ""},
		// The Baseline tier is for pods no NetworkPolicy isolates.
		{"a NetworkPolicy-isolated pod does not consult the Baseline tier", []runtime.Object{fromB, cnp("baseline", base, 1, subjectNS(), in(deny, peers(fromNS())))}, c2w, true,
			"allowed; egress: not isolated; ingress: allowed by a/from-b rule 0"},
		{"isolation for egress only leaves ingress to the Baseline tier", []runtime.Object{
			np("a", "egress-only", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}),
			cnp("baseline", base, 1, subjectNS(), in(deny, peers(fromNS())))}, c2w, false, ""},
		{"baseline Deny for pods no NetworkPolicy selects", []runtime.Object{cnp("baseline", base, 1, subjectNS("team", "x"), in(deny, peers(fromNS("team", "y"))))}, c2w, false,
			"denied; egress: not isolated; ingress: denied by Baseline ClusterNetworkPolicy baseline rule 0"},
		{"baseline Accept before a baseline Deny", []runtime.Object{
			cnp("a", base, 1, subjectNS(), in(accept, peers(fromNS("team", "y")))),
			cnp("b", base, 2, subjectNS(), in(deny, peers(fromNS())))}, c2w, true,
			"allowed; egress: not isolated; ingress: accepted by Baseline ClusterNetworkPolicy a rule 0"},
		{"baseline Pass skips the rest of the tier: allowed", []runtime.Object{
			cnp("a", base, 1, subjectNS(), in(pass, peers(fromNS("team", "y")))),
			cnp("b", base, 2, subjectNS(), in(deny, peers(fromNS())))}, c2w, true,
			"allowed; egress: not isolated; ingress: passed by Baseline ClusterNetworkPolicy a rule 0, then not isolated"},
		{"baseline Deny in egress", []runtime.Object{cnp("b", base, 2, subjectNS("team", "y"), out(deny, peers(toNS())))}, c2w, false, ""},
		// Subjects.
		{"subject pods: the selected pod", []runtime.Object{cnp("p", admin, 1, subjectPods(sel("team", "x"), sel("app", "db")), in(deny, peers(fromNS())))}, Traffic{From: client, To: db, Port: 80}, false, ""},
		{"subject pods: not the others", []runtime.Object{cnp("p", admin, 1, subjectPods(sel("team", "x"), sel("app", "db")), in(deny, peers(fromNS())))}, c2w, true, ""},
		{"subject namespaces: not other namespaces", []runtime.Object{cnp("p", admin, 1, subjectNS("team", "z"), in(deny, peers(fromNS())))}, c2w, true, ""},
		// Peers.
		{"pods peer: namespace and pod selectors together (no match)", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromPods(sel("team", "y"), sel("app", "other")))))}, c2w, true, ""},
		{"pods peer: namespace and pod selectors together (match)", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromPods(sel("team", "y"), sel("app", "client")))))}, c2w, false, ""},
		{"pods peer: in any namespace", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromPods(everyone, sel("app", "client")))))}, c2w, false, ""},
		{"two peers: either", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS("team", "z"), fromNS("team", "y"))))}, c2w, false, ""},
		{"namespaces peers never match an address", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS())))}, Traffic{From: outside, To: web, Port: 80}, true, ""},
		{"networks peer matches pod IPs", []runtime.Object{cnp("p", admin, 1, subjectNS("team", "y"), out(deny, peers(toNetworks("10.0.0.0/24"))))}, c2w, false, ""},
		{"networks peer, another network", []runtime.Object{cnp("p", admin, 1, subjectNS("team", "y"), out(deny, peers(toNetworks("10.0.2.0/24", "fd00::/8"))))}, c2w, true, ""},
		{"networks peer matches an address", []runtime.Object{cnp("p", admin, 1, subjectNS(), out(deny, peers(toNetworks("192.0.2.0/24"))))}, Traffic{From: web, To: outside, Port: 443}, false, ""},
		{"nodes peer matches the selected nodes' addresses", []runtime.Object{nodeObj("n1", "192.0.2.10", map[string]string{"role": "infra"}),
			cnp("p", admin, 1, subjectNS(), out(deny, peers(policyv1beta1.ClusterNetworkPolicyEgressPeer{Nodes: sel("role", "infra")})))}, Traffic{From: web, To: outside, Port: 443}, false, ""},
		{"nodes peer, other nodes", []runtime.Object{nodeObj("n1", "192.0.2.10", map[string]string{"role": "infra"}), nodeObj("n2", "192.0.2.11", map[string]string{"role": "edge"}),
			cnp("p", admin, 1, subjectNS(), out(deny, peers(policyv1beta1.ClusterNetworkPolicyEgressPeer{Nodes: sel("role", "edge")})))}, Traffic{From: web, To: outside, Port: 443}, true, ""},
		{"domainNames match no endpoint", []runtime.Object{cnp("p", admin, 1, subjectNS(),
			out(accept, peers(policyv1beta1.ClusterNetworkPolicyEgressPeer{DomainNames: []policyv1beta1.DomainName{"example.com"}})),
			out(deny, peers(toNetworks("0.0.0.0/0"))))}, Traffic{From: web, To: outside, Port: 443}, false,
			"denied; egress: denied by Admin ClusterNetworkPolicy p rule 1; ingress: not isolated"},
		// Protocols.
		{"no protocols: every port and protocol", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS())))}, Traffic{From: client, To: web, Port: 53, Protocol: corev1.ProtocolUDP}, false, ""},
		{"tcp port", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()), onTCP(80)))}, c2w, false, ""},
		{"udp does not match tcp", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()),
			policyv1beta1.ClusterNetworkPolicyProtocol{UDP: &policyv1beta1.ClusterNetworkPolicyProtocolUDP{DestinationPort: &policyv1beta1.Port{Number: 80}}}))}, c2w, true, ""},
		{"sctp", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()),
			policyv1beta1.ClusterNetworkPolicyProtocol{SCTP: &policyv1beta1.ClusterNetworkPolicyProtocolSCTP{DestinationPort: &policyv1beta1.Port{Number: 80}}}))},
			Traffic{From: client, To: web, Port: 80, Protocol: corev1.ProtocolSCTP}, false, ""},
		{"port range", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()),
			policyv1beta1.ClusterNetworkPolicyProtocol{TCP: &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: &policyv1beta1.Port{Range: &policyv1beta1.PortRange{Start: 8000, End: 8100}}}}))},
			Traffic{From: client, To: web, Port: 8100}, false, ""},
		{"named port, with the container port's protocol", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()), named("http")))}, Traffic{From: client, To: web, Port: 8080}, false, ""},
		{"named port, another protocol", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()), named("http")))}, Traffic{From: client, To: web, Port: 8080, Protocol: corev1.ProtocolUDP}, true, ""},
		{"named port, another number", []runtime.Object{cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS()), named("http")))}, c2w, true, ""},
		{"egress named port resolves at the destination", []runtime.Object{cnp("p", admin, 1, subjectNS("team", "y"), out(deny, peers(toNS()), named("sql")))}, Traffic{From: client, To: db, Port: 5432}, false, ""},
		{"egress named port, a destination without it", []runtime.Object{cnp("p", admin, 1, subjectNS("team", "y"), out(deny, peers(toNS()), named("sql")))}, Traffic{From: client, To: web, Port: 5432}, true, ""},
		// A peer with no field (one of a newer API, dropped in decoding):
		// fail closed.
		{"an empty peer of an Accept rule matches nothing", []runtime.Object{denyAll, cnp("p", admin, 1, subjectNS(), in(accept, peers(policyv1beta1.ClusterNetworkPolicyIngressPeer{})))}, c2w, false, ""},
		{"an empty peer of a Pass rule denies everything", []runtime.Object{allowAll, cnp("p", admin, 1, subjectNS(), in(pass, peers(fromNS("team", "z"), policyv1beta1.ClusterNetworkPolicyIngressPeer{}), onTCP(9)))}, c2w, false,
			"denied; egress: not isolated; ingress: denied by Admin ClusterNetworkPolicy p rule 0"},
		// Addresses are never subjects.
		{"an address as source is not a subject", []runtime.Object{cnp("p", admin, 1, subjectNS(), out(deny, peers(toNS())))}, Traffic{From: outside, To: web, Port: 80}, true, ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(fixture(tt.objs...)...)
			require.NoError(t, err)
			a, err := e.Reachable(tt.t)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, a.Allowed, a.String())
			if tt.explain != "" {
				assert.Equal(t, tt.explain, a.String())
			}
			checkMatrix(t, e)
		})
	}
}

// TestClusterNetworkPolicyAnswerNamesTheRule: the Answer names the
// deciding policy, its tier, the rule's index and name, and the Pass rules
// on the way.
func TestClusterNetworkPolicyAnswerNamesTheRule(t *testing.T) {
	pol := cnp("guard", admin, 7, subjectNS("team", "x"),
		in(accept, peers(fromNS("team", "x"))),
		policyv1beta1.ClusterNetworkPolicyIngressRule{Name: "no-b", Action: deny, From: peers(fromNS("team", "y"))})
	passer := cnp("hand-over", admin, 1, subjectNS("team", "y"), policyv1beta1.ClusterNetworkPolicyEgressRule{Name: "to-a", Action: pass, To: peers(toNS("team", "x"))})
	e, err := New(fixture(pol, passer)...)
	require.NoError(t, err)
	a, err := e.Reachable(Traffic{From: PodAt("b", "client"), To: PodAt("a", "web"), Port: 80})
	require.NoError(t, err)
	assert.False(t, a.Allowed)
	assert.Equal(t, Side{Allowed: false, Tier: AdminTier, Cluster: &ClusterRuleRef{Policy: "guard", Tier: AdminTier, Rule: 1, Name: "no-b", Action: deny}}, a.Ingress)
	assert.Equal(t, Side{Allowed: true, Passed: []ClusterRuleRef{{Policy: "hand-over", Tier: AdminTier, Rule: 0, Name: "to-a", Action: pass}}}, a.Egress)
	assert.Equal(t, `denied; egress: passed by Admin ClusterNetworkPolicy hand-over rule 0 ("to-a"), then not isolated; `+
		`ingress: denied by Admin ClusterNetworkPolicy guard rule 1 ("no-b")`, a.String())
}

func TestNewRefusesBadClusterNetworkPolicies(t *testing.T) {
	ok := func() *policyv1beta1.ClusterNetworkPolicy {
		return cnp("p", admin, 1, subjectNS(), in(deny, peers(fromNS())))
	}
	with := func(f func(p *policyv1beta1.ClusterNetworkPolicy)) *policyv1beta1.ClusterNetworkPolicy {
		p := ok()
		f(p)
		return p
	}
	egress := func(rule policyv1beta1.ClusterNetworkPolicyEgressRule) *policyv1beta1.ClusterNetworkPolicy {
		return cnp("p", admin, 1, subjectNS(), rule)
	}
	tcpPort := func(p policyv1beta1.Port) policyv1beta1.ClusterNetworkPolicyProtocol {
		return policyv1beta1.ClusterNetworkPolicyProtocol{TCP: &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: &p}}
	}
	cases := map[string]struct {
		objs  []runtime.Object
		field string
	}{
		"no tier":       {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) { p.Spec.Tier = "" })}, "clusternetworkpolicy p spec.tier"},
		"a third tier":  {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) { p.Spec.Tier = "NetworkPolicy" })}, "clusternetworkpolicy p spec.tier"},
		"priority 1001": {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) { p.Spec.Priority = 1001 })}, "clusternetworkpolicy p spec.priority"},
		"no subject": {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) {
			p.Spec.Subject = policyv1beta1.ClusterNetworkPolicySubject{}
		})}, "clusternetworkpolicy p spec.subject"},
		"two subjects": {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) { p.Spec.Subject.Pods = &policyv1beta1.NamespacedPod{} })}, "clusternetworkpolicy p spec.subject"},
		"bad selector": {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) {
			p.Spec.Subject.Namespaces.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Up"}}
		})}, "clusternetworkpolicy p spec.subject.namespaces"},
		"Allow action": {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) { p.Spec.Ingress[0].Action = "Allow" })}, "clusternetworkpolicy p spec.ingress[0].action"},
		"no peers":     {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) { p.Spec.Ingress[0].From = nil })}, "clusternetworkpolicy p spec.ingress[0].from"},
		"two-field peer": {[]runtime.Object{with(func(p *policyv1beta1.ClusterNetworkPolicy) {
			p.Spec.Ingress[0].From[0].Pods = &policyv1beta1.NamespacedPod{}
		})}, "clusternetworkpolicy p spec.ingress[0].from[0]"},
		"not a CIDR":    {[]runtime.Object{egress(out(deny, peers(toNetworks("10.0.0.0/33"))))}, "clusternetworkpolicy p spec.egress[0].to[0].networks[0]"},
		"host bits set": {[]runtime.Object{egress(out(deny, peers(toNetworks("10.0.0.1/24"))))}, "clusternetworkpolicy p spec.egress[0].to[0].networks[0]"},
		"two protocols in one": {[]runtime.Object{egress(out(deny, peers(toNS()), policyv1beta1.ClusterNetworkPolicyProtocol{
			TCP: &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: &policyv1beta1.Port{Number: 1}}, DestinationNamedPort: "http"}))}, "clusternetworkpolicy p spec.egress[0].protocols[0]"},
		"tcp without a port":        {[]runtime.Object{egress(out(deny, peers(toNS()), policyv1beta1.ClusterNetworkPolicyProtocol{TCP: &policyv1beta1.ClusterNetworkPolicyProtocolTCP{}}))}, "clusternetworkpolicy p spec.egress[0].protocols[0]"},
		"number and range":          {[]runtime.Object{egress(out(deny, peers(toNS()), tcpPort(policyv1beta1.Port{Number: 80, Range: &policyv1beta1.PortRange{Start: 1, End: 2}})))}, "clusternetworkpolicy p spec.egress[0].protocols[0].destinationPort"},
		"port 0 and no range":       {[]runtime.Object{egress(out(deny, peers(toNS()), tcpPort(policyv1beta1.Port{})))}, "clusternetworkpolicy p spec.egress[0].protocols[0].destinationPort"},
		"port 70000":                {[]runtime.Object{egress(out(deny, peers(toNS()), tcpPort(policyv1beta1.Port{Number: 70000})))}, "clusternetworkpolicy p spec.egress[0].protocols[0].destinationPort.number"},
		"range start not below end": {[]runtime.Object{egress(out(deny, peers(toNS()), tcpPort(policyv1beta1.Port{Range: &policyv1beta1.PortRange{Start: 90, End: 90}})))}, "clusternetworkpolicy p spec.egress[0].protocols[0].destinationPort.range"},
		"domainNames in a Deny rule": {[]runtime.Object{egress(out(deny, peers(policyv1beta1.ClusterNetworkPolicyEgressPeer{DomainNames: []policyv1beta1.DomainName{"example.com"}})))},
			"clusternetworkpolicy p spec.egress[0].to[0].domainNames"},
		"a named port to networks": {[]runtime.Object{egress(out(accept, peers(toNS(), toNetworks("10.0.0.0/8")), named("http")))}, "clusternetworkpolicy p spec.egress[0].to[1]"},
		"given twice":              {[]runtime.Object{ok(), ok()}, "clusternetworkpolicy p"},
		"bad node address":         {[]runtime.Object{nodeObj("n", "nope", nil)}, "node n status.addresses[0]"},
	}
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(fixture(tt.objs...)...)
			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tt.field, invalid.Field, invalid.Error())
		})
	}
}

// TestNewTakesLists: typed lists of every kind New takes are expanded.
func TestNewTakesLists(t *testing.T) {
	objs := fixture()
	e, err := New(append(objs[:1:1],
		&corev1.NamespaceList{Items: []corev1.Namespace{*objs[1].(*corev1.Namespace)}},
		&corev1.PodList{Items: []corev1.Pod{*objs[2].(*corev1.Pod), *objs[3].(*corev1.Pod), *objs[4].(*corev1.Pod)}},
		&corev1.NodeList{Items: []corev1.Node{*nodeObj("n", "192.0.2.1", nil)}},
		&networkingv1.NetworkPolicyList{Items: []networkingv1.NetworkPolicy{*np("a", "deny", networkingv1.NetworkPolicySpec{})}},
		&policyv1beta1.ClusterNetworkPolicyList{Items: []policyv1beta1.ClusterNetworkPolicy{*cnp("accept-b", admin, 1, subjectNS(), in(accept, peers(fromNS("team", "y"))))}},
	)...)
	require.NoError(t, err)
	assert.Len(t, e.Pods(), 3)
	a, err := e.Reachable(Traffic{From: PodAt("b", "client"), To: PodAt("a", "web"), Port: 80})
	require.NoError(t, err)
	assert.True(t, a.Allowed, a.String())
	assert.Equal(t, AdminTier, a.Ingress.Tier)
	assert.True(t, a.Ingress.Isolated, "the NetworkPolicy in the list isolates web")
}
