package reachability

import (
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	policyv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"

	"github.com/spherekit/spherekit/internal/netpolgen"
)

// TestNetworkPolicyAPIv030OnKubernetes records what
// sigs.k8s.io/network-policy-api v0.3.0 installs on the Kubernetes testenv
// runs: its CRDs (read from the module; TestMain installs the experimental
// channel, a superset of the standard one) install and serve
// ClusterNetworkPolicy, while AdminNetworkPolicy and
// BaselineAdminNetworkPolicy, whose Go types the module still carries, have
// no CRD there, so no cluster that installs v0.3.0 has them. That is why
// the engine takes ClusterNetworkPolicy and not them (see the package
// documentation).
func TestNetworkPolicyAPIv030OnKubernetes(t *testing.T) {
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	ctx := context.Background()
	s := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(s))
	require.NoError(t, policyv1alpha1.Install(s))
	require.NoError(t, policyv1beta1.Install(s))
	c, err := client.New(env.Config, client.Options{Scheme: s})
	require.NoError(t, err)

	t.Run("AdminNetworkPolicy and BaselineAdminNetworkPolicy do not exist", func(t *testing.T) {
		everyone := metav1.LabelSelector{}
		anp := &policyv1alpha1.AdminNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "anp-" + rand.String(6)},
			Spec: policyv1alpha1.AdminNetworkPolicySpec{
				Priority: 10,
				Subject:  policyv1alpha1.AdminNetworkPolicySubject{Namespaces: &everyone},
				Ingress: []policyv1alpha1.AdminNetworkPolicyIngressRule{{
					Action: policyv1alpha1.AdminNetworkPolicyRuleActionDeny,
					From:   []policyv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: &everyone}},
				}},
			},
		}
		err := c.Create(ctx, anp)
		assert.True(t, meta.IsNoMatchError(err), "creating an AdminNetworkPolicy: want no such kind on the server, got %v", err)
		banp := &policyv1alpha1.BaselineAdminNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "default"},
			Spec: policyv1alpha1.BaselineAdminNetworkPolicySpec{
				Subject: policyv1alpha1.AdminNetworkPolicySubject{Namespaces: &everyone},
				Ingress: []policyv1alpha1.BaselineAdminNetworkPolicyIngressRule{{
					Action: policyv1alpha1.BaselineAdminNetworkPolicyRuleActionDeny,
					From:   []policyv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: &everyone}},
				}},
			},
		}
		err = c.Create(ctx, banp)
		assert.True(t, meta.IsNoMatchError(err), "creating a BaselineAdminNetworkPolicy: want no such kind on the server, got %v", err)
	})

	cnp := func(tier policyv1beta1.Tier, priority int32, action policyv1beta1.ClusterNetworkPolicyRuleAction) *policyv1beta1.ClusterNetworkPolicy {
		return &policyv1beta1.ClusterNetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: "cnp-" + rand.String(6)},
			Spec: policyv1beta1.ClusterNetworkPolicySpec{
				Tier:     tier,
				Priority: priority,
				Subject:  policyv1beta1.ClusterNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}},
				Ingress: []policyv1beta1.ClusterNetworkPolicyIngressRule{{
					Name:   "from-team-y",
					Action: action,
					From:   []policyv1beta1.ClusterNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "y"}}}},
					Protocols: []policyv1beta1.ClusterNetworkPolicyProtocol{{
						TCP: &policyv1beta1.ClusterNetworkPolicyProtocolTCP{DestinationPort: &policyv1beta1.Port{Range: &policyv1beta1.PortRange{Start: 8000, End: 8100}}},
					}},
				}},
			},
		}
	}
	t.Run("ClusterNetworkPolicy installs in both tiers", func(t *testing.T) {
		for _, p := range []*policyv1beta1.ClusterNetworkPolicy{
			cnp(policyv1beta1.AdminTier, 10, policyv1beta1.ClusterNetworkPolicyRuleActionPass),
			cnp(policyv1beta1.BaselineTier, 0, policyv1beta1.ClusterNetworkPolicyRuleActionDeny),
		} {
			require.NoError(t, c.Create(ctx, p), "tier %s", p.Spec.Tier)
			t.Cleanup(func() { _ = c.Delete(ctx, p) })
			got := &policyv1beta1.ClusterNetworkPolicy{}
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(p), got))
			assert.Equal(t, p.Spec, got.Spec)
		}
	})
	t.Run("ClusterNetworkPolicy validation runs", func(t *testing.T) {
		for name, p := range map[string]*policyv1beta1.ClusterNetworkPolicy{
			"priority above 1000": cnp(policyv1beta1.AdminTier, 1001, policyv1beta1.ClusterNetworkPolicyRuleActionDeny),
			// AdminNetworkPolicy's Allow is Accept in ClusterNetworkPolicy.
			"the old Allow action": cnp(policyv1beta1.AdminTier, 10, "Allow"),
			"a third tier":         cnp("NetworkPolicy", 10, policyv1beta1.ClusterNetworkPolicyRuleActionDeny),
		} {
			err := c.Create(ctx, p)
			if !assert.True(t, apierrors.IsInvalid(err), "%s: want Invalid, got %v", name, err) && err == nil {
				_ = c.Delete(ctx, p)
			}
		}
	})
}

// TestGeneratedClusterNetworkPoliciesAreValid: every ClusterNetworkPolicy
// internal/netpolgen makes, with the experimental fields and without, is
// accepted by the API server's validation of network-policy-api v0.3.0's
// CRD and stored as generated (nothing pruned), and the engine takes it:
// the random worlds the property tests draw are worlds a cluster can hold.
func TestGeneratedClusterNetworkPoliciesAreValid(t *testing.T) {
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	ctx := context.Background()
	s := runtime.NewScheme()
	require.NoError(t, policyv1beta1.Install(s))
	c, err := client.New(env.Config, client.Options{Scheme: s})
	require.NoError(t, err)
	count := 0
	for seed := range uint64(24) {
		r := mathrand.New(mathrand.NewPCG(seed, 21))
		objs := netpolgen.Generate(r, netpolgen.Options{Namespaces: 1, Nodes: 2, ClusterPolicies: 10, Experimental: seed%2 == 0})
		_, err := New(objs...)
		require.NoError(t, err, "seed %d: the engine takes the world", seed)
		for _, o := range objs {
			p, ok := o.(*policyv1beta1.ClusterNetworkPolicy)
			if !ok {
				continue
			}
			p.Name = fmt.Sprintf("gen-%d-%s", seed, p.Name)
			want := p.Spec.DeepCopy()
			if !assert.NoError(t, c.Create(ctx, p), "seed %d: %s: %+v", seed, p.Name, p.Spec) {
				continue
			}
			count++
			t.Cleanup(func() { _ = c.Delete(ctx, p) })
			got := &policyv1beta1.ClusterNetworkPolicy{}
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(p), got))
			assert.Empty(t, cmp.Diff(want, &got.Spec, cmpopts.EquateEmpty()), "seed %d: %s stored as generated", seed, p.Name)
		}
	}
	t.Logf("%d generated ClusterNetworkPolicies accepted", count)
	assert.Equal(t, 240, count)
}
