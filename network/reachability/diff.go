package reachability

import (
	"iter"
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
)

// Flip is a connection whose answer differs between two engines.
type Flip struct {
	From, To      Endpoint
	Port          PortProtocol
	Before, After bool
}

// flip is a Flip by pod and port index, 12 bytes: a change can flip
// millions of connections.
type flip struct {
	from, to int32
	port     uint16
	after    bool
}

// DiffResult holds every flipped connection, ordered by port (as given),
// then source and destination (in the engines' pod order). Opened counts
// those denied before and allowed after, Closed the others.
type DiffResult struct {
	Opened, Closed int

	pods  []Pod
	ports []PortProtocol
	flips []flip
}

// Len is the number of flipped connections.
func (d *DiffResult) Len() int { return len(d.flips) }

// At returns the i-th flipped connection.
func (d *DiffResult) At(i int) Flip {
	f := d.flips[i]
	from, to := &d.pods[f.from], &d.pods[f.to]
	return Flip{From: PodAt(from.Namespace, from.Name), To: PodAt(to.Namespace, to.Name), Port: d.ports[f.port], Before: !f.after, After: f.after}
}

// All yields every flipped connection in order.
func (d *DiffResult) All() iter.Seq[Flip] {
	return func(yield func(Flip) bool) {
		for i := range d.flips {
			if !yield(d.At(i)) {
				return
			}
		}
	}
}

// NamespacePair is a source and a destination namespace.
type NamespacePair struct{ From, To string }

// FlipCounts counts connections opened and closed.
type FlipCounts struct{ Opened, Closed int }

// ByNamespace sums the flips per pair of namespaces, the summary a portal
// shows first ("isolating team-a closes 37 connections from team-b").
func (d *DiffResult) ByNamespace() map[NamespacePair]FlipCounts {
	out := map[NamespacePair]FlipCounts{}
	for _, f := range d.flips {
		k := NamespacePair{From: d.pods[f.from].Namespace, To: d.pods[f.to].Namespace}
		c := out[k]
		if f.after {
			c.Opened++
		} else {
			c.Closed++
		}
		out[k] = c
	}
	return out
}

func (d *DiffResult) add(s, t, port int, after bool) {
	d.flips = append(d.flips, flip{from: int32(s), to: int32(t), port: uint16(port), after: after})
	if after {
		d.Opened++
	} else {
		d.Closed++
	}
}

// Diff lists every (source pod, destination pod, port) whose answer differs
// between before and after, for example before and after enabling
// isolation, so a portal can show what a change cuts before making it. Pods
// are matched by namespace and name; connections of a pod present on one
// side only are not compared.
//
// When both engines have the same namespaces, pods and nodes and differ
// only in policies (the usual "what if" change), Diff looks only at the
// pods the changed policies select: the connections into pods whose
// ingress policies changed and out of pods whose egress policies changed,
// NetworkPolicies and ClusterNetworkPolicies alike (a ClusterNetworkPolicy
// that changed in any way, its tier or priority included, counts for the
// pods its subject selects before and after, in each direction in which
// it has rules before or after). Otherwise it compares full matrices.
func Diff(before, after *Engine, ports []PortProtocol) *DiffResult {
	ports = normalizePorts(ports)
	res := &DiffResult{pods: before.pods, ports: ports}
	if samePodsAndNamespaces(before, after) {
		diffPolicies(before, after, ports, res)
	} else {
		diffMatrices(before, after, ports, res)
	}
	return res
}

func samePodsAndNamespaces(a, b *Engine) bool {
	if len(a.pods) != len(b.pods) || len(a.namespaces) != len(b.namespaces) {
		return false
	}
	for ns, l := range a.namespaces {
		if bl, ok := b.namespaces[ns]; !ok || !labels.Equals(l, bl) {
			return false
		}
	}
	if len(a.nodes) != len(b.nodes) {
		return false
	}
	for i := range a.nodes {
		na, nb := &a.nodes[i], &b.nodes[i]
		if na.name != nb.name || !labels.Equals(na.labels, nb.labels) || !slices.Equal(na.addrs, nb.addrs) {
			return false
		}
	}
	for i := range a.pods {
		pa, pb := &a.pods[i], &b.pods[i]
		if pa.Namespace != pb.Namespace || pa.Name != pb.Name || pa.IP != pb.IP ||
			!labels.Equals(pa.Labels, pb.Labels) || !apiequality.Semantic.DeepEqual(pa.Ports, pb.Ports) {
			return false
		}
	}
	return true
}

// diffPolicies compares engines that differ in policies only.
func diffPolicies(before, after *Engine, ports []PortProtocol, res *DiffResult) {
	changed := changedPolicies(before, after)
	changedCluster := changedClusterPolicies(before, after)
	if len(changed) == 0 && len(changedCluster) == 0 {
		return
	}
	n := len(before.pods)
	affIn, affOut := newBitset(n), newBitset(n)
	for _, p := range changed {
		for i := range before.pods {
			pod := &before.pods[i]
			if pod.Namespace != p.namespace || !p.selector.Matches(labels.Set(pod.Labels)) {
				continue
			}
			if p.ingress {
				affIn.set(i)
			}
			if p.egress {
				affOut.set(i)
			}
		}
	}
	for _, p := range changedCluster {
		if len(p.ingress) == 0 && len(p.egress) == 0 {
			continue
		}
		for i := range before.pods {
			pod := &before.pods[i]
			if !p.selects(pod, before.namespaces[pod.Namespace]) {
				continue
			}
			if len(p.ingress) > 0 {
				affIn.set(i)
			}
			if len(p.egress) > 0 {
				affOut.set(i)
			}
		}
	}
	prB, prA := before.prepare(), after.prepare()
	var dsts []int // pods whose ingress changed, in order
	for d := range n {
		if affIn.has(d) {
			dsts = append(dsts, d)
		}
	}
	inB, inA := make([]bitset, n), make([]bitset, n)
	// Room for every candidate up front: a change can flip millions of
	// connections, and growing the slice would copy them over and over.
	outs := 0
	for s := range n {
		if affOut.has(s) {
			outs++
		}
	}
	res.flips = make([]flip, 0, min(len(ports)*(n*len(dsts)+outs*n), 1<<24))
	for pi, pp := range ports {
		for _, d := range dsts {
			inB[d], inA[d] = prB.inSet(d, pp), prA.inSet(d, pp)
		}
		// Source-major, so the flips come out ordered.
		for s := range n {
			if !affOut.has(s) {
				for _, d := range dsts {
					b := inB[d].has(s) && prB.egressAllows(s, d, pp)
					a := inA[d].has(s) && prA.egressAllows(s, d, pp)
					if a != b {
						res.add(s, d, pi, a)
					}
				}
				continue
			}
			outB, outA := prB.outSet(s, pp), prA.outSet(s, pp)
			for d := range n {
				var b, a bool
				if affIn.has(d) {
					b = inB[d].has(s) && outB.has(d)
					a = inA[d].has(s) && outA.has(d)
				} else {
					b = outB.has(d) && prB.ingressAllows(d, s, pp)
					a = outA.has(d) && prA.ingressAllows(d, s, pp)
				}
				if a != b {
					res.add(s, d, pi, a)
				}
			}
		}
	}
}

// changedPolicies are the policies of either engine that the other lacks
// or has with another spec.
func changedPolicies(before, after *Engine) []*policy {
	index := func(e *Engine) map[string]*policy {
		m := make(map[string]*policy, len(e.policies))
		for _, p := range e.policies {
			m[p.ref()] = p
		}
		return m
	}
	bi, ai := index(before), index(after)
	var out []*policy
	for ref, p := range bi {
		if q, ok := ai[ref]; !ok || !apiequality.Semantic.DeepEqual(p.spec, q.spec) {
			out = append(out, p)
		}
	}
	for ref, q := range ai {
		if p, ok := bi[ref]; !ok || !apiequality.Semantic.DeepEqual(p.spec, q.spec) {
			out = append(out, q)
		}
	}
	return out
}

// changedClusterPolicies are the ClusterNetworkPolicies of either engine
// that the other lacks or has with another spec.
func changedClusterPolicies(before, after *Engine) []*clusterPolicy {
	index := func(e *Engine) map[string]*clusterPolicy {
		m := make(map[string]*clusterPolicy, len(e.admin)+len(e.baseline))
		for _, p := range e.admin {
			m[p.name] = p
		}
		for _, p := range e.baseline {
			m[p.name] = p
		}
		return m
	}
	bi, ai := index(before), index(after)
	var out []*clusterPolicy
	for name, p := range bi {
		if q, ok := ai[name]; !ok || !apiequality.Semantic.DeepEqual(p.spec, q.spec) {
			out = append(out, p)
		}
	}
	for name, q := range ai {
		if p, ok := bi[name]; !ok || !apiequality.Semantic.DeepEqual(p.spec, q.spec) {
			out = append(out, q)
		}
	}
	return out
}

// diffMatrices compares full matrices over the pods both engines have.
func diffMatrices(before, after *Engine, ports []PortProtocol, res *DiffResult) {
	mb, ma := before.Matrix(ports), after.Matrix(ports)
	var common []int // before's indexes of pods after has
	var inAfter []int
	for i := range before.pods {
		if j, ok := after.podIndex[before.pods[i].Namespace+"/"+before.pods[i].Name]; ok {
			common = append(common, i)
			inAfter = append(inAfter, j)
		}
	}
	for pi := range mb.Ports {
		for x, s := range common {
			for y, d := range common {
				b, a := mb.Allowed(s, d, pi), ma.Allowed(inAfter[x], inAfter[y], pi)
				if a != b {
					res.add(s, d, pi, a)
				}
			}
		}
	}
}
