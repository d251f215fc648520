package netpolgen

import (
	"fmt"
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

// Objects returns namespaces ns0..., pods pod0... (IPs 10.x.y.z, container
// ports http 80/TCP, dns 81/UDP and sql 82/TCP at random) and
// NetworkPolicies np0... drawn from r. Labels, selectors, peers and ports
// come from small vocabularies (keys app and tier, values a, b and c;
// ports 80 to 82, named or numbered, TCP or UDP, ranges; ipBlocks in
// 10.0.0.0/16 with excepts) so that they often match. It is Generate with
// no nodes and no ClusterNetworkPolicies.
func Objects(r *rand.Rand, namespaces, pods, policies int) []runtime.Object {
	return Generate(r, Options{Namespaces: namespaces, Pods: pods, Policies: policies})
}

// Options says how many objects of each kind Generate makes.
type Options struct {
	// Namespaces (at least one when there are pods), Pods and
	// NetworkPolicies, as Objects makes them.
	Namespaces, Pods, Policies int
	// Nodes is the number of Nodes node0..., with labels from the same
	// vocabulary and an InternalIP among the first 256 pods' IPs (so that
	// nodes peers match some pods, as they match host-network pods).
	Nodes int
	// ClusterPolicies is the number of policy.networking.k8s.io/v1beta1
	// ClusterNetworkPolicies cnp0..., in both tiers, with priorities 0 to
	// 3 (so that ties are common), subjects, peers and protocols of every
	// kind of the standard channel: namespaces and pods peers, networks
	// (IPv4 and IPv6 CIDRs) in egress, TCP, UDP and SCTP with a port or a
	// range, and every action. None by default.
	ClusterPolicies int
	// Experimental adds the experimental channel's fields to the
	// ClusterNetworkPolicies: destinationNamedPort, nodes peers and
	// domainNames peers (in Accept rules only).
	Experimental bool
}

// Generate returns a world drawn from r: the objects of Objects, then
// Nodes, then ClusterNetworkPolicies. Every object is one the API server
// accepts (for ClusterNetworkPolicies, with network-policy-api v0.3.0's
// CRD of the experimental channel, or the standard one when Experimental
// is off). The same seed and options give the same world, and with no
// nodes and no ClusterNetworkPolicies the same world as Objects.
func Generate(r *rand.Rand, o Options) []runtime.Object {
	namespaces, pods, policies := o.Namespaces, o.Pods, o.Policies
	vals := []string{"a", "b", "c"}
	keys := []string{"app", "tier"}
	lbls := func() map[string]string {
		m := map[string]string{}
		for _, k := range keys {
			if r.IntN(3) > 0 {
				m[k] = vals[r.IntN(len(vals))]
			}
		}
		return m
	}
	selector := func() *metav1.LabelSelector {
		s := &metav1.LabelSelector{}
		switch r.IntN(4) {
		case 0: // empty: everything
		case 1:
			s.MatchLabels = map[string]string{keys[r.IntN(2)]: vals[r.IntN(3)]}
		case 2:
			s.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: keys[r.IntN(2)], Operator: metav1.LabelSelectorOpIn, Values: []string{vals[r.IntN(3)], vals[r.IntN(3)]}}}
		case 3:
			ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}
			op := ops[r.IntN(3)]
			req := metav1.LabelSelectorRequirement{Key: keys[r.IntN(2)], Operator: op}
			if op == metav1.LabelSelectorOpNotIn {
				req.Values = []string{vals[r.IntN(3)]}
			}
			s.MatchExpressions = []metav1.LabelSelectorRequirement{req}
		}
		return s
	}
	var objs []runtime.Object
	for i := range namespaces {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns%d", i), Labels: lbls()}})
	}
	portNames := []string{"http", "dns", "sql"}
	for i := range pods {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", r.IntN(namespaces)), Name: fmt.Sprintf("pod%d", i), Labels: lbls()},
			Status: corev1.PodStatus{PodIP: fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)}}
		c := corev1.Container{Name: "c"}
		for j, name := range portNames {
			if r.IntN(2) == 0 {
				proto := corev1.ProtocolTCP
				if name == "dns" {
					proto = corev1.ProtocolUDP
				}
				c.Ports = append(c.Ports, corev1.ContainerPort{Name: name, ContainerPort: int32(80 + j), Protocol: proto})
			}
		}
		p.Spec.Containers = []corev1.Container{c}
		objs = append(objs, p)
	}
	peers := func() []networkingv1.NetworkPolicyPeer {
		if r.IntN(4) == 0 {
			return nil
		}
		var out []networkingv1.NetworkPolicyPeer
		for range 1 + r.IntN(2) {
			var pp networkingv1.NetworkPolicyPeer
			switch r.IntN(4) {
			case 0:
				pp.PodSelector = selector()
			case 1:
				pp.NamespaceSelector = selector()
			case 2:
				pp.PodSelector, pp.NamespaceSelector = selector(), selector()
			case 3:
				pp.IPBlock = &networkingv1.IPBlock{CIDR: fmt.Sprintf("10.0.0.%d/%d", r.IntN(4)*64, 26+r.IntN(3))}
				if r.IntN(2) == 0 {
					pp.IPBlock.CIDR = "10.0.0.0/16"
					pp.IPBlock.Except = []string{fmt.Sprintf("10.0.0.%d/30", r.IntN(64)*4)}
				}
			}
			out = append(out, pp)
		}
		return out
	}
	ports := func() []networkingv1.NetworkPolicyPort {
		if r.IntN(3) == 0 {
			return nil
		}
		var out []networkingv1.NetworkPolicyPort
		for range 1 + r.IntN(2) {
			var p networkingv1.NetworkPolicyPort
			switch r.IntN(5) {
			case 0:
				p.Port = ptr.To(intstr.FromInt32(int32(80 + r.IntN(3))))
			case 1:
				p.Port = ptr.To(intstr.FromString(portNames[r.IntN(3)]))
			case 2:
				p.Port, p.EndPort = ptr.To(intstr.FromInt32(80)), ptr.To(int32(81))
			case 3: // protocol only
			case 4:
				p.Port = ptr.To(intstr.FromInt32(int32(80 + r.IntN(3))))
			}
			if r.IntN(4) == 0 {
				p.Protocol = ptr.To(corev1.ProtocolUDP)
			}
			out = append(out, p)
		}
		return out
	}
	for i := range policies {
		spec := networkingv1.NetworkPolicySpec{PodSelector: *selector()}
		for range r.IntN(3) {
			spec.Ingress = append(spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: peers(), Ports: ports()})
		}
		for range r.IntN(3) {
			spec.Egress = append(spec.Egress, networkingv1.NetworkPolicyEgressRule{To: peers(), Ports: ports()})
		}
		switch r.IntN(4) {
		case 0:
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		case 1:
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		case 2:
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		}
		objs = append(objs, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", r.IntN(namespaces)), Name: fmt.Sprintf("np%d", i)}, Spec: spec})
	}
	for i := range o.Nodes {
		objs = append(objs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node%d", i), Labels: lbls()},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.0.0.%d", r.IntN(256))},
				{Type: corev1.NodeHostName, Address: fmt.Sprintf("node%d", i)},
			}}})
	}
	for i := range o.ClusterPolicies {
		objs = append(objs, clusterPolicy(r, fmt.Sprintf("cnp%d", i), o.Experimental, selector))
	}
	return objs
}

// clusterPolicy draws one ClusterNetworkPolicy named name.
func clusterPolicy(r *rand.Rand, name string, experimental bool, selector func() *metav1.LabelSelector) *policyv1beta1.ClusterNetworkPolicy {
	actions := []policyv1beta1.ClusterNetworkPolicyRuleAction{policyv1beta1.ClusterNetworkPolicyRuleActionAccept, policyv1beta1.ClusterNetworkPolicyRuleActionDeny, policyv1beta1.ClusterNetworkPolicyRuleActionPass}
	pods := func() *policyv1beta1.NamespacedPod {
		return &policyv1beta1.NamespacedPod{NamespaceSelector: *selector(), PodSelector: *selector()}
	}
	// pick returns k distinct items of from (lists of type set).
	pick := func(from []string, k int) []string {
		idx := r.Perm(len(from))[:k]
		out := make([]string, k)
		for i, j := range idx {
			out[i] = from[j]
		}
		return out
	}
	cidrs := []string{"10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/25", "10.0.0.0/16", "10.0.0.0/30", "10.0.1.0/24", "0.0.0.0/0", "fd00::/8"}
	domains := []string{"example.com", "*.example.org", "kubernetes.io"}
	// peer draws an egress peer (ingress peers are the pods and
	// namespaces kinds); named says whether the rule may still take a
	// named port, which networks, nodes and domainNames peers forbid.
	peer := func(egress bool, action policyv1beta1.ClusterNetworkPolicyRuleAction) (p policyv1beta1.ClusterNetworkPolicyEgressPeer, named bool) {
		kinds := 2
		if egress {
			kinds = 3
			if experimental {
				kinds = 5
			}
		}
		switch r.IntN(kinds) {
		case 0:
			p.Namespaces = selector()
		case 1:
			p.Pods = pods()
		case 2:
			for _, c := range pick(cidrs, 1+r.IntN(3)) {
				p.Networks = append(p.Networks, policyv1beta1.CIDR(c))
			}
			return p, false
		case 3:
			p.Nodes = selector()
			return p, false
		case 4:
			if action != policyv1beta1.ClusterNetworkPolicyRuleActionAccept {
				p.Namespaces = selector()
				return p, true
			}
			for _, d := range pick(domains, 1+r.IntN(2)) {
				p.DomainNames = append(p.DomainNames, policyv1beta1.DomainName(d))
			}
			return p, false
		}
		return p, true
	}
	protocols := func(named bool) []policyv1beta1.ClusterNetworkPolicyProtocol {
		if r.IntN(3) == 0 {
			return nil
		}
		var out []policyv1beta1.ClusterNetworkPolicyProtocol
		for range 1 + r.IntN(2) {
			dp := &policyv1beta1.Port{Number: int32(80 + r.IntN(3))}
			if r.IntN(3) == 0 {
				dp = &policyv1beta1.Port{Range: &policyv1beta1.PortRange{Start: 80, End: int32(81 + r.IntN(2))}}
			}
			var p policyv1beta1.ClusterNetworkPolicyProtocol
			kinds := 3
			if experimental && named {
				kinds = 4
			}
			switch r.IntN(kinds) {
			case 0:
				p.TCP = &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: dp}
			case 1:
				p.UDP = &policyv1beta1.ClusterNetworkPolicyProtocolUDP{DestinationPort: dp}
			case 2:
				if r.IntN(3) == 0 {
					p.SCTP = &policyv1beta1.ClusterNetworkPolicyProtocolSCTP{DestinationPort: dp}
				} else {
					p.TCP = &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: dp}
				}
			case 3:
				p.DestinationNamedPort = []string{"http", "dns", "sql"}[r.IntN(3)]
			}
			out = append(out, p)
		}
		return out
	}
	ruleName := func(i int) string {
		if r.IntN(2) == 0 {
			return ""
		}
		return fmt.Sprintf("rule-%d", i)
	}
	spec := policyv1beta1.ClusterNetworkPolicySpec{Tier: policyv1beta1.AdminTier, Priority: int32(r.IntN(4))}
	if r.IntN(2) == 0 {
		spec.Tier = policyv1beta1.BaselineTier
	}
	if r.IntN(2) == 0 {
		spec.Subject.Namespaces = selector()
	} else {
		spec.Subject.Pods = pods()
	}
	for i := range r.IntN(4) {
		rule := policyv1beta1.ClusterNetworkPolicyIngressRule{Name: ruleName(i), Action: actions[r.IntN(3)]}
		for range 1 + r.IntN(2) {
			p, _ := peer(false, rule.Action)
			rule.From = append(rule.From, policyv1beta1.ClusterNetworkPolicyIngressPeer{Namespaces: p.Namespaces, Pods: p.Pods})
		}
		rule.Protocols = protocols(true)
		spec.Ingress = append(spec.Ingress, rule)
	}
	for i := range r.IntN(4) {
		rule := policyv1beta1.ClusterNetworkPolicyEgressRule{Name: ruleName(i), Action: actions[r.IntN(3)]}
		named := true
		for range 1 + r.IntN(2) {
			p, ok := peer(true, rule.Action)
			named = named && ok
			rule.To = append(rule.To, p)
		}
		rule.Protocols = protocols(named)
		spec.Egress = append(spec.Egress, rule)
	}
	return &policyv1beta1.ClusterNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}
