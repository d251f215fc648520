package v1beta1

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Plural resource names of the roles and bindings.
const (
	ResourceGlobalRoles           = "globalroles"
	ResourceGlobalRoleBindings    = "globalrolebindings"
	ResourceClusterRoles          = "clusterroles"
	ResourceClusterRoleBindings   = "clusterrolebindings"
	ResourceWorkspaceRoles        = "workspaceroles"
	ResourceWorkspaceRoleBindings = "workspacerolebindings"
	ResourceRoles                 = "roles"
	ResourceRoleBindings          = "rolebindings"
	ResourceRoleTemplates         = "roletemplates"
	ResourceBuiltinRoles          = "builtinroles"
)

// AggregationRoleTemplates selects the RoleTemplates whose rules a role
// aggregates: those named in TemplateNames and those RoleSelector matches.
// Aggregation is additive: rules a role already has are kept.
type AggregationRoleTemplates struct {
	// +optional
	// +listType=set
	TemplateNames []string `json:"templateNames,omitempty"`
	// +optional
	RoleSelector *metav1.LabelSelector `json:"roleSelector,omitempty"`
}

// GlobalRole grants permissions across the whole platform: every cluster,
// workspace and project.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:storageversion
type GlobalRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	AggregationRoleTemplates *AggregationRoleTemplates `json:"aggregationRoleTemplates,omitempty"`
	// Rules is required by KubeSphere's schema: nil is written as an empty
	// list, never null (see MarshalJSON).
	Rules []rbacv1.PolicyRule `json:"rules"`
}

// GlobalRoleList is a list of GlobalRoles.
//
// +kubebuilder:object:root=true
type GlobalRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRole `json:"items"`
}

// GlobalRoleBinding grants a GlobalRole to users, groups or service accounts.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:storageversion
type GlobalRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
}

// GlobalRoleBindingList is a list of GlobalRoleBindings.
//
// +kubebuilder:object:root=true
type GlobalRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRoleBinding `json:"items"`
}

// ClusterRole grants permissions across one cluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
type ClusterRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	AggregationRoleTemplates *AggregationRoleTemplates `json:"aggregationRoleTemplates,omitempty"`
	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
}

// ClusterRoleList is a list of ClusterRoles.
//
// +kubebuilder:object:root=true
type ClusterRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterRole `json:"items"`
}

// ClusterRoleBinding grants a ClusterRole across one cluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
type ClusterRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
}

// ClusterRoleBindingList is a list of ClusterRoleBindings.
//
// +kubebuilder:object:root=true
type ClusterRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterRoleBinding `json:"items"`
}

// WorkspaceRole grants permissions in one workspace (named by its
// kubesphere.io/workspace label) and every project in it. Its name is
// "<workspace>-<role>".
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.kubesphere\.io/workspace`
// +kubebuilder:printcolumn:name="Alias",type=string,JSONPath=`.metadata.annotations.kubesphere\.io/alias-name`
type WorkspaceRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	AggregationRoleTemplates *AggregationRoleTemplates `json:"aggregationRoleTemplates,omitempty"`
	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
}

// WorkspaceRoleList is a list of WorkspaceRoles.
//
// +kubebuilder:object:root=true
type WorkspaceRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceRole `json:"items"`
}

// WorkspaceRoleBinding grants a WorkspaceRole of the workspace named by its
// kubesphere.io/workspace label.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.kubesphere\.io/workspace`
type WorkspaceRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
}

// WorkspaceRoleBindingList is a list of WorkspaceRoleBindings.
//
// +kubebuilder:object:root=true
type WorkspaceRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceRoleBinding `json:"items"`
}

// Role grants permissions in one project (namespace).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories=iam
type Role struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	AggregationRoleTemplates *AggregationRoleTemplates `json:"aggregationRoleTemplates,omitempty"`
	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
}

// RoleList is a list of Roles.
//
// +kubebuilder:object:root=true
type RoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Role `json:"items"`
}

// RoleBinding grants a Role (or a ClusterRole, limited to this namespace) in
// one project.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories=iam
type RoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
}

// RoleBindingList is a list of RoleBindings.
//
// +kubebuilder:object:root=true
type RoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RoleBinding `json:"items"`
}
