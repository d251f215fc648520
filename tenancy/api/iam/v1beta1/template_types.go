package v1beta1

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// RoleTemplateSpec is a named, translatable set of rules roles aggregate.
type RoleTemplateSpec struct {
	// DisplayName maps a locale ("en", "zh") to a display name.
	// +optional
	DisplayName map[string]string `json:"displayName,omitempty"`
	// Description maps a locale to a description.
	// +optional
	Description map[string]string `json:"description,omitempty"`
	// Rules is required by KubeSphere's schema: nil is written as an empty
	// list, never null (see MarshalJSON).
	Rules []rbacv1.PolicyRule `json:"rules"`
}

// RoleTemplate is a building block of roles, such as "view members" or
// "manage workloads". Its ScopeLabel says which kind of role may aggregate
// it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
type RoleTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec RoleTemplateSpec `json:"spec,omitempty"`
}

// RoleTemplateList is a list of RoleTemplates.
//
// +kubebuilder:object:root=true
type RoleTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RoleTemplate `json:"items"`
}

// BuiltinRole is a role stamped into every target its TargetSelector matches:
// a WorkspaceRole into each workspace (ScopeLabel workspace) or a Role into
// each project (ScopeLabel namespace). Role holds the role object itself, a
// WorkspaceRole or a Role; the controllers set its name and namespace.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
type BuiltinRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:EmbeddedResource
	Role runtime.RawExtension `json:"role"`
	// TargetSelector chooses the workspaces or namespaces (by their labels)
	// that get the role. An empty selector matches every target.
	// +optional
	TargetSelector metav1.LabelSelector `json:"targetSelector,omitempty"`
}

// BuiltinRoleList is a list of BuiltinRoles.
//
// +kubebuilder:object:root=true
type BuiltinRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BuiltinRole `json:"items"`
}

// Plural resource names of the console's catalogue kinds.
const (
	ResourceCategories = "categories"
)

// CategorySpec is how a console shows a category of RoleTemplates.
type CategorySpec struct {
	// DisplayName maps a locale ("en", "zh") to a display name.
	// +optional
	DisplayName map[string]string `json:"displayName,omitempty"`
	// Description maps a locale to a description.
	// +optional
	Description map[string]string `json:"description,omitempty"`
	// Icon names the icon a console shows.
	// +optional
	Icon string `json:"icon,omitempty"`
}

// Category groups RoleTemplates in KubeSphere's console: a RoleTemplate
// names its category with the CategoryLabel. spherekit stores and serves
// categories and does not act on them.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
type Category struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec CategorySpec `json:"spec,omitempty"`
}

// CategoryList is a list of Categories.
//
// +kubebuilder:object:root=true
type CategoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Category `json:"items"`
}
