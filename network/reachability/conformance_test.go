package reachability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"

	"github.com/spherekit/spherekit/internal/objdecode"
	"github.com/spherekit/spherekit/testenv/netpolapi"
)

// conformanceWorld is the world of the network-policy-api conformance
// suite (sigs.k8s.io/network-policy-api v0.3.0, conformance/base, read from
// the module and rendered as the suite renders it, with its default host
// network ports): its namespaces, as the API server stores them (with the
// kubernetes.io/metadata.name label), the pods its StatefulSets make (two
// each, name-0 and name-1; not the host-network ones, which the engine
// does not model and the transcribed tests do not probe), and the policies
// of manifest.
func conformanceWorld(t *testing.T, manifest string) []runtime.Object {
	t.Helper()
	dir, _, err := netpolapi.ModuleDir(context.Background())
	require.NoError(t, err)
	render := func(name string) io.Reader {
		raw, err := os.ReadFile(filepath.Join(dir, "conformance", name))
		require.NoError(t, err)
		tmpl, err := template.New(name).Parse(string(raw))
		require.NoError(t, err)
		var b bytes.Buffer
		data := struct{ HostNetworkPorts []int }{}
		for p := 34345; p < 34345+8; p++ {
			data.HostNetworkPorts = append(data.HostNetworkPorts, p)
		}
		require.NoError(t, tmpl.Execute(&b, data))
		return &b
	}
	read := func(name string, s *runtime.Scheme) []runtime.Object {
		objs, err := objdecode.Decode(render(name), s)
		require.NoError(t, err, name)
		return objs
	}
	s := runtime.NewScheme()
	require.NoError(t, corev1.AddToScheme(s))
	require.NoError(t, appsv1.AddToScheme(s))
	var world []runtime.Object
	for _, o := range read("base/manifests.yaml", s) {
		switch o := o.(type) {
		case *corev1.Namespace:
			o.Labels[corev1.LabelMetadataName] = o.Name
			world = append(world, o)
		case *appsv1.StatefulSet:
			if o.Spec.Template.Spec.HostNetwork {
				continue
			}
			for i := range int(*o.Spec.Replicas) {
				world = append(world, &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: fmt.Sprintf("%s-%d", o.Name, i), Labels: o.Spec.Template.Labels},
					Spec:       o.Spec.Template.Spec,
					Status:     corev1.PodStatus{PodIP: fmt.Sprintf("10.244.%d.%d", len(world), i+2)},
				})
			}
		}
	}
	policies, err := DecodeObjects(render(manifest))
	require.NoError(t, err, manifest)
	return append(world, policies...)
}

// poke is one probe of the conformance suite: from a pod to a pod (house/
// pod, the house naming the namespace) on a TCP port, and whether the
// suite expects the connection to succeed.
type poke struct {
	from, to string
	port     int32
	want     bool
}

type conformanceStep struct {
	name string
	// change is the suite's change to the objects before the probes.
	change func(t *testing.T, objs []runtime.Object) []runtime.Object
	pokes  []poke
}

func cnpIn(t *testing.T, objs []runtime.Object, name string) *policyv1beta1.ClusterNetworkPolicy {
	for _, o := range objs {
		if p, ok := o.(*policyv1beta1.ClusterNetworkPolicy); ok && p.Name == name {
			return p
		}
	}
	t.Fatalf("no ClusterNetworkPolicy %s", name)
	return nil
}

func mutateCNP(name string, f func(p *policyv1beta1.ClusterNetworkPolicySpec)) func(*testing.T, []runtime.Object) []runtime.Object {
	return func(t *testing.T, objs []runtime.Object) []runtime.Object {
		f(&cnpIn(t, objs, name).Spec)
		return objs
	}
}

func ep(houseSlashPod string) Endpoint {
	house, pod, _ := strings.Cut(houseSlashPod, "/")
	return PodAt("network-policy-conformance-"+house, pod)
}

// TestConformanceSuite replays tests of the network-policy-api v0.3.0
// conformance suite (conformance/tests, transcribed: each step's change
// and its probes with the expected outcome) against the engine, on the
// suite's own manifests read from the module: the upstream authors'
// expectations as an oracle independent of this package. Reachable, Matrix
// and Diff (between consecutive steps) must all agree with them. The
// transcribed tests are those of tier precedence, Pass, priority, rule
// order, same priority and named ports; the CIDR and node tests need the
// suite's live pod and node addresses and are covered by the unit tests.
func TestConformanceSuite(t *testing.T) {
	swapIngress := func(name string, i, j int) func(*testing.T, []runtime.Object) []runtime.Object {
		return mutateCNP(name, func(p *policyv1beta1.ClusterNetworkPolicySpec) {
			p.Ingress[i], p.Ingress[j] = p.Ingress[j], p.Ingress[i]
		})
	}
	tests := []struct {
		name, manifest string
		steps          []conformanceStep
	}{
		{"CNPAdminTierIntegration", "base/api_integration/standard-anp-np-banp.yaml", []conformanceStep{
			{"Should Deny traffic from slytherin to gryffindor respecting admin CNP", nil, []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, false}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, false}}},
			{"Should Deny traffic to slytherin from gryffindor respecting admin CNP", nil, []poke{
				{"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, false}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, false}}},
			{"Should support a 'pass-ingress' policy for admin CNP and respect the match for network policy",
				mutateCNP("pass-example", func(p *policyv1beta1.ClusterNetworkPolicySpec) { p.Ingress[0].Action = pass }), []poke{
					{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, true}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, true}}},
			{"Should support a 'pass-egress' policy for admin CNP and respect the match for network policy",
				mutateCNP("pass-example", func(p *policyv1beta1.ClusterNetworkPolicySpec) { p.Egress[0].Action = pass }), []poke{
					{"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, true}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, true}}},
			{"Should support a 'pass-ingress' policy for admin CNP and respect the match for baseline cluster network policy",
				func(t *testing.T, objs []runtime.Object) []runtime.Object {
					var out []runtime.Object
					for _, o := range objs {
						if p, ok := o.(*networkingv1.NetworkPolicy); ok && p.Name == "allow-gress-from-to-slytherin-to-gryffindor" {
							continue
						}
						out = append(out, o)
					}
					require.Len(t, out, len(objs)-1, "the NetworkPolicy is deleted")
					return out
				}, []poke{
					{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, false}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, false}}},
			{"Should support a 'pass-egress' policy for admin CNP and respect the match for baseline cluster network policy", nil, []poke{
				{"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, false}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, false}}},
		}},
		{"CNPAdminTierPriorityField", "base/admin_tier/standard-priority-field.yaml", []conformanceStep{
			{"Should Deny traffic from slytherin to gryffindor respecting admin CNP", nil, []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, false}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, false}}},
			{"Should Deny traffic to slytherin from gryffindor respecting admin CNP", nil, []poke{
				{"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, false}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, false}}},
			{"Should respect admin CNP priority field; thus passing both ingress and egress traffic over to baseline CNP",
				mutateCNP("old-priority-60-new-priority-40-example", func(p *policyv1beta1.ClusterNetworkPolicySpec) { p.Priority = 40 }), []poke{
					{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, true}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, true},
					{"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, true}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 8080, true}}},
		}},
		{"CNPAdminTierSamePriority", "base/admin_tier/standard-same-priority.yaml", []conformanceStep{
			{"Should deny traffic in both directions for each same-priority policy", nil, []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, false}, {"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 80, false},
				{"hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-0", 80, false}, {"gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-0", 80, false},
				{"slytherin/draco-malfoy-1", "hufflepuff/cedric-diggory-0", 8080, false}, {"hufflepuff/cedric-diggory-1", "slytherin/draco-malfoy-0", 8080, false}}},
			{"Should not apply one same-priority policy's rules to another policy's subject", nil, []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 8080, true}, {"gryffindor/harry-potter-0", "slytherin/draco-malfoy-0", 8080, true},
				{"slytherin/draco-malfoy-1", "hufflepuff/cedric-diggory-0", 80, true}, {"hufflepuff/cedric-diggory-0", "slytherin/draco-malfoy-0", 80, true}}},
			{"Should not affect traffic matching no same-priority policy", nil, []poke{
				{"ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, true}, {"gryffindor/harry-potter-1", "ravenclaw/luna-lovegood-0", 80, true}}},
		}},
		{"CNPAdminTierIngressTCP", "base/admin_tier/standard-ingress-tcp-rules.yaml", []conformanceStep{
			{"Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected", nil, []poke{
				{"ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, true}, {"ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 8080, true}}},
			{"Should support an 'allow-ingress' policy for TCP protocol at the specified port", nil, []poke{
				{"hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, true}, {"hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, false}}},
			{"Should not affect egress traffic when only ingress rules are specified", nil, []poke{
				{"gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, true}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, true}}},
			{"Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected", swapIngress("ingress-tcp", 0, 1), []poke{
				{"ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 80, false}, {"ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 8080, false}}},
			{"Should support a 'deny-ingress' policy for TCP protocol at the specified port", nil, []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, false}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, true}}},
			{"Should support an 'pass-ingress' policy for TCP protocol; ensure rule ordering is respected", swapIngress("ingress-tcp", 0, 2), []poke{
				{"ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, true}, {"ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 8080, true}}},
			{"Should support a 'pass-ingress' policy for TCP protocol at the specified port", swapIngress("ingress-tcp", 3, 4), []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, true}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, true}}},
		}},
		{"CNPBaselineTierIngressTCP", "base/baseline_tier/standard-ingress-tcp-rules.yaml", []conformanceStep{
			{"Should support an 'allow-ingress' policy for TCP protocol; ensure rule ordering is respected", nil, []poke{
				{"ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-0", 80, true}, {"ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-0", 8080, true}}},
			{"Should support an 'allow-ingress' policy for TCP protocol at the specified port", nil, []poke{
				{"hufflepuff/cedric-diggory-0", "gryffindor/harry-potter-1", 80, true}, {"hufflepuff/cedric-diggory-1", "gryffindor/harry-potter-1", 8080, false}}},
			{"Should not affect egress traffic when only ingress rules are specified", nil, []poke{
				{"gryffindor/harry-potter-0", "ravenclaw/luna-lovegood-0", 80, true}, {"gryffindor/harry-potter-1", "slytherin/draco-malfoy-0", 80, true}}},
			{"Should support an 'deny-ingress' policy for TCP protocol; ensure rule ordering is respected", swapIngress("default", 0, 1), []poke{
				{"ravenclaw/luna-lovegood-0", "gryffindor/harry-potter-1", 80, false}, {"ravenclaw/luna-lovegood-1", "gryffindor/harry-potter-1", 8080, false}}},
			{"Should support a 'deny-ingress' policy for TCP protocol at the specified port", nil, []poke{
				{"slytherin/draco-malfoy-0", "gryffindor/harry-potter-0", 80, false}, {"slytherin/draco-malfoy-1", "gryffindor/harry-potter-0", 8080, true}}},
		}},
		{"CNPAdminTierEgressNamedPort", "base/admin_tier/standard-egress-tcp-rules.yaml", []conformanceStep{
			{"Should support an 'allow-egress' policy for named port", mutateCNP("egress-tcp", func(p *policyv1beta1.ClusterNetworkPolicySpec) {
				p.Egress[5].Protocols = []policyv1beta1.ClusterNetworkPolicyProtocol{{DestinationNamedPort: "web"}}
			}), []poke{
				{"gryffindor/harry-potter-0", "hufflepuff/cedric-diggory-1", 80, true}, {"gryffindor/harry-potter-1", "hufflepuff/cedric-diggory-1", 8080, false}}},
		}},
	}
	ports := []PortProtocol{{Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 8080, Protocol: corev1.ProtocolTCP}}
	probes := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := conformanceWorld(t, tt.manifest)
			var prev *Engine
			for _, step := range tt.steps {
				if step.change != nil {
					objs = step.change(t, objs)
				}
				e, err := New(objs...)
				require.NoError(t, err, step.name)
				m := e.Matrix(ports)
				for _, p := range step.pokes {
					from, to := ep(p.from), ep(p.to)
					a, err := e.Reachable(Traffic{From: from, To: to, Port: p.port})
					require.NoError(t, err)
					assert.Equal(t, p.want, a.Allowed, "%s: %s -> %s:%d: %s", step.name, p.from, p.to, p.port, a)
					pi := 0
					if p.port == 8080 {
						pi = 1
					}
					assert.Equal(t, p.want, m.Allowed(e.podIndex[from.String()], e.podIndex[to.String()], pi), "%s: Matrix, %s -> %s:%d", step.name, p.from, p.to, p.port)
					probes++
				}
				if prev != nil {
					checkDiff(t, prev, e)
				}
				prev = e
			}
		})
	}
	t.Logf("%d probes of the conformance suite replayed", probes)
}
