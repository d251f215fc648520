package reachability

import (
	"math/bits"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

// PortProtocol is a destination port and its protocol.
type PortProtocol struct {
	Port     int32
	Protocol corev1.Protocol
}

// bitset is a set of pod indexes.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}
func (b bitset) andNot(o bitset) {
	for i := range b {
		b[i] &^= o[i]
	}
}
func (b bitset) fill(n int) {
	for i := range b {
		b[i] = ^uint64(0)
	}
	if r := n % 64; r != 0 {
		b[len(b)-1] = 1<<r - 1
	}
}

// Matrix is the answer for every pair of the engine's pods on every port
// asked: Allowed(from, to, port) by pod index (Engine.Pods order) and port
// index.
type Matrix struct {
	Pods  []Pod
	Ports []PortProtocol
	// rows[port][from] is the set of destinations from reaches on port.
	rows [][]bitset
}

// Allowed reports whether pod from reaches pod to on Ports[port].
func (m *Matrix) Allowed(from, to, port int) bool { return m.rows[port][from].has(to) }

// Count is the number of allowed (from, to, port) triples.
func (m *Matrix) Count() int {
	n := 0
	for _, row := range m.rows {
		for _, b := range row {
			for _, w := range b {
				n += bits.OnesCount64(w)
			}
		}
	}
	return n
}

// compiledRule is a rule with the pods its peers match, precomputed.
type compiledRule struct {
	r     *rule
	peers bitset // pods the peers match (all pods when peers is nil)
}

// prepared is an engine made ready for many questions: every selector is
// evaluated once per pod, giving the pods each rule's peers match and the
// rules that apply to each pod in each direction.
type prepared struct {
	e      *Engine
	n      int
	ends   []end
	all    bitset
	in     [][]compiledRule // in[d]: ingress rules of the policies selecting d; nil when d is not isolated
	out    [][]compiledRule // out[s]: egress rules of the policies selecting s
	isoIn  []bool
	isoOut []bool
	// cluster is set when the engine has ClusterNetworkPolicies: then
	// admin[i] and baseline[i] are the policies of each tier whose subject
	// is pod i, in evaluation order.
	cluster         bool
	admin, baseline [][]*compiledCluster
	// open, passed and scratch are clusterSet's working sets, kept from
	// call to call: a prepared engine answers one question at a time.
	open, passed, scratch bitset
}

// compiledCluster is a ClusterNetworkPolicy with the pods each rule's
// peers match, precomputed.
type compiledCluster struct {
	in, out []compiledClusterRule
}

type compiledClusterRule struct {
	r     *clusterRule
	peers bitset
	named bool // has a named port: egress matches it per destination
}

func (e *Engine) prepare() *prepared {
	n := len(e.pods)
	pr := &prepared{e: e, n: n, ends: make([]end, n), all: newBitset(n), in: make([][]compiledRule, n), out: make([][]compiledRule, n), isoIn: make([]bool, n), isoOut: make([]bool, n)}
	pr.all.fill(n)
	for i := range e.pods {
		pr.ends[i] = end{pod: &e.pods[i], nsLbls: e.namespaces[e.pods[i].Namespace], ip: e.pods[i].IP}
	}
	// Pods by namespace, so a namespaceSelector is evaluated once per
	// namespace and a podSelector only on the pods of the namespaces it
	// applies to.
	byNS := map[string][]int{}
	for i := range e.pods {
		byNS[e.pods[i].Namespace] = append(byNS[e.pods[i].Namespace], i)
	}
	peerSet := func(policyNS string, pp *peer, b bitset) {
		switch {
		case pp.block != nil:
			for j := range pr.ends {
				if pp.block.contains(pr.ends[j].ip) {
					b.set(j)
				}
			}
		case pp.nsSel == nil:
			for _, j := range byNS[policyNS] {
				if pp.podSel == nil || pp.podSel.Matches(labels.Set(e.pods[j].Labels)) {
					b.set(j)
				}
			}
		default:
			for ns, idx := range byNS {
				if !pp.nsSel.Matches(e.namespaces[ns]) {
					continue
				}
				for _, j := range idx {
					if pp.podSel == nil || pp.podSel.Matches(labels.Set(e.pods[j].Labels)) {
						b.set(j)
					}
				}
			}
		}
	}
	compileRules := func(p *policy, rules []rule) []compiledRule {
		out := make([]compiledRule, len(rules))
		for i := range rules {
			r := &rules[i]
			b := newBitset(n)
			if r.peers == nil {
				b.fill(n)
			} else {
				for k := range r.peers {
					peerSet(p.namespace, &r.peers[k], b)
				}
			}
			out[i] = compiledRule{r: r, peers: b}
		}
		return out
	}
	ingressRules := map[*policy][]compiledRule{}
	egressRules := map[*policy][]compiledRule{}
	for _, p := range e.policies {
		if p.ingress {
			ingressRules[p] = compileRules(p, p.ingressRules)
		}
		if p.egress {
			egressRules[p] = compileRules(p, p.egressRules)
		}
	}
	if len(e.admin)+len(e.baseline) > 0 {
		pr.prepareCluster(byNS)
	}
	for i := range e.pods {
		lbls := labels.Set(e.pods[i].Labels)
		for _, p := range e.byNS[e.pods[i].Namespace] {
			if !p.selector.Matches(lbls) {
				continue
			}
			if p.ingress {
				pr.isoIn[i] = true
				pr.in[i] = append(pr.in[i], ingressRules[p]...)
			}
			if p.egress {
				pr.isoOut[i] = true
				pr.out[i] = append(pr.out[i], egressRules[p]...)
			}
		}
	}
	return pr
}

// prepareCluster computes the pods each ClusterNetworkPolicy rule's peers
// match and the policies whose subject each pod is.
func (pr *prepared) prepareCluster(byNS map[string][]int) {
	e, n := pr.e, pr.n
	pr.cluster = true
	pr.admin, pr.baseline = make([][]*compiledCluster, n), make([][]*compiledCluster, n)
	pr.open, pr.passed, pr.scratch = newBitset(n), newBitset(n), newBitset(n)
	// selected sets the pods of the namespaces nsSel selects that podSel
	// (nil: every pod) selects.
	selected := func(nsSel, podSel labels.Selector, b bitset) {
		for ns, idx := range byNS {
			if !nsSel.Matches(e.namespaces[ns]) {
				continue
			}
			for _, j := range idx {
				if podSel == nil || podSel.Matches(labels.Set(e.pods[j].Labels)) {
					b.set(j)
				}
			}
		}
	}
	compileRules := func(rules []clusterRule) []compiledClusterRule {
		out := make([]compiledClusterRule, len(rules))
		for i := range rules {
			r := &rules[i]
			b := newBitset(n)
			if r.peers == nil {
				b.fill(n)
			}
			for k := range r.peers {
				pp := &r.peers[k]
				switch {
				case pp.nsSel != nil:
					selected(pp.nsSel, pp.podSel, b)
				case pp.networks != nil || pp.nodeIPs != nil:
					for j := range pr.ends {
						if pp.matches(pr.ends[j]) {
							b.set(j)
						}
					}
				}
			}
			out[i] = compiledClusterRule{r: r, peers: b, named: r.hasNamedPort()}
		}
		return out
	}
	for tier, pols := range [][]*clusterPolicy{e.admin, e.baseline} {
		of := pr.admin
		if tier == 1 {
			of = pr.baseline
		}
		for _, p := range pols {
			cp := &compiledCluster{in: compileRules(p.ingress), out: compileRules(p.egress)}
			subject := newBitset(n)
			selected(p.nsSel, p.podSel, subject)
			for i := range n {
				if subject.has(i) {
					of[i] = append(of[i], cp)
				}
			}
		}
	}
}

// runTier applies the rules of one tier's policies whose subject is self,
// in order, to the far ends still undecided in open: each rule takes the
// ends it matches out of open, adding them to allowed (Accept) or passed
// (Pass); Deny adds them nowhere. m is scratch space.
func (pr *prepared) runTier(pols []*compiledCluster, self int, pp PortProtocol, ingress bool, open, allowed, passed, m bitset) {
	for _, cp := range pols {
		rules := cp.out
		if ingress {
			rules = cp.in
		}
		for i := range rules {
			cr := &rules[i]
			if ingress || !cr.named {
				dst := end{}
				if ingress {
					dst = pr.ends[self]
				}
				if !cr.r.matchesPort(dst, pp.Port, pp.Protocol) {
					continue
				}
				copy(m, cr.peers)
				m.and(open)
			} else {
				// Named ports resolve against each destination.
				clear(m)
				for d := range pr.n {
					if open.has(d) && cr.peers.has(d) && cr.r.matchesPort(pr.ends[d], pp.Port, pp.Protocol) {
						m.set(d)
					}
				}
			}
			switch cr.r.action {
			case policyv1beta1.ClusterNetworkPolicyRuleActionAccept:
				allowed.or(m)
			case policyv1beta1.ClusterNetworkPolicyRuleActionPass:
				passed.or(m)
			}
			open.andNot(m)
		}
	}
}

// clusterSet is the set of far ends self allows on pp in one direction
// (the sources ingress at self admits, or the destinations egress at self
// allows), through the three tiers, new for the caller to modify when
// egress.
func (pr *prepared) clusterSet(self int, pp PortProtocol, ingress bool) bitset {
	if len(pr.admin[self]) == 0 && len(pr.baseline[self]) == 0 {
		// Not a subject of any ClusterNetworkPolicy: NetworkPolicies alone.
		if ingress {
			return pr.npInSet(self, pp)
		}
		return pr.npOutSet(self, pp)
	}
	n := pr.n
	open, allowed, passed, m := pr.open, newBitset(n), pr.passed, pr.scratch
	open.fill(n)
	clear(passed)
	pr.runTier(pr.admin[self], self, pp, ingress, open, allowed, passed, m)
	open.or(passed)
	if ingress && pr.isoIn[self] {
		open.and(pr.npInSet(self, pp))
		allowed.or(open)
		return allowed
	}
	if !ingress && pr.isoOut[self] {
		open.and(pr.npOutSet(self, pp))
		allowed.or(open)
		return allowed
	}
	clear(passed)
	pr.runTier(pr.baseline[self], self, pp, ingress, open, allowed, passed, m)
	// A Pass in the Baseline tier, and no decision at all, allow.
	allowed.or(passed)
	allowed.or(open)
	return allowed
}

// clusterAllows reports whether, in one direction at self, the three tiers
// let the traffic between self and other through.
func (pr *prepared) clusterAllows(self, other int, pp PortProtocol, ingress bool) bool {
	dst := other
	if ingress {
		dst = self
	}
	first := func(pols []*compiledCluster) (Action, bool) {
		for _, cp := range pols {
			rules := cp.out
			if ingress {
				rules = cp.in
			}
			for i := range rules {
				cr := &rules[i]
				if cr.peers.has(other) && cr.r.matchesPort(pr.ends[dst], pp.Port, pp.Protocol) {
					return cr.r.action, true
				}
			}
		}
		return "", false
	}
	if a, ok := first(pr.admin[self]); ok && a != policyv1beta1.ClusterNetworkPolicyRuleActionPass {
		return a == policyv1beta1.ClusterNetworkPolicyRuleActionAccept
	}
	if ingress && pr.isoIn[self] {
		return pr.npIngressAllows(self, other, pp)
	}
	if !ingress && pr.isoOut[self] {
		return pr.npEgressAllows(self, other, pp)
	}
	a, ok := first(pr.baseline[self])
	return !ok || a != policyv1beta1.ClusterNetworkPolicyRuleActionDeny
}

// inSet is the set of sources ingress at d admits on pp. The caller does
// not modify it.
func (pr *prepared) inSet(d int, pp PortProtocol) bitset {
	if pr.cluster {
		return pr.clusterSet(d, pp, true)
	}
	return pr.npInSet(d, pp)
}

// outSet is the set of destinations egress at s allows on pp, new for the
// caller to modify.
func (pr *prepared) outSet(s int, pp PortProtocol) bitset {
	if pr.cluster {
		return pr.clusterSet(s, pp, false)
	}
	return pr.npOutSet(s, pp)
}

// ingressAllows reports whether ingress at d admits s on pp.
func (pr *prepared) ingressAllows(d, s int, pp PortProtocol) bool {
	if pr.cluster {
		return pr.clusterAllows(d, s, pp, true)
	}
	return pr.npIngressAllows(d, s, pp)
}

// egressAllows reports whether egress at s lets s reach d on pp.
func (pr *prepared) egressAllows(s, d int, pp PortProtocol) bool {
	if pr.cluster {
		return pr.clusterAllows(s, d, pp, false)
	}
	return pr.npEgressAllows(s, d, pp)
}

// npInSet is the set of sources the NetworkPolicies selecting d admit on
// pp (every pod when none does).
func (pr *prepared) npInSet(d int, pp PortProtocol) bitset {
	if !pr.isoIn[d] {
		return pr.all
	}
	b := newBitset(pr.n)
	for _, cr := range pr.in[d] {
		if cr.r.matchesPort(pr.ends[d], pp.Port, pp.Protocol) {
			b.or(cr.peers)
		}
	}
	return b
}

// npOutSet is the set of destinations the NetworkPolicies selecting s
// allow on pp (every pod when none does).
func (pr *prepared) npOutSet(s int, pp PortProtocol) bitset {
	b := newBitset(pr.n)
	if !pr.isoOut[s] {
		b.fill(pr.n)
		return b
	}
	for _, cr := range pr.out[s] {
		// Named ports resolve against each destination, so a rule with
		// named ports is matched per pod.
		if cr.r.hasNamedPort() {
			for d := range pr.ends {
				if cr.peers.has(d) && cr.r.matchesPort(pr.ends[d], pp.Port, pp.Protocol) {
					b.set(d)
				}
			}
		} else if cr.r.matchesPort(end{}, pp.Port, pp.Protocol) {
			b.or(cr.peers)
		}
	}
	return b
}

// npIngressAllows reports whether the NetworkPolicies selecting d admit s
// on pp.
func (pr *prepared) npIngressAllows(d, s int, pp PortProtocol) bool {
	if !pr.isoIn[d] {
		return true
	}
	for _, cr := range pr.in[d] {
		if cr.peers.has(s) && cr.r.matchesPort(pr.ends[d], pp.Port, pp.Protocol) {
			return true
		}
	}
	return false
}

// npEgressAllows reports whether the NetworkPolicies selecting s let s
// reach d on pp.
func (pr *prepared) npEgressAllows(s, d int, pp PortProtocol) bool {
	if !pr.isoOut[s] {
		return true
	}
	for _, cr := range pr.out[s] {
		if cr.peers.has(d) && cr.r.matchesPort(pr.ends[d], pp.Port, pp.Protocol) {
			return true
		}
	}
	return false
}

func normalizePorts(ports []PortProtocol) []PortProtocol {
	out := slices.Clone(ports)
	for i := range out {
		if out[i].Protocol == "" {
			out[i].Protocol = corev1.ProtocolTCP
		}
	}
	return out
}

// Matrix answers Reachable for every ordered pair of pods (a pod to itself
// included) on each of ports. It evaluates each selector once per pod, not
// once per question: the pods a rule's peers match and the rules that
// select each pod are computed first, and each row is then an OR of sets
// (with ClusterNetworkPolicies, each tier's rules take their matches out of
// the undecided set in order).
func (e *Engine) Matrix(ports []PortProtocol) *Matrix {
	pr := e.prepare()
	n := pr.n
	m := &Matrix{Pods: e.Pods(), Ports: normalizePorts(ports), rows: make([][]bitset, len(ports))}
	for pi, pp := range m.Ports {
		// in[d]: the sources ingress at d admits on this port.
		in := make([]bitset, n)
		for d := range n {
			in[d] = pr.inSet(d, pp)
		}
		rows := make([]bitset, n)
		for s := range n {
			out := pr.outSet(s, pp)
			// Keep the destinations whose ingress admits s.
			for d := range n {
				if out.has(d) && !in[d].has(s) {
					out[d/64] &^= 1 << (d % 64)
				}
			}
			rows[s] = out
		}
		m.rows[pi] = rows
	}
	return m
}

func (r *rule) hasNamedPort() bool {
	for i := range r.ports {
		if r.ports[i].name != "" {
			return true
		}
	}
	return false
}
