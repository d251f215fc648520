// Package reachability answers "can this reach that?" for Kubernetes
// NetworkPolicies and the Network Policy API's ClusterNetworkPolicies,
// offline: from Namespaces, Pods, Nodes, NetworkPolicies and
// ClusterNetworkPolicies given as Go values (or decoded from YAML), with no
// cluster and no CNI. Start from New, then ask Reachable for one connection
// (with the tier, policies and rules that decided each direction), Matrix
// for every pair of pods on a set of ports, or Diff for the connections
// whose answer a change flips.
//
// # NetworkPolicy
//
// Semantics are Kubernetes NetworkPolicy's: a pod is isolated for ingress
// (egress) when a policy of its namespace selects it with that policy type;
// policyTypes default to Ingress, plus Egress when the policy has egress
// rules; an absent or empty from/to list matches every peer and an absent or
// empty ports list every port; a peer's podSelector alone means pods of the
// policy's namespace, namespaceSelector alone every pod of the selected
// namespaces, both together the selected pods of the selected namespaces,
// and an empty selector selects everything; ports default to TCP, endPort
// makes a range, and a named port matches the destination pod's container
// port of that name, number and protocol. Traffic is allowed when egress at
// the source and ingress at the destination both allow it. An ipBlock
// matches addresses, pod IPs included (Kubernetes leaves ipBlock for pod IPs
// to the network plugin; Calico, Cilium and Cyclonus treat them so).
//
// # ClusterNetworkPolicy
//
// The engine takes ClusterNetworkPolicy (policy.networking.k8s.io/v1beta1,
// sigs.k8s.io/network-policy-api v0.3.0, the version the CRD stores; v1alpha2
// objects are refused) with the semantics its API documentation gives. Each
// direction (egress at the source, ingress at the destination) is decided
// tier by tier:
//
//   - The Admin tier: the policies whose subject is the pod and that have
//     rules for the direction, by ascending priority, each one's rules in
//     order; the first rule that matches decides. Accept allows (no
//     NetworkPolicy or Baseline rule is consulted for that direction; an
//     egress Accept still leaves ingress at the destination to decide),
//     Deny denies, and Pass skips the rest of the Admin tier.
//   - The NetworkPolicy tier: when NetworkPolicies select the pod for the
//     direction, they decide, as above. A pod they select never reaches the
//     Baseline tier ("v1.NetworkPolicy always makes a final decision for
//     selected pods").
//   - The Baseline tier, for pods no NetworkPolicy selects: as the Admin
//     tier. Accept allows, Deny denies, and Pass skips the rest of the tier,
//     which leaves the default.
//   - The default: allowed.
//
// The API leaves the order of policies of one tier with the same priority
// to the implementation ("the implementation can apply any of the matching
// policies"); the engine takes them by name. A subject's namespaces
// selector selects every pod of the selected namespaces, its pods selector
// the selected pods of the selected namespaces (an empty selector selects
// all), and so do peers, in any namespace. A rule matches when one of its
// peers matches the far end and, if it has protocols, one of them matches
// the port: TCP, UDP or SCTP with a port number or an inclusive range, or
// destinationNamedPort, the destination pod's container port of that name,
// with that container port's number and protocol. Egress networks peers
// match addresses, pod IPs included (the API says so), and nodes peers the
// addresses in status.addresses of the selected Nodes given to New.
// domainNames peers (Accept rules only, as the API supports them) match no
// endpoint the engine knows: it resolves no names. A peer that sets no
// field (one of a newer API, dropped in decoding) fails closed as the API
// asks: it matches nothing in an Accept rule, and makes a Deny or Pass rule
// deny everything (Reachable reports such a rule as a Deny). Reachable's
// Side names the tier that decided, the ClusterNetworkPolicy rule (policy,
// tier, index in spec.ingress or spec.egress, name and action), and the
// Pass rules on the way.
//
// What the engine does not model: host-network pods (the API leaves them
// out of subjects and peers; the engine selects pods by their labels
// whatever their network), and the kubernetes.io/metadata.name label the
// API server puts on every namespace, which the engine sees only when the
// Namespace objects given to New carry it (as ones read from a cluster
// do).
//
// AdminNetworkPolicy and BaselineAdminNetworkPolicy are refused as any
// other kind: sigs.k8s.io/network-policy-api v0.3.0 ships no CRD for
// either, so they do not install on any Kubernetes from that release. Its
// v0.2.0 merged the two into ClusterNetworkPolicy, with a tier in place of
// the two kinds and Accept in place of Allow; the v1alpha1 Go types remain
// in the module, without a CRD. TestNetworkPolicyAPIv030OnKubernetes checks
// this against the real kube-apiserver 1.37 that testenv runs: v0.3.0's
// CRDs install and serve ClusterNetworkPolicy in both tiers, with its
// validation, and creating an AdminNetworkPolicy or a
// BaselineAdminNetworkPolicy fails because the server has no such kind.
//
// # How the answers are checked
//
// No packets are involved: the answers are what the policies say, which is
// what a conforming network plugin enforces. For NetworkPolicy, the
// engine's answers are checked against an independent implementation
// (Cyclonus's matcher) by the differential test in the bench module. No
// independent implementation of ClusterNetworkPolicy can be imported here:
// the Network Policy API project's own analyser, policy-assistant, is a
// module of its own (sigs.k8s.io/network-policy-api/cmd/policy-assistant)
// that the Go module proxy does not serve, and Cyclonus knows only
// NetworkPolicy. So
// ClusterNetworkPolicy is checked by unit tests for each point above; by
// TestConformanceSuite, which replays tests of network-policy-api v0.3.0's
// own conformance suite (their changes and the outcomes the suite expects,
// transcribed, on the suite's manifests read from the module); by property
// tests and a fuzz target in which Matrix and Diff agree with Reachable on
// random worlds (internal/netpolgen) with ClusterNetworkPolicies; and by a
// test that the real API server accepts every ClusterNetworkPolicy the
// generator makes.
//
// Matrix and Diff compute the same answers as Reachable with sets of pods:
// each rule's peers are evaluated once per pod, and each tier's rules take
// the far ends they match out of the still undecided set in order. Without
// ClusterNetworkPolicies they take the NetworkPolicy-only path unchanged.
package reachability
