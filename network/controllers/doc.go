// Package controllers holds the network reconcilers a host registers with its
// controller-runtime manager, KubeSphere 3.4's network policy controller
// rebuilt on controller-runtime. SetupWithManager registers both:
//
//	err := controllers.SetupWithManager(ctx, mgr, controllers.Options{})
//
// What each keeps in step:
//
//   - IsolationReconciler labels every namespace kubesphere.io/namespace=<name>
//     (what namespace peers select) and keeps each project's isolation policy
//     (NetworkPolicy nsnp-network-isolate, see network.IsolationPolicy) in
//     step with the project's and its workspace's isolation, the nodes' SNAT
//     addresses, the cluster DNS Service and whether the project's
//     NamespaceNetworkPolicies have egress rules. A project that is not
//     isolated at project level loses its NamespaceNetworkPolicies, as in
//     KubeSphere: user rules apply only to project-isolated projects.
//   - PolicyReconciler turns each NamespaceNetworkPolicy into its native
//     NetworkPolicy (network.NativePolicy), owned by it so the garbage
//     collector removes it with it, and converts again when a Service it
//     names changes. A policy that cannot be converted (a Service that does
//     not exist or has no selector) gets a Warning event and its native
//     policy is left as it was.
//
// Both write only when the object differs from what they derive (compared
// after the API server's defaulting), so a resync writes nothing.
//
// The manager's identity needs to read Namespaces, Nodes, Services,
// Workspaces (tenant.kubesphere.io/v1alpha1, the version that carries
// KubeSphere 3.x's spec.networkIsolation) and NamespaceNetworkPolicies; to
// patch Namespaces; to write NetworkPolicies; to delete
// NamespaceNetworkPolicies; and to create events.k8s.io Events.
package controllers
