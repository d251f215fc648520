package reachability

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

// Endpoint is one end of a connection: a pod of the engine (Namespace and
// Name) or an address outside every pod (IP).
type Endpoint struct {
	Namespace, Name string
	IP              netip.Addr
}

// PodAt is the endpoint of pod namespace/name.
func PodAt(namespace, name string) Endpoint { return Endpoint{Namespace: namespace, Name: name} }

// Address is the endpoint of an address outside the cluster's pods.
func Address(ip netip.Addr) Endpoint { return Endpoint{IP: ip} }

func (ep Endpoint) String() string {
	if ep.Name != "" {
		return ep.Namespace + "/" + ep.Name
	}
	return ep.IP.String()
}

// Traffic is a connection attempt: from, to, the destination port and the
// protocol (empty means TCP).
type Traffic struct {
	From, To Endpoint
	Port     int32
	Protocol corev1.Protocol
}

// RuleRef names one rule of a policy: namespace/name and the rule's index
// in spec.ingress or spec.egress.
type RuleRef struct {
	Policy string
	Rule   int
}

// Side is the verdict of one direction: egress at the source, ingress at
// the destination.
type Side struct {
	// Allowed says this direction lets the traffic through.
	Allowed bool
	// Tier is the tier that decided: AdminTier or BaselineTier when a
	// ClusterNetworkPolicy rule accepted or denied the traffic (Cluster
	// names it), NetworkPolicyTier when NetworkPolicies isolate the pod,
	// and empty when no tier decided and the traffic is allowed (a pod no
	// policy selects, an address outside the pods, or a Pass in the
	// Baseline tier).
	Tier Tier
	// Cluster is the ClusterNetworkPolicy rule that decided, when Tier is
	// AdminTier or BaselineTier.
	Cluster *ClusterRuleRef
	// Passed are the Pass rules that sent the evaluation on to the next
	// tier: at most one of the Admin tier, then at most one of the
	// Baseline tier.
	Passed []ClusterRuleRef
	// Isolated says some NetworkPolicy selects the pod for this direction;
	// a pod no NetworkPolicy selects (or an address outside the pods)
	// leaves the decision to the Baseline tier, and allows everything it
	// does not decide.
	Isolated bool
	// Policies are the NetworkPolicies that select the pod for this
	// direction, and AllowedBy the rules among theirs that allow the
	// traffic. They are the NetworkPolicy tier's view, filled in whichever
	// tier decided.
	Policies  []string
	AllowedBy []RuleRef
}

// Answer is whether traffic is allowed, with both directions explained.
type Answer struct {
	Allowed bool
	Egress  Side
	Ingress Side
}

// String explains the answer in a sentence per direction.
func (a Answer) String() string {
	var b strings.Builder
	if a.Allowed {
		b.WriteString("allowed")
	} else {
		b.WriteString("denied")
	}
	side := func(name string, s Side) {
		fmt.Fprintf(&b, "; %s: ", name)
		for _, p := range s.Passed {
			fmt.Fprintf(&b, "passed by %s, then ", p)
		}
		switch {
		case (s.Tier == AdminTier || s.Tier == BaselineTier) && s.Cluster != nil:
			if s.Allowed {
				fmt.Fprintf(&b, "accepted by %s", s.Cluster)
			} else {
				fmt.Fprintf(&b, "denied by %s", s.Cluster)
			}
		case s.Tier != NetworkPolicyTier:
			b.WriteString("not isolated")
		case s.Allowed:
			fmt.Fprintf(&b, "allowed by %s", refs(s.AllowedBy))
		default:
			fmt.Fprintf(&b, "isolated by %s and no rule allows it", strings.Join(s.Policies, ", "))
		}
	}
	side("egress", a.Egress)
	side("ingress", a.Ingress)
	return b.String()
}

func refs(rs []RuleRef) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s rule %d", r.Policy, r.Rule)
	}
	return strings.Join(parts, ", ")
}

// end is a resolved endpoint.
type end struct {
	pod    *Pod
	nsLbls labels.Set
	ip     netip.Addr
}

func (e *Engine) resolve(field string, ep Endpoint) (end, error) {
	if ep.Name == "" {
		if !ep.IP.IsValid() {
			return end{}, &InvalidError{Field: field, Reason: "an endpoint is a pod (namespace and name) or an IP address"}
		}
		return end{ip: ep.IP}, nil
	}
	i, ok := e.podIndex[ep.Namespace+"/"+ep.Name]
	if !ok {
		return end{}, &InvalidError{Field: field, Reason: fmt.Sprintf("no pod %s", ep)}
	}
	p := &e.pods[i]
	return end{pod: p, nsLbls: e.namespaces[p.Namespace], ip: p.IP}, nil
}

// Reachable answers whether t is allowed: egress at the source and ingress
// at the destination must both allow it.
func (e *Engine) Reachable(t Traffic) (Answer, error) {
	src, err := e.resolve("From", t.From)
	if err != nil {
		return Answer{}, err
	}
	dst, err := e.resolve("To", t.To)
	if err != nil {
		return Answer{}, err
	}
	proto := t.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	a := Answer{
		Egress:  e.side(src, dst, dst, t.Port, proto, false),
		Ingress: e.side(dst, src, dst, t.Port, proto, true),
	}
	a.Allowed = a.Egress.Allowed && a.Ingress.Allowed
	return a, nil
}

// side evaluates one direction at self against the other end, tier by
// tier: the Admin tier's ClusterNetworkPolicies, then the NetworkPolicies
// selecting self, then the Baseline tier's. dst is the destination, whose
// named ports rules resolve against.
func (e *Engine) side(self, other, dst end, portNum int32, proto corev1.Protocol, ingress bool) Side {
	if self.pod == nil {
		return Side{Allowed: true}
	}
	var s Side
	for _, p := range e.byNS[self.pod.Namespace] {
		if (ingress && !p.ingress) || (!ingress && !p.egress) || !p.selector.Matches(labels.Set(self.pod.Labels)) {
			continue
		}
		s.Isolated = true
		s.Policies = append(s.Policies, p.ref())
		rules := p.egressRules
		if ingress {
			rules = p.ingressRules
		}
		for i := range rules {
			r := &rules[i]
			if r.matchesPort(dst, portNum, proto) && r.matchesPeer(p.namespace, other) {
				s.AllowedBy = append(s.AllowedBy, RuleRef{Policy: p.ref(), Rule: i})
			}
		}
	}
	// decided applies a tier's first matching rule: Accept and Deny
	// decide, Pass goes on to the next tier.
	decided := func(ref ClusterRuleRef, ok bool) bool {
		if !ok {
			return false
		}
		if ref.Action == policyv1beta1.ClusterNetworkPolicyRuleActionPass {
			s.Passed = append(s.Passed, ref)
			return false
		}
		s.Tier, s.Cluster = ref.Tier, &ref
		s.Allowed = ref.Action == policyv1beta1.ClusterNetworkPolicyRuleActionAccept
		return true
	}
	if decided(firstMatch(e.admin, self, other, dst, portNum, proto, ingress)) {
		return s
	}
	// NetworkPolicies decide for the pods they select; the Baseline tier
	// is for the others.
	if s.Isolated {
		s.Tier, s.Allowed = NetworkPolicyTier, len(s.AllowedBy) > 0
		return s
	}
	if decided(firstMatch(e.baseline, self, other, dst, portNum, proto, ingress)) {
		return s
	}
	s.Allowed = true
	return s
}

func (r *rule) matchesPeer(policyNS string, other end) bool {
	if r.peers == nil {
		return true
	}
	for i := range r.peers {
		if r.peers[i].matches(policyNS, other) {
			return true
		}
	}
	return false
}

func (pp *peer) matches(policyNS string, other end) bool {
	if pp.block != nil {
		return pp.block.contains(other.ip)
	}
	if other.pod == nil {
		return false
	}
	if pp.nsSel == nil {
		if other.pod.Namespace != policyNS {
			return false
		}
	} else if !pp.nsSel.Matches(other.nsLbls) {
		return false
	}
	return pp.podSel == nil || pp.podSel.Matches(labels.Set(other.pod.Labels))
}

func (r *rule) matchesPort(dst end, portNum int32, proto corev1.Protocol) bool {
	return matchPorts(r.ports, dst, portNum, proto)
}

// matchPorts reports whether ports (nil: every port) match portNum/proto
// at dst.
func matchPorts(ports []port, dst end, portNum int32, proto corev1.Protocol) bool {
	if ports == nil {
		return true
	}
	for i := range ports {
		if ports[i].matches(dst, portNum, proto) {
			return true
		}
	}
	return false
}

func (p *port) matches(dst end, portNum int32, proto corev1.Protocol) bool {
	// A ClusterNetworkPolicy's named port has no protocol of its own.
	if p.protocol != proto && (p.protocol != "" || p.name == "") {
		return false
	}
	switch {
	case p.name != "":
		if dst.pod == nil {
			return false
		}
		for _, cp := range dst.pod.Ports {
			cproto := cp.Protocol
			if cproto == "" {
				cproto = corev1.ProtocolTCP
			}
			if cp.Name == p.name && cp.ContainerPort == portNum && cproto == proto {
				return true
			}
		}
		return false
	case p.number == 0:
		return true
	case p.end != 0:
		return portNum >= p.number && portNum <= p.end
	default:
		return portNum == p.number
	}
}
