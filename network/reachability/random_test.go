package reachability

import (
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"

	"github.com/spherekit/spherekit/internal/netpolgen"
)

var testPorts = []PortProtocol{{80, corev1.ProtocolTCP}, {81, corev1.ProtocolTCP}, {82, corev1.ProtocolTCP}, {81, corev1.ProtocolUDP}, {9999, corev1.ProtocolTCP}, {80, corev1.ProtocolSCTP}}

// reach asks Reachable about pod s to pod d on pp.
func reach(t testing.TB, e *Engine, s, d int, pp PortProtocol) Answer {
	a, err := e.Reachable(Traffic{From: PodAt(e.pods[s].Namespace, e.pods[s].Name), To: PodAt(e.pods[d].Namespace, e.pods[d].Name), Port: pp.Port, Protocol: pp.Protocol})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkMatrix compares the matrix with Reachable for every triple.
func checkMatrix(t testing.TB, e *Engine) {
	m := e.Matrix(testPorts)
	for pi, pp := range testPorts {
		for s := range e.pods {
			for d := range e.pods {
				if a := reach(t, e, s, d, pp); a.Allowed != m.Allowed(s, d, pi) {
					t.Fatalf("%s -> %s on %v: Reachable says %v (%s), Matrix %v", e.pods[s].Name, e.pods[d].Name, pp, a.Allowed, a, m.Allowed(s, d, pi))
				}
			}
		}
	}
}

// checkDiff compares Diff with Reachable asked of both engines for every
// triple: the same flips, in Diff's order.
func checkDiff(t testing.TB, before, after *Engine) {
	got := Diff(before, after, testPorts)
	i := 0
	for _, pp := range testPorts {
		for s := range before.pods {
			for d := range before.pods {
				b, a := reach(t, before, s, d, pp), reach(t, after, s, d, pp)
				if b.Allowed == a.Allowed {
					continue
				}
				want := Flip{From: PodAt(before.pods[s].Namespace, before.pods[s].Name), To: PodAt(before.pods[d].Namespace, before.pods[d].Name), Port: pp, Before: b.Allowed, After: a.Allowed}
				if i >= got.Len() || got.At(i) != want {
					t.Fatalf("flip %d: want %+v (before: %s; after: %s), Diff has %d flips%s", i, want, b, a, got.Len(), at(got, i))
				}
				i++
			}
		}
	}
	if i != got.Len() {
		t.Fatalf("Diff has %d flips, Reachable %d; the first extra: %+v", got.Len(), i, got.At(i))
	}
}

func at(d *DiffResult, i int) string {
	if i < d.Len() {
		f := d.At(i)
		return ", this one " + f.From.String() + " -> " + f.To.String()
	}
	return ""
}

// clusterWorld is a random world with ClusterNetworkPolicies (and nodes,
// and the experimental fields half the time).
func clusterWorld(r *rand.Rand, nss, pods int) []runtime.Object {
	return netpolgen.Generate(r, netpolgen.Options{Namespaces: nss, Pods: pods, Policies: r.IntN(6), Nodes: r.IntN(3), ClusterPolicies: 1 + r.IntN(6), Experimental: r.IntN(2) == 0})
}

// TestMatrixAgreesWithReachable: the matrix's shortcuts (selectors once
// per pod, sets per rule, tiers as set operations) give Reachable's
// answers, in worlds of NetworkPolicies and in worlds with
// ClusterNetworkPolicies too.
func TestMatrixAgreesWithReachable(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		e, err := New(netpolgen.Objects(r, 1+r.IntN(4), 1+r.IntN(30), r.IntN(8))...)
		if err != nil {
			t.Fatal(err)
		}
		checkMatrix(t, e)
	}
	for seed := range uint64(80) {
		r := rand.New(rand.NewPCG(seed, 8))
		e, err := New(clusterWorld(r, 1+r.IntN(4), 1+r.IntN(30))...)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkMatrix(t, e)
	}
}

// changeWorld returns objs with some policies dropped or changed and new
// ones added (drawn from r, seed), pods and namespaces as they are: the
// "what if" change Diff's fast path is for.
func changeWorld(r *rand.Rand, objs []runtime.Object, nss, pods int, seed uint64) []runtime.Object {
	var out []runtime.Object
	for _, o := range objs {
		switch p := o.(type) {
		case *networkingv1.NetworkPolicy:
			switch r.IntN(4) {
			case 0:
				continue
			case 1:
				p = p.DeepCopy()
				p.Spec.Ingress = nil
				o = p
			}
		case *policyv1beta1.ClusterNetworkPolicy:
			p = p.DeepCopy()
			switch r.IntN(8) {
			case 0:
				continue
			case 1:
				p.Spec.Priority = int32(r.IntN(4))
			case 2:
				if p.Spec.Tier == policyv1beta1.AdminTier {
					p.Spec.Tier = policyv1beta1.BaselineTier
				} else {
					p.Spec.Tier = policyv1beta1.AdminTier
				}
			case 3:
				p.Spec.Ingress = nil
			case 4:
				for i := range p.Spec.Egress {
					if p.Spec.Egress[i].Action == policyv1beta1.ClusterNetworkPolicyRuleActionDeny {
						p.Spec.Egress[i].Action = policyv1beta1.ClusterNetworkPolicyRuleActionPass
					}
				}
			case 5:
				p.Spec.Ingress, p.Spec.Egress = p.Spec.Ingress[min(1, len(p.Spec.Ingress)):], append(p.Spec.Egress, p.Spec.Egress...)[:min(25, 2*len(p.Spec.Egress))]
			}
			o = p
		}
		out = append(out, o)
	}
	extra := netpolgen.Generate(rand.New(rand.NewPCG(seed, 99)), netpolgen.Options{Namespaces: nss, Pods: pods, Policies: 1 + r.IntN(3), ClusterPolicies: r.IntN(3), Experimental: true})
	for _, o := range extra {
		switch p := o.(type) {
		case *networkingv1.NetworkPolicy:
			p.Name = "new-" + p.Name
			out = append(out, p)
		case *policyv1beta1.ClusterNetworkPolicy:
			p.Name = "new-" + p.Name
			out = append(out, p)
		}
	}
	return out
}

// TestDiffAgreesWithReachable: Diff's fast path (only the pods whose
// NetworkPolicies or ClusterNetworkPolicies changed) lists exactly the
// connections whose Reachable answer differs, in order.
func TestDiffAgreesWithReachable(t *testing.T) {
	for seed := range uint64(80) {
		r := rand.New(rand.NewPCG(seed, 13))
		nss, pods := 1+r.IntN(4), 1+r.IntN(20)
		objs := clusterWorld(r, nss, pods)
		before, err := New(objs...)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		after, err := New(changeWorld(r, objs, nss, pods, seed)...)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !samePodsAndNamespaces(before, after) {
			t.Fatal("the change keeps pods, namespaces and nodes")
		}
		checkDiff(t, before, after)
		checkDiff(t, after, before)
	}
}

// FuzzEngine: random worlds from the fuzzer's seeds never panic, the
// matrix always agrees with Reachable, and so does Diff after a change.
func FuzzEngine(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(10), uint8(5), uint8(0), false)
	f.Add(uint64(2), uint8(3), uint8(10), uint8(3), uint8(4), true)
	f.Fuzz(func(t *testing.T, seed uint64, nss, pods, pols, cnps uint8, experimental bool) {
		r := rand.New(rand.NewPCG(seed, seed>>3))
		o := netpolgen.Options{Namespaces: 1 + int(nss%6), Pods: int(pods % 40), Policies: int(pols % 12), Nodes: int(cnps % 3), ClusterPolicies: int(cnps % 10), Experimental: experimental}
		objs := netpolgen.Generate(r, o)
		e, err := New(objs...)
		if err != nil {
			t.Fatal(err)
		}
		checkMatrix(t, e)
		after, err := New(changeWorld(r, objs, o.Namespaces, o.Pods, seed)...)
		if err != nil {
			t.Fatal(err)
		}
		checkDiff(t, e, after)
	})
}
