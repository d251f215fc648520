// Package reachability answers "can this reach that?" for Kubernetes
// NetworkPolicies, offline: from Namespaces, Pods and NetworkPolicies given
// as Go values (or decoded from YAML), with no cluster and no CNI. Start from
// New, then ask Reachable for one connection (with the policies and rules
// that decided each direction), Matrix for every pair of pods on a set of
// ports, or Diff for the connections whose answer a change flips.
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
// # AdminNetworkPolicy and BaselineAdminNetworkPolicy
//
// The engine does not take AdminNetworkPolicy or BaselineAdminNetworkPolicy
// objects: New and DecodeObjects refuse them as they refuse any other kind.
// sigs.k8s.io/network-policy-api v0.3.0, the version meant for them, ships
// no CRD for either kind, so they do not install on any Kubernetes from
// that release. Its v0.2.0 merged the two into one kind,
// ClusterNetworkPolicy (policy.networking.k8s.io, v1beta1 in v0.3.0), with a
// tier (Admin or Baseline) in place of the two kinds and Accept in place of
// Allow, and config/crd in v0.3.0 holds only that kind's CRD. The
// AdminNetworkPolicy and BaselineAdminNetworkPolicy Go types (v1alpha1)
// remain in the module, without a CRD. TestNetworkPolicyAPIv030OnKubernetes
// checks this against the real kube-apiserver 1.37 that testenv runs:
// v0.3.0's CRDs install and serve ClusterNetworkPolicy in both tiers, with
// its validation, and creating an AdminNetworkPolicy or a
// BaselineAdminNetworkPolicy fails because the server has no such kind.
// The engine does not evaluate ClusterNetworkPolicy either, yet.
//
// No packets are involved: the answers are what the policies say, which is
// what a conforming network plugin enforces. The engine's answers are checked
// against an independent implementation (Cyclonus's matcher) by the
// differential test in the bench module.
package reachability
