package reachability

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

// Tier names the tier that decided a direction: the Admin tier of
// ClusterNetworkPolicy, the NetworkPolicy tier or the Baseline tier of
// ClusterNetworkPolicy, in that order of precedence.
type Tier string

const (
	// AdminTier is ClusterNetworkPolicy's Admin tier, evaluated first.
	AdminTier Tier = Tier(policyv1beta1.AdminTier)
	// NetworkPolicyTier is the namespaces' NetworkPolicies.
	NetworkPolicyTier Tier = "NetworkPolicy"
	// BaselineTier is ClusterNetworkPolicy's Baseline tier, for pods no
	// NetworkPolicy isolates.
	BaselineTier Tier = Tier(policyv1beta1.BaselineTier)
)

// Action is a ClusterNetworkPolicy rule's action: Accept, Deny or Pass.
type Action = policyv1beta1.ClusterNetworkPolicyRuleAction

// ClusterRuleRef names one rule of a ClusterNetworkPolicy: the policy, its
// tier, the rule's index in spec.ingress or spec.egress and its name (which
// may be empty), and the action the engine applied.
type ClusterRuleRef struct {
	Policy string
	Tier   Tier
	Rule   int
	Name   string
	// Action is the rule's action; a Deny or Pass rule with a peer that
	// sets no field applies as a Deny of everything (the API's "fail
	// closed"), and its Action is Deny.
	Action Action
}

func (r ClusterRuleRef) String() string {
	s := fmt.Sprintf("%s ClusterNetworkPolicy %s rule %d", r.Tier, r.Policy, r.Rule)
	if r.Name != "" {
		s += fmt.Sprintf(" (%q)", r.Name)
	}
	return s
}

// clusterPolicy is a ClusterNetworkPolicy compiled for matching.
type clusterPolicy struct {
	name     string
	tier     Tier
	priority int32
	spec     *policyv1beta1.ClusterNetworkPolicySpec // as given, to tell changes apart
	// The subject: pods of the namespaces nsSel selects that podSel (nil:
	// every pod) selects.
	nsSel, podSel labels.Selector
	ingress       []clusterRule
	egress        []clusterRule
}

// selects reports whether the policy's subject is pod p (of a namespace
// labelled nsLbls).
func (p *clusterPolicy) selects(pod *Pod, nsLbls labels.Set) bool {
	return p.nsSel.Matches(nsLbls) && (p.podSel == nil || p.podSel.Matches(labels.Set(pod.Labels)))
}

// clusterRule is one ClusterNetworkPolicy rule. Nil peers match every peer
// (only a fail-closed rule has none); nil ports every port and protocol.
type clusterRule struct {
	index  int
	name   string
	action Action
	peers  []clusterPeer
	ports  []port
}

// clusterPeer is one peer: pods (nsSel set; podSel nil for a namespaces
// peer), networks, node addresses, or nothing at all (domainNames, which
// no endpoint the engine knows has, and a peer of an Accept rule that sets
// no field).
type clusterPeer struct {
	nsSel, podSel labels.Selector
	networks      []netip.Prefix
	nodeIPs       map[netip.Addr]bool // non-nil for a nodes peer
}

func (pp *clusterPeer) matches(other end) bool {
	switch {
	case pp.nsSel != nil:
		return other.pod != nil && pp.nsSel.Matches(other.nsLbls) && (pp.podSel == nil || pp.podSel.Matches(labels.Set(other.pod.Labels)))
	case pp.networks != nil:
		if !other.ip.IsValid() {
			return false
		}
		for _, n := range pp.networks {
			if n.Contains(other.ip) {
				return true
			}
		}
		return false
	case pp.nodeIPs != nil:
		return other.ip.IsValid() && pp.nodeIPs[other.ip]
	default:
		return false
	}
}

func (r *clusterRule) matchesPeer(other end) bool {
	if r.peers == nil {
		return true
	}
	for i := range r.peers {
		if r.peers[i].matches(other) {
			return true
		}
	}
	return false
}

func (r *clusterRule) matchesPort(dst end, portNum int32, proto corev1.Protocol) bool {
	return matchPorts(r.ports, dst, portNum, proto)
}

func (r *clusterRule) hasNamedPort() bool {
	for i := range r.ports {
		if r.ports[i].name != "" {
			return true
		}
	}
	return false
}

func (e *Engine) compileCluster(o *policyv1beta1.ClusterNetworkPolicy) (*clusterPolicy, error) {
	at := "clusternetworkpolicy " + o.Name
	p := &clusterPolicy{name: o.Name, tier: Tier(o.Spec.Tier), priority: o.Spec.Priority, spec: o.Spec.DeepCopy()}
	if p.tier != AdminTier && p.tier != BaselineTier {
		return nil, &InvalidError{Field: at + " spec.tier", Reason: fmt.Sprintf("%q is not Admin or Baseline", o.Spec.Tier)}
	}
	if p.priority < 0 || p.priority > 1000 {
		return nil, &InvalidError{Field: at + " spec.priority", Reason: fmt.Sprintf("%d is not between 0 and 1000", p.priority)}
	}
	subj := o.Spec.Subject
	var err error
	switch {
	case (subj.Namespaces == nil) == (subj.Pods == nil):
		return nil, &InvalidError{Field: at + " spec.subject", Reason: "exactly one of namespaces and pods must be set"}
	case subj.Namespaces != nil:
		if p.nsSel, err = selector(at+" spec.subject.namespaces", subj.Namespaces); err != nil {
			return nil, err
		}
	default:
		if p.nsSel, err = selector(at+" spec.subject.pods.namespaceSelector", &subj.Pods.NamespaceSelector); err != nil {
			return nil, err
		}
		if p.podSel, err = selector(at+" spec.subject.pods.podSelector", &subj.Pods.PodSelector); err != nil {
			return nil, err
		}
	}
	for i, r := range o.Spec.Ingress {
		f := fmt.Sprintf("%s spec.ingress[%d]", at, i)
		peers := make([]policyv1beta1.ClusterNetworkPolicyEgressPeer, len(r.From))
		for j, pp := range r.From {
			peers[j] = policyv1beta1.ClusterNetworkPolicyEgressPeer{Namespaces: pp.Namespaces, Pods: pp.Pods}
		}
		cr, err := e.compileClusterRule(f, i, r.Name, r.Action, "from", peers, r.Protocols)
		if err != nil {
			return nil, err
		}
		p.ingress = append(p.ingress, cr)
	}
	for i, r := range o.Spec.Egress {
		f := fmt.Sprintf("%s spec.egress[%d]", at, i)
		cr, err := e.compileClusterRule(f, i, r.Name, r.Action, "to", r.To, r.Protocols)
		if err != nil {
			return nil, err
		}
		// The API server's rule: networks, nodes and domainNames peers
		// have no named ports.
		if cr.hasNamedPort() {
			for j, pp := range r.To {
				if pp.Networks != nil || pp.Nodes != nil || pp.DomainNames != nil {
					return nil, &InvalidError{Field: fmt.Sprintf("%s.to[%d]", f, j), Reason: "networks, nodes and domainNames peers cannot be combined with a destinationNamedPort"}
				}
			}
		}
		p.egress = append(p.egress, cr)
	}
	return p, nil
}

// compileClusterRule compiles one rule; ingress peers come as egress peers
// with only namespaces and pods set.
func (e *Engine) compileClusterRule(at string, index int, name string, action Action, peersField string,
	peers []policyv1beta1.ClusterNetworkPolicyEgressPeer, protocols []policyv1beta1.ClusterNetworkPolicyProtocol) (clusterRule, error) {
	r := clusterRule{index: index, name: name, action: action}
	switch action {
	case policyv1beta1.ClusterNetworkPolicyRuleActionAccept, policyv1beta1.ClusterNetworkPolicyRuleActionDeny, policyv1beta1.ClusterNetworkPolicyRuleActionPass:
	default:
		return r, &InvalidError{Field: at + ".action", Reason: fmt.Sprintf("%q is not Accept, Deny or Pass", action)}
	}
	if len(peers) == 0 {
		return r, &InvalidError{Field: at + "." + peersField, Reason: "a rule needs at least one peer"}
	}
	for i, pp := range peers {
		f := fmt.Sprintf("%s.%s[%d]", at, peersField, i)
		set := 0
		for _, has := range []bool{pp.Namespaces != nil, pp.Pods != nil, pp.Networks != nil, pp.Nodes != nil, pp.DomainNames != nil} {
			if has {
				set++
			}
		}
		if set > 1 {
			return r, &InvalidError{Field: f, Reason: "a peer sets exactly one field"}
		}
		var cp clusterPeer
		var err error
		switch {
		case set == 0:
			// A field this version of the API does not know, dropped when
			// decoding. The API: an implementation "should fail closed":
			// the peer matches nothing in an Accept rule, and a Deny or
			// Pass rule denies everything.
			if action != policyv1beta1.ClusterNetworkPolicyRuleActionAccept {
				return clusterRule{index: index, name: name, action: policyv1beta1.ClusterNetworkPolicyRuleActionDeny}, nil
			}
		case pp.Namespaces != nil:
			if cp.nsSel, err = selector(f+".namespaces", pp.Namespaces); err != nil {
				return r, err
			}
		case pp.Pods != nil:
			if cp.nsSel, err = selector(f+".pods.namespaceSelector", &pp.Pods.NamespaceSelector); err != nil {
				return r, err
			}
			if cp.podSel, err = selector(f+".pods.podSelector", &pp.Pods.PodSelector); err != nil {
				return r, err
			}
		case pp.Networks != nil:
			if len(pp.Networks) == 0 {
				return r, &InvalidError{Field: f + ".networks", Reason: "needs at least one CIDR"}
			}
			cp.networks = make([]netip.Prefix, 0, len(pp.Networks))
			for j, c := range pp.Networks {
				n, err := netip.ParsePrefix(string(c))
				if err != nil {
					return r, &InvalidError{Field: fmt.Sprintf("%s.networks[%d]", f, j), Reason: "not a CIDR", Err: err}
				}
				if n != n.Masked() {
					return r, &InvalidError{Field: fmt.Sprintf("%s.networks[%d]", f, j), Reason: fmt.Sprintf("%s has host bits set (want %s)", c, n.Masked())}
				}
				cp.networks = append(cp.networks, n)
			}
		case pp.Nodes != nil:
			sel, err := selector(f+".nodes", pp.Nodes)
			if err != nil {
				return r, err
			}
			cp.nodeIPs = map[netip.Addr]bool{}
			for _, n := range e.nodes {
				if sel.Matches(n.labels) {
					for _, a := range n.addrs {
						cp.nodeIPs[a] = true
					}
				}
			}
		case pp.DomainNames != nil:
			// The API supports domainNames in Accept rules only; the
			// engine resolves no names, so they match no endpoint.
			if action != policyv1beta1.ClusterNetworkPolicyRuleActionAccept {
				return r, &InvalidError{Field: f + ".domainNames", Reason: "domainNames peers are supported in Accept rules only"}
			}
		}
		r.peers = append(r.peers, cp)
	}
	for i, pr := range protocols {
		f := fmt.Sprintf("%s.protocols[%d]", at, i)
		var cp port
		var dp *policyv1beta1.Port
		set := 0
		if pr.TCP != nil {
			set++
			cp.protocol, dp = corev1.ProtocolTCP, pr.TCP.DestinationPort
		}
		if pr.UDP != nil {
			set++
			cp.protocol, dp = corev1.ProtocolUDP, pr.UDP.DestinationPort
		}
		if pr.SCTP != nil {
			set++
			cp.protocol, dp = corev1.ProtocolSCTP, pr.SCTP.DestinationPort
		}
		if pr.DestinationNamedPort != "" {
			set++
			cp.name = pr.DestinationNamedPort
		}
		if set != 1 {
			return r, &InvalidError{Field: f, Reason: "exactly one of tcp, udp, sctp and destinationNamedPort must be set"}
		}
		if cp.name == "" {
			if dp == nil {
				return r, &InvalidError{Field: f, Reason: fmt.Sprintf("%s needs a destinationPort", cp.protocol)}
			}
			switch {
			case (dp.Number != 0) == (dp.Range != nil):
				return r, &InvalidError{Field: f + ".destinationPort", Reason: "exactly one of number and range must be set"}
			case dp.Range != nil:
				if !validPort(dp.Range.Start) || !validPort(dp.Range.End) || dp.Range.Start >= dp.Range.End {
					return r, &InvalidError{Field: f + ".destinationPort.range", Reason: fmt.Sprintf("%d-%d is not a range of ports with start below end", dp.Range.Start, dp.Range.End)}
				}
				cp.number, cp.end = dp.Range.Start, dp.Range.End
			default:
				if !validPort(dp.Number) {
					return r, &InvalidError{Field: f + ".destinationPort.number", Reason: fmt.Sprintf("%d is not a port", dp.Number)}
				}
				cp.number = dp.Number
			}
		}
		r.ports = append(r.ports, cp)
	}
	return r, nil
}

func validPort(p int32) bool { return p >= 1 && p <= 65535 }

// firstMatch runs the policies of one tier that select self, in order, and
// returns the first rule matching the traffic (other is the far end, dst
// the destination); ok is false when none does.
func firstMatch(pols []*clusterPolicy, self, other, dst end, portNum int32, proto corev1.Protocol, ingress bool) (ClusterRuleRef, bool) {
	for _, p := range pols {
		rules := p.egress
		if ingress {
			rules = p.ingress
		}
		if len(rules) == 0 || !p.selects(self.pod, self.nsLbls) {
			continue
		}
		for i := range rules {
			r := &rules[i]
			if r.matchesPort(dst, portNum, proto) && r.matchesPeer(other) {
				return ClusterRuleRef{Policy: p.name, Tier: p.tier, Rule: r.index, Name: r.name, Action: r.action}, true
			}
		}
	}
	return ClusterRuleRef{}, false
}
