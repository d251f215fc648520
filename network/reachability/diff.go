package reachability

import (
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

// DiffResult lists every flipped connection, sorted by port, source and
// destination; Opened counts those denied before and allowed after, Closed
// the others.
type DiffResult struct {
	Flips          []Flip
	Opened, Closed int
}

// Diff lists every (source pod, destination pod, port) whose answer differs
// between before and after, for example before and after enabling
// isolation, so a portal can show what a change cuts before making it. Pods
// are matched by namespace and name; connections of a pod present on one
// side only are not compared.
//
// When both engines have the same namespaces and pods and differ only in
// policies (the usual "what if" change), Diff looks only at the pods the
// changed policies select: the connections into pods whose ingress
// policies changed and out of pods whose egress policies changed. Otherwise
// it compares full matrices.
func Diff(before, after *Engine, ports []PortProtocol) *DiffResult {
	ports = normalizePorts(ports)
	res := &DiffResult{}
	if samePodsAndNamespaces(before, after) {
		diffPolicies(before, after, ports, res)
	} else {
		diffMatrices(before, after, ports, res)
	}
	slices.SortFunc(res.Flips, func(a, b Flip) int {
		if c := comparePort(a.Port, b.Port); c != 0 {
			return c
		}
		if c := compareEndpoint(a.From, b.From); c != 0 {
			return c
		}
		return compareEndpoint(a.To, b.To)
	})
	for _, f := range res.Flips {
		if f.After {
			res.Opened++
		} else {
			res.Closed++
		}
	}
	return res
}

func comparePort(a, b PortProtocol) int {
	if a.Protocol != b.Protocol {
		if a.Protocol < b.Protocol {
			return -1
		}
		return 1
	}
	return int(a.Port) - int(b.Port)
}

func compareEndpoint(a, b Endpoint) int {
	switch {
	case a.Namespace != b.Namespace:
		if a.Namespace < b.Namespace {
			return -1
		}
		return 1
	case a.Name != b.Name:
		if a.Name < b.Name {
			return -1
		}
		return 1
	}
	return a.IP.Compare(b.IP)
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
	if len(changed) == 0 {
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
	prB, prA := before.prepare(), after.prepare()
	for _, pp := range ports {
		for d := range n {
			if !affIn.has(d) {
				continue
			}
			inB, inA := prB.inSet(d, pp), prA.inSet(d, pp)
			for s := range n {
				b := inB.has(s) && prB.egressAllows(s, d, pp)
				a := inA.has(s) && prA.egressAllows(s, d, pp)
				if a != b {
					res.Flips = append(res.Flips, Flip{From: before.endpoint(s), To: before.endpoint(d), Port: pp, Before: b, After: a})
				}
			}
		}
		for s := range n {
			if !affOut.has(s) {
				continue
			}
			outB, outA := prB.outSet(s, pp), prA.outSet(s, pp)
			for d := range n {
				if affIn.has(d) {
					continue // compared above
				}
				b := outB.has(d) && prB.ingressAllows(d, s, pp)
				a := outA.has(d) && prA.ingressAllows(d, s, pp)
				if a != b {
					res.Flips = append(res.Flips, Flip{From: before.endpoint(s), To: before.endpoint(d), Port: pp, Before: b, After: a})
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
	for pi, pp := range mb.Ports {
		for x, s := range common {
			for y, d := range common {
				b, a := mb.Allowed(s, d, pi), ma.Allowed(inAfter[x], inAfter[y], pi)
				if a != b {
					res.Flips = append(res.Flips, Flip{From: before.endpoint(s), To: before.endpoint(d), Port: pp, Before: b, After: a})
				}
			}
		}
	}
}

func (e *Engine) endpoint(i int) Endpoint { return PodAt(e.pods[i].Namespace, e.pods[i].Name) }
