package reachability

import (
	"math/bits"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
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

// inSet is the set of sources ingress at d admits on pp.
func (pr *prepared) inSet(d int, pp PortProtocol) bitset {
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

// outSet is the set of destinations egress at s allows on pp.
func (pr *prepared) outSet(s int, pp PortProtocol) bitset {
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

// ingressAllows reports whether ingress at d admits s on pp.
func (pr *prepared) ingressAllows(d, s int, pp PortProtocol) bool {
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

// egressAllows reports whether egress at s lets s reach d on pp.
func (pr *prepared) egressAllows(s, d int, pp PortProtocol) bool {
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
// select each pod are computed first, and each row is then an OR of sets.
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
