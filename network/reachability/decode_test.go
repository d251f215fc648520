package reachability

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const worldYAML = `
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: shop, labels: {kubesphere.io/workspace: team-a}}
- apiVersion: v1
  kind: Pod
  metadata: {name: web, namespace: shop, labels: {app: web}}
  spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
  status: {podIP: 10.1.0.5}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: other}
spec: {containers: [{name: c, image: curl}]}
status: {podIP: 10.1.1.9}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: nsnp-network-isolate, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubesphere.io/workspace: team-a}}
`

func TestDecodeObjects(t *testing.T) {
	objs, err := DecodeObjects(strings.NewReader(worldYAML))
	require.NoError(t, err)
	require.Len(t, objs, 5)
	e, err := New(objs...)
	require.NoError(t, err)
	a, err := e.Reachable(Traffic{From: PodAt("other", "client"), To: PodAt("shop", "web"), Port: 8080})
	require.NoError(t, err)
	assert.False(t, a.Allowed)
	assert.Equal(t, "denied; egress: not isolated; ingress: isolated by shop/nsnp-network-isolate and no rule allows it", a.String())

	for name, doc := range map[string]string{
		"another kind": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
		"not YAML":     "{{{",
		"unknown kind": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n",
		"an AdminNetworkPolicy (no CRD in network-policy-api v0.3.0)": "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\n" +
			"metadata: {name: x}\nspec: {priority: 1, subject: {namespaces: {}}}\n",
		"a BaselineAdminNetworkPolicy": "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n",
	} {
		_, err := DecodeObjects(strings.NewReader(doc))
		var invalid *InvalidError
		require.ErrorAs(t, err, &invalid, name)
	}
}

const clusterYAML = `
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicyList
items:
- apiVersion: policy.networking.k8s.io/v1beta1
  kind: ClusterNetworkPolicy
  metadata: {name: pass-workspace}
  spec:
    tier: Admin
    priority: 10
    subject: {namespaces: {matchLabels: {kubesphere.io/workspace: team-a}}}
    ingress:
    - {name: same-workspace, action: Pass, from: [{namespaces: {matchLabels: {kubesphere.io/workspace: team-a}}}]}
    - {name: others, action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 8000, end: 8100}}}}]}
- apiVersion: policy.networking.k8s.io/v1beta1
  kind: ClusterNetworkPolicy
  metadata: {name: no-infra}
  spec:
    tier: Baseline
    priority: 0
    subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}
    egress:
    - {action: Deny, to: [{nodes: {matchLabels: {role: infra}}}, {networks: [192.0.2.0/24]}]}
---
apiVersion: v1
kind: NodeList
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1, labels: {role: infra}}
  status: {addresses: [{type: InternalIP, address: 198.51.100.7}, {type: Hostname, address: n1}]}
`

func TestDecodeObjectsClusterNetworkPolicies(t *testing.T) {
	objs, err := DecodeObjects(strings.NewReader(worldYAML + "---" + clusterYAML))
	require.NoError(t, err)
	require.Len(t, objs, 8, "lists expanded")
	e, err := New(objs...)
	require.NoError(t, err)
	a, err := e.Reachable(Traffic{From: PodAt("other", "client"), To: PodAt("shop", "web"), Port: 8080})
	require.NoError(t, err)
	assert.Equal(t, `denied; egress: not isolated; ingress: denied by Admin ClusterNetworkPolicy pass-workspace rule 1 ("others")`, a.String())
	for ip, allowed := range map[string]bool{"198.51.100.7": false, "192.0.2.1": false, "203.0.113.1": true} {
		a, err := e.Reachable(Traffic{From: PodAt("shop", "web"), To: Address(netip.MustParseAddr(ip)), Port: 443})
		require.NoError(t, err)
		assert.Equal(t, allowed, a.Allowed, "web to %s: %s", ip, a)
	}
}

// FuzzDecodeObjects: any input decodes or is refused with an
// *InvalidError; whatever decodes builds an engine or is refused, never a
// panic.
func FuzzDecodeObjects(f *testing.F) {
	f.Add(worldYAML)
	f.Add(clusterYAML)
	f.Add("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: y}\nspec: {podSelector: {matchExpressions: [{key: a, operator: In}]}}\n")
	f.Add("---\n---\nnull\n")
	f.Fuzz(func(t *testing.T, doc string) {
		objs, err := DecodeObjects(strings.NewReader(doc))
		if err != nil {
			var invalid *InvalidError
			if !assert.ErrorAs(t, err, &invalid) {
				t.FailNow()
			}
			return
		}
		if e, err := New(objs...); err == nil {
			for _, p := range e.pods {
				_, _ = e.Reachable(Traffic{From: PodAt(p.Namespace, p.Name), To: PodAt(p.Namespace, p.Name), Port: 80})
			}
			_ = e.Matrix([]PortProtocol{{Port: 80}})
		}
	})
}
