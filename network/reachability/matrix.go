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

// Matrix answers Reachable for every ordered pair of pods (a pod to itself
// included) on each of ports. It evaluates each selector once per pod, not
// once per question: the pods a rule's peers match and the rules that
// select each pod are computed first, and each row is then an OR of sets.
func (e *Engine) Matrix(ports []PortProtocol) *Matrix {
	n := len(e.pods)
	m := &Matrix{Pods: e.Pods(), Ports: slices.Clone(ports), rows: make([][]bitset, len(ports))}
	for i := range m.Ports {
		if m.Ports[i].Protocol == "" {
			m.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	ends := make([]end, n)
	for i := range e.pods {
		ends[i] = end{pod: &e.pods[i], nsLbls: e.namespaces[e.pods[i].Namespace], ip: e.pods[i].IP}
	}
	// The pods each rule's peers match.
	compileRules := func(p *policy, rules []rule) []compiledRule {
		out := make([]compiledRule, len(rules))
		for i := range rules {
			r := &rules[i]
			b := newBitset(n)
			if r.peers == nil {
				b.fill(n)
			} else {
				for j := range ends {
					if r.matchesPeer(p.namespace, ends[j]) {
						b.set(j)
					}
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
	// The policies selecting each pod, per direction.
	selIn := make([][]*policy, n)
	selOut := make([][]*policy, n)
	for i := range e.pods {
		lbls := labels.Set(e.pods[i].Labels)
		for _, p := range e.byNS[e.pods[i].Namespace] {
			if !p.selector.Matches(lbls) {
				continue
			}
			if p.ingress {
				selIn[i] = append(selIn[i], p)
			}
			if p.egress {
				selOut[i] = append(selOut[i], p)
			}
		}
	}
	all := newBitset(n)
	all.fill(n)
	for pi, pp := range m.Ports {
		// in[dst]: the sources ingress at dst admits on this port.
		in := make([]bitset, n)
		for d := range ends {
			if len(selIn[d]) == 0 {
				in[d] = all
				continue
			}
			b := newBitset(n)
			for _, p := range selIn[d] {
				for _, cr := range ingressRules[p] {
					if cr.r.matchesPort(ends[d], pp.Port, pp.Protocol) {
						b.or(cr.peers)
					}
				}
			}
			in[d] = b
		}
		rows := make([]bitset, n)
		for s := range ends {
			out := newBitset(n)
			if len(selOut[s]) == 0 {
				out.fill(n)
			} else {
				for _, p := range selOut[s] {
					for _, cr := range egressRules[p] {
						// Named ports resolve against each destination, so
						// a rule with named ports is matched per pod.
						if cr.r.hasNamedPort() {
							for d := range ends {
								if cr.peers.has(d) && cr.r.matchesPort(ends[d], pp.Port, pp.Protocol) {
									out.set(d)
								}
							}
						} else if cr.r.matchesPort(end{}, pp.Port, pp.Protocol) {
							out.or(cr.peers)
						}
					}
				}
			}
			// Keep the destinations whose ingress admits s.
			for d := range ends {
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
