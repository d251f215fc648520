package netpolgen

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"
)

// TestObjectsIsGenerateWithoutClusterPolicies: asking for no nodes and no
// ClusterNetworkPolicies draws the same world as before they existed, so
// the differential test against Cyclonus keeps its worlds.
func TestObjectsIsGenerateWithoutClusterPolicies(t *testing.T) {
	a := Objects(rand.New(rand.NewPCG(5, 5)), 3, 20, 6)
	b := Generate(rand.New(rand.NewPCG(5, 5)), Options{Namespaces: 3, Pods: 20, Policies: 6})
	assert.Equal(t, a, b)
	kinds := map[string]int{}
	for _, o := range a {
		switch o.(type) {
		case *corev1.Namespace:
			kinds["ns"]++
		case *corev1.Pod:
			kinds["pod"]++
		case *networkingv1.NetworkPolicy:
			kinds["np"]++
		default:
			t.Fatalf("%T in a world without ClusterNetworkPolicies", o)
		}
	}
	assert.Equal(t, map[string]int{"ns": 3, "pod": 20, "np": 6}, kinds)
	assert.Equal(t, Generate(rand.New(rand.NewPCG(9, 1)), Options{Namespaces: 2, Pods: 5, ClusterPolicies: 4, Nodes: 2, Experimental: true}),
		Generate(rand.New(rand.NewPCG(9, 1)), Options{Namespaces: 2, Pods: 5, ClusterPolicies: 4, Nodes: 2, Experimental: true}), "same seed, same world")
}

// TestGenerateCoversClusterNetworkPolicy: over a few hundred policies,
// every tier, action, subject, peer and protocol form appears, the
// experimental ones only when asked.
func TestGenerateCoversClusterNetworkPolicy(t *testing.T) {
	for _, experimental := range []bool{false, true} {
		seen := map[string]bool{}
		objs := Generate(rand.New(rand.NewPCG(3, 3)), Options{Namespaces: 1, Nodes: 2, ClusterPolicies: 300, Experimental: experimental})
		for _, o := range objs {
			p, ok := o.(*policyv1beta1.ClusterNetworkPolicy)
			if !ok {
				continue
			}
			seen["tier "+string(p.Spec.Tier)] = true
			seen["subject namespaces"] = seen["subject namespaces"] || p.Spec.Subject.Namespaces != nil
			seen["subject pods"] = seen["subject pods"] || p.Spec.Subject.Pods != nil
			protocols := func(ps []policyv1beta1.ClusterNetworkPolicyProtocol) {
				for _, pr := range ps {
					switch {
					case pr.TCP != nil && pr.TCP.DestinationPort.Range != nil:
						seen["tcp range"] = true
					case pr.TCP != nil:
						seen["tcp"] = true
					case pr.UDP != nil:
						seen["udp"] = true
					case pr.SCTP != nil:
						seen["sctp"] = true
					case pr.DestinationNamedPort != "":
						seen["named port"] = true
					}
				}
			}
			for _, r := range p.Spec.Ingress {
				seen["ingress "+string(r.Action)] = true
				for _, pp := range r.From {
					seen["from namespaces"] = seen["from namespaces"] || pp.Namespaces != nil
					seen["from pods"] = seen["from pods"] || pp.Pods != nil
				}
				protocols(r.Protocols)
			}
			for _, r := range p.Spec.Egress {
				seen["egress "+string(r.Action)] = true
				for _, pp := range r.To {
					seen["to namespaces"] = seen["to namespaces"] || pp.Namespaces != nil
					seen["to pods"] = seen["to pods"] || pp.Pods != nil
					seen["to networks"] = seen["to networks"] || pp.Networks != nil
					seen["to nodes"] = seen["to nodes"] || pp.Nodes != nil
					seen["to domainNames"] = seen["to domainNames"] || pp.DomainNames != nil
				}
				protocols(r.Protocols)
			}
		}
		for _, want := range []string{"tier Admin", "tier Baseline", "subject namespaces", "subject pods", "ingress Accept", "ingress Deny", "ingress Pass",
			"egress Accept", "egress Deny", "egress Pass", "from namespaces", "from pods", "to namespaces", "to pods", "to networks", "tcp", "tcp range", "udp", "sctp"} {
			assert.True(t, seen[want], "experimental %v: %s", experimental, want)
		}
		for _, exp := range []string{"named port", "to nodes", "to domainNames"} {
			assert.Equal(t, experimental, seen[exp], "experimental %v: %s", experimental, exp)
		}
	}
}
