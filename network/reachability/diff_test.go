package reachability

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/internal/netpolgen"
)

func TestDiffIsolatingANamespace(t *testing.T) {
	before, err := New(fixture()...)
	require.NoError(t, err)
	// Isolate namespace a: ingress only from itself.
	after, err := New(fixture(np("a", "isolate", networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: sel()}}}},
	}))...)
	require.NoError(t, err)
	d := Diff(before, after, []PortProtocol{{Port: 80}})
	assert.Equal(t, 0, d.Opened)
	assert.Equal(t, 2, d.Closed, "client in b loses web and db")
	require.Equal(t, 2, d.Len())
	assert.Equal(t, Flip{From: PodAt("b", "client"), To: PodAt("a", "web"), Port: PortProtocol{80, "TCP"}, Before: true, After: false}, d.At(0))
	assert.Equal(t, PodAt("a", "db"), d.At(1).To)
	assert.Equal(t, map[NamespacePair]FlipCounts{{From: "b", To: "a"}: {Closed: 2}}, d.ByNamespace())

	back := Diff(after, before, []PortProtocol{{Port: 80}})
	assert.Equal(t, 2, back.Opened)
	assert.Zero(t, Diff(before, before, []PortProtocol{{Port: 80}}).Len())
}

// TestDiffAgreesWithFullMatrices: the incremental diff (only pods the
// changed policies select) equals comparing full matrices.
func TestDiffAgreesWithFullMatrices(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 11))
		nss, pods := 1+r.IntN(4), 1+r.IntN(25)
		objs := netpolgen.Objects(r, nss, pods, r.IntN(8))
		// After: drop some policies, change others, add new ones.
		var afterObjs []runtime.Object
		extra := netpolgen.Objects(rand.New(rand.NewPCG(seed, 99)), nss, pods, 1+r.IntN(4))
		for _, o := range objs {
			if p, ok := o.(*networkingv1.NetworkPolicy); ok {
				switch r.IntN(4) {
				case 0:
					continue
				case 1:
					p = p.DeepCopy()
					p.Spec.Ingress = nil
					o = p
				}
			}
			afterObjs = append(afterObjs, o)
		}
		for _, o := range extra {
			if p, ok := o.(*networkingv1.NetworkPolicy); ok {
				p.Name = "new-" + p.Name
				afterObjs = append(afterObjs, p)
			}
		}
		before, err := New(objs...)
		require.NoError(t, err)
		after, err := New(afterObjs...)
		require.NoError(t, err)
		require.True(t, samePodsAndNamespaces(before, after))
		got := Diff(before, after, testPorts)
		want := &DiffResult{pods: before.pods}
		diffMatrices(before, after, normalizePorts(testPorts), want)
		assert.Equal(t, append([]flip{}, want.flips...), append([]flip{}, got.flips...), "seed %d: same flips in the same order", seed)
		assert.Equal(t, want.Opened, got.Opened)
	}
}
