// Package v1alpha1 holds the network.kubesphere.io/v1alpha1 API types, wire
// compatible with KubeSphere 3.4's: NamespaceNetworkPolicy (a project's
// network rules, written by tenants and converted by spherekit's network
// controllers into native NetworkPolicies), IPPool (cluster-scoped address
// pools assigned to workspaces), and IPAMBlock and IPAMHandle (the
// allocation records of KubeSphere's own IPAM, kept so that objects written
// by a KubeSphere cluster decode and validate unchanged).
//
// +kubebuilder:object:generate=true
// +groupName=network.kubesphere.io
package v1alpha1
