// Package network is KubeSphere's tenant network isolation as a library:
// which projects may reach which, project network policies, and what a
// change would cut before it is made.
//
// KubeSphere isolates a project in one of two ways. Annotated
// kubesphere.io/network-isolate=enabled, a project admits traffic only from
// itself (and from configured namespaces and the nodes' SNAT addresses), and
// its NamespaceNetworkPolicies open more. Otherwise, when its workspace is
// isolated, it admits traffic from every project of the workspace, and its
// NamespaceNetworkPolicies are removed. The isolation is one native
// NetworkPolicy per project, nsnp-network-isolate; each
// NamespaceNetworkPolicy becomes a native NetworkPolicy nsnp-<name>.
//
// This package holds the pure parts, usable offline: ModeOf decides a
// project's mode, IsolationPolicy and NativePolicy build exactly the native
// policies KubeSphere writes. The reconcilers in network/controllers keep
// them in a cluster; network/reachability answers who can reach whom under
// any set of policies, and Diff what a change flips.
//
// No network plugin runs in spherekit's tests, so enforcement is not
// observed on packets: the tests check the NetworkPolicies the API server
// stores against KubeSphere's, and the reachability engine is checked
// against an independent implementation (bench module).
package network
