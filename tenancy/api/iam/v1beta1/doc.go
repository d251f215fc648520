// Package v1beta1 holds the iam.kubesphere.io/v1beta1 API types: users and
// their login records, the four role scopes (GlobalRole, ClusterRole,
// WorkspaceRole, Role) with their bindings, RoleTemplates that roles
// aggregate, BuiltinRoles that stamp roles into new workspaces and projects,
// and Groups with GroupBindings.
//
// Roles hold plain Kubernetes RBAC rules (rbacv1.PolicyRule), so the same
// rules mean the same thing to the API server once mirrored into native RBAC.
// The types are wire-compatible with KubeSphere 4.x.
//
// +kubebuilder:object:generate=true
// +kubebuilder:ac:generate=true
// +kubebuilder:ac:output:package=../applyconfiguration
// +groupName=iam.kubesphere.io
package v1beta1
