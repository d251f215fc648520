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
// No packets are involved: the answers are what the policies say, which is
// what a conforming network plugin enforces. The engine's answers are checked
// against an independent implementation (Cyclonus's matcher) by the
// differential test in the bench module.
package reachability
