package reachability

import (
	"math/rand/v2"
	"testing"

	"github.com/spherekit/spherekit/internal/netpolgen"

	corev1 "k8s.io/api/core/v1"
)

var testPorts = []PortProtocol{{80, corev1.ProtocolTCP}, {81, corev1.ProtocolTCP}, {82, corev1.ProtocolTCP}, {81, corev1.ProtocolUDP}, {9999, corev1.ProtocolTCP}}

// checkMatrix compares the matrix with Reachable for every triple.
func checkMatrix(t testing.TB, e *Engine) {
	m := e.Matrix(testPorts)
	for pi, pp := range testPorts {
		for s := range e.pods {
			for d := range e.pods {
				a, err := e.Reachable(Traffic{From: PodAt(e.pods[s].Namespace, e.pods[s].Name), To: PodAt(e.pods[d].Namespace, e.pods[d].Name), Port: pp.Port, Protocol: pp.Protocol})
				if err != nil {
					t.Fatal(err)
				}
				if a.Allowed != m.Allowed(s, d, pi) {
					t.Fatalf("%s -> %s on %v: Reachable says %v (%s), Matrix %v", e.pods[s].Name, e.pods[d].Name, pp, a.Allowed, a, m.Allowed(s, d, pi))
				}
			}
		}
	}
}

// TestMatrixAgreesWithReachable: the matrix's shortcuts (selectors once
// per pod, sets per rule) give Reachable's answers.
func TestMatrixAgreesWithReachable(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		e, err := New(netpolgen.Objects(r, 1+r.IntN(4), 1+r.IntN(30), r.IntN(8))...)
		if err != nil {
			t.Fatal(err)
		}
		checkMatrix(t, e)
	}
}

// FuzzEngine: random worlds from the fuzzer's seeds never panic, and the
// matrix always agrees with Reachable.
func FuzzEngine(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(10), uint8(5))
	f.Fuzz(func(t *testing.T, seed uint64, nss, pods, pols uint8) {
		r := rand.New(rand.NewPCG(seed, seed>>3))
		e, err := New(netpolgen.Objects(r, 1+int(nss%6), int(pods%40), int(pols%12))...)
		if err != nil {
			t.Fatal(err)
		}
		checkMatrix(t, e)
	})
}
