package bench

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/internal/netpolgen"
	"github.com/spherekit/spherekit/network/reachability"
)

var networkQuestions = flag.Int("differential.network-questions", 50_000,
	"questions TestReachabilityDifferentialAgainstCyclonus asks both engines (the issue's run: 1000000)")

// cyclonusWorld is one random world as Cyclonus's matcher sees it.
type cyclonusWorld struct {
	policy     *matcher.Policy
	namespaces map[string]map[string]string
	pods       []*corev1.Pod
}

func newCyclonusWorld(objs []runtime.Object) *cyclonusWorld {
	w := &cyclonusWorld{namespaces: map[string]map[string]string{}}
	var nps []*networkingv1.NetworkPolicy
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Namespace:
			w.namespaces[o.Name] = o.Labels
		case *corev1.Pod:
			w.pods = append(w.pods, o)
		case *networkingv1.NetworkPolicy:
			// Cyclonus takes policies as the API server stores them, with
			// policyTypes defaulted (Ingress, plus Egress with egress
			// rules); spherekit's engine is given them undefaulted.
			o = o.DeepCopy()
			if len(o.Spec.PolicyTypes) == 0 {
				o.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
				if len(o.Spec.Egress) > 0 {
					o.Spec.PolicyTypes = append(o.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
				}
			}
			nps = append(nps, o)
		}
	}
	w.policy = matcher.BuildNetworkPolicies(false, nps)
	return w
}

func (w *cyclonusWorld) peer(p *corev1.Pod) *matcher.TrafficPeer {
	return &matcher.TrafficPeer{
		Internal: &matcher.InternalPeer{PodLabels: p.Labels, NamespaceLabels: w.namespaces[p.Namespace], Namespace: p.Namespace},
		IP:       p.Status.PodIP,
	}
}

// allowed asks Cyclonus about src → dst on port/proto; a named port is the
// destination's container port of that number and protocol, as a network
// plugin resolves it.
func (w *cyclonusWorld) allowed(src, dst *corev1.Pod, port int32, proto corev1.Protocol) bool {
	name := ""
	for _, c := range dst.Spec.Containers {
		for _, cp := range c.Ports {
			cproto := cp.Protocol
			if cproto == "" {
				cproto = corev1.ProtocolTCP
			}
			if cp.ContainerPort == port && cproto == proto {
				name = cp.Name
			}
		}
	}
	return w.policy.IsTrafficAllowed(&matcher.Traffic{
		Source: w.peer(src), Destination: w.peer(dst), ResolvedPort: int(port), ResolvedPortName: name, Protocol: proto,
	}).IsAllowed()
}

var networkPorts = []reachability.PortProtocol{{Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 81, Protocol: corev1.ProtocolUDP},
	{Port: 81, Protocol: corev1.ProtocolTCP}, {Port: 82, Protocol: corev1.ProtocolTCP}, {Port: 9999, Protocol: corev1.ProtocolTCP}}

// TestReachabilityDifferentialAgainstCyclonus asks spherekit's engine
// (Reachable and Matrix) and Cyclonus's matcher the same questions about
// random worlds (internal/netpolgen: random labels, selectors of every
// kind, ipBlocks with excepts, numbered, named and ranged ports, TCP and
// UDP, every policyTypes form) and fails on any disagreement.
func TestReachabilityDifferentialAgainstCyclonus(t *testing.T) {
	rng := rand.New(rand.NewPCG(*differentialSeed, 0xc1c))
	asked, worlds := 0, 0
	start := time.Now()
	for asked < *networkQuestions {
		objs := withoutNotInOnAbsentKeys(netpolgen.Objects(rng, 1+rng.IntN(5), 2+rng.IntN(30), rng.IntN(10)))
		e, err := reachability.New(objs...)
		if err != nil {
			t.Fatal(err)
		}
		cw := newCyclonusWorld(objs)
		m := e.Matrix(networkPorts)
		worlds++
		for range 200 {
			s, d := rng.IntN(len(cw.pods)), rng.IntN(len(cw.pods))
			pi := rng.IntN(len(networkPorts))
			pp := networkPorts[pi]
			src, dst := cw.pods[s], cw.pods[d]
			want := cw.allowed(src, dst, pp.Port, pp.Protocol)
			a, err := e.Reachable(reachability.Traffic{From: reachability.PodAt(src.Namespace, src.Name), To: reachability.PodAt(dst.Namespace, dst.Name), Port: pp.Port, Protocol: pp.Protocol})
			if err != nil {
				t.Fatal(err)
			}
			if a.Allowed != want || m.Allowed(s, d, pi) != want {
				t.Fatalf("world %d: %s -> %s on %d/%s: Cyclonus %v, Reachable %v (%s), Matrix %v\nobjects: %s",
					worlds, src.Name, dst.Name, pp.Port, pp.Protocol, want, a.Allowed, a, m.Allowed(s, d, pi), describe(objs))
			}
			asked++
		}
	}
	t.Logf("%d questions over %d random worlds, 0 disagreements (%s)", asked, worlds, time.Since(start).Round(time.Millisecond))
}

// withoutNotInOnAbsentKeys adds "key Exists" beside every "key NotIn
// values" requirement, for both engines. Cyclonus's matcher departs from
// Kubernetes here: a NotIn requirement does not match an object without
// the key in Cyclonus (pkg/kube/labelselector.go), while Kubernetes'
// selectors (k8s.io/apimachinery/pkg/labels, which spherekit's engine
// uses) match it, as the Kubernetes documentation says. The rewrite
// keeps NotIn in the comparison for objects that have the key.
func withoutNotInOnAbsentKeys(objs []runtime.Object) []runtime.Object {
	fix := func(s *metav1.LabelSelector) {
		if s == nil {
			return
		}
		var add []metav1.LabelSelectorRequirement
		for _, r := range s.MatchExpressions {
			if r.Operator == metav1.LabelSelectorOpNotIn {
				add = append(add, metav1.LabelSelectorRequirement{Key: r.Key, Operator: metav1.LabelSelectorOpExists})
			}
		}
		s.MatchExpressions = append(s.MatchExpressions, add...)
	}
	fixPeers := func(peers []networkingv1.NetworkPolicyPeer) {
		for i := range peers {
			fix(peers[i].PodSelector)
			fix(peers[i].NamespaceSelector)
		}
	}
	for _, o := range objs {
		if np, ok := o.(*networkingv1.NetworkPolicy); ok {
			fix(&np.Spec.PodSelector)
			for i := range np.Spec.Ingress {
				fixPeers(np.Spec.Ingress[i].From)
			}
			for i := range np.Spec.Egress {
				fixPeers(np.Spec.Egress[i].To)
			}
		}
	}
	return objs
}

func describe(objs []runtime.Object) string {
	out := ""
	for _, o := range objs {
		switch o := o.(type) {
		case *networkingv1.NetworkPolicy:
			out += fmt.Sprintf("\n%s/%s %+v", o.Namespace, o.Name, o.Spec)
		case *corev1.Pod:
			out += fmt.Sprintf("\npod %s/%s %v %s %+v", o.Namespace, o.Name, o.Labels, o.Status.PodIP, o.Spec.Containers[0].Ports)
		case *corev1.Namespace:
			out += fmt.Sprintf("\nns %s %v", o.Name, o.Labels)
		}
	}
	return out
}

// BenchmarkMatrix: every pair of 1,000 pods in 50 namespaces under 200
// policies, on every port the policies name (80, 81/TCP, 81/UDP, 82 and an
// unnamed one), with spherekit's Matrix and with Cyclonus's matcher asked
// each question. The two must agree on every answer before timing.
func BenchmarkMatrix(b *testing.B) {
	rng := rand.New(rand.NewPCG(42, 42))
	objs := withoutNotInOnAbsentKeys(netpolgen.Objects(rng, 50, 1000, 200))
	e, err := reachability.New(objs...)
	if err != nil {
		b.Fatal(err)
	}
	cw := newCyclonusWorld(objs)
	cyclonusMatrix := func() int {
		n := 0
		for _, pp := range networkPorts {
			for _, s := range cw.pods {
				for _, d := range cw.pods {
					if cw.allowed(s, d, pp.Port, pp.Protocol) {
						n++
					}
				}
			}
		}
		return n
	}
	m := e.Matrix(networkPorts)
	for pi, pp := range networkPorts {
		for s, src := range cw.pods {
			for d, dst := range cw.pods {
				if m.Allowed(s, d, pi) != cw.allowed(src, dst, pp.Port, pp.Protocol) {
					b.Fatalf("disagree on %s -> %s %v", src.Name, dst.Name, pp)
				}
			}
		}
	}
	b.Logf("%d pods, %d ports, %d allowed of %d", len(cw.pods), len(networkPorts), m.Count(), len(cw.pods)*len(cw.pods)*len(networkPorts))
	b.Run("spherekit", func(b *testing.B) {
		for b.Loop() {
			_ = e.Matrix(networkPorts).Count()
		}
	})
	b.Run("cyclonus", func(b *testing.B) {
		for b.Loop() {
			_ = cyclonusMatrix()
		}
	})
}

// BenchmarkMatrixClusterNetworkPolicies: the world of BenchmarkMatrix
// (1,000 pods in 50 namespaces, 200 NetworkPolicies, 5 ports) with and
// without 50 random ClusterNetworkPolicies in both tiers
// (internal/netpolgen, priorities 0 to 3), side by side: what the tiers
// cost Matrix. The two sides answer different worlds, so before timing
// each side's Matrix must agree with its engine's Reachable on 20,000
// random questions.
func BenchmarkMatrixClusterNetworkPolicies(b *testing.B) {
	// The same seed draws the same namespaces, pods and NetworkPolicies,
	// then the ClusterNetworkPolicies.
	npOnly := netpolgen.Objects(rand.New(rand.NewPCG(42, 42)), 50, 1000, 200)
	objs := netpolgen.Generate(rand.New(rand.NewPCG(42, 42)), netpolgen.Options{Namespaces: 50, Pods: 1000, Policies: 200, ClusterPolicies: 50})
	if len(objs) != len(npOnly)+50 {
		b.Fatalf("%d objects, want %d and 50 ClusterNetworkPolicies", len(objs), len(npOnly))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, side := range []struct {
		name string
		objs []runtime.Object
	}{{"networkpolicies", npOnly}, {"with-clusternetworkpolicies", objs}} {
		e, err := reachability.New(side.objs...)
		if err != nil {
			b.Fatal(err)
		}
		m := e.Matrix(networkPorts)
		pods := e.Pods()
		for range 20_000 {
			s, d, pi := rng.IntN(len(pods)), rng.IntN(len(pods)), rng.IntN(len(networkPorts))
			a, err := e.Reachable(reachability.Traffic{From: reachability.PodAt(pods[s].Namespace, pods[s].Name), To: reachability.PodAt(pods[d].Namespace, pods[d].Name),
				Port: networkPorts[pi].Port, Protocol: networkPorts[pi].Protocol})
			if err != nil {
				b.Fatal(err)
			}
			if a.Allowed != m.Allowed(s, d, pi) {
				b.Fatalf("%s: Matrix and Reachable disagree on %s -> %s %v: %s", side.name, pods[s].Name, pods[d].Name, networkPorts[pi], a)
			}
		}
		b.Logf("%s: %d allowed of %d", side.name, m.Count(), len(pods)*len(pods)*len(networkPorts))
		b.Run(side.name, func(b *testing.B) {
			for b.Loop() {
				_ = e.Matrix(networkPorts).Count()
			}
		})
	}
}

// BenchmarkDiffIsolation: 10,000 pods in 500 namespaces of 50 workspaces,
// with KubeSphere's workspace isolation policy in every namespace of half
// the workspaces; the question is what switching on isolation for one more
// workspace (its 10 namespaces) cuts, on port 80.
func BenchmarkDiffIsolation(b *testing.B) {
	var objs []runtime.Object
	for ns := range 500 {
		ws := fmt.Sprintf("ws%d", ns/10)
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns%d", ns), Labels: map[string]string{"kubesphere.io/workspace": ws, "kubesphere.io/namespace": fmt.Sprintf("ns%d", ns)}}})
		for p := range 20 {
			i := ns*20 + p
			objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", ns), Name: fmt.Sprintf("pod%d", i), Labels: map[string]string{"app": fmt.Sprintf("app%d", p%4)}},
				Status: corev1.PodStatus{PodIP: fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)}})
		}
	}
	isolate := func(ns int) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", ns), Name: "nsnp-network-isolate"},
			Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubesphere.io/workspace": fmt.Sprintf("ws%d", ns/10)}},
				}}}},
			}}
	}
	base := objs
	for ns := range 250 {
		base = append(base, isolate(ns))
	}
	changed := append([]runtime.Object(nil), base...)
	for ns := 250; ns < 260; ns++ {
		changed = append(changed, isolate(ns))
	}
	before, err := reachability.New(base...)
	if err != nil {
		b.Fatal(err)
	}
	after, err := reachability.New(changed...)
	if err != nil {
		b.Fatal(err)
	}
	ports := []reachability.PortProtocol{{Port: 80}}
	d := reachability.Diff(before, after, ports)
	// Isolating workspace ws25 cuts every connection into its 200 pods from
	// the 9,800 pods of other workspaces.
	if want := 200 * 9800; d.Closed != want || d.Opened != 0 {
		b.Fatalf("diff closes %d and opens %d, want %d and 0", d.Closed, d.Opened, want)
	}
	b.Logf("toggling one workspace's isolation closes %d connections", d.Closed)
	for b.Loop() {
		_ = reachability.Diff(before, after, ports)
	}
}
