package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceWorkspaceTemplates is the plural resource name of WorkspaceTemplate.
const ResourceWorkspaceTemplates = "workspacetemplates"

// TemplateMeta is the part of an object's metadata a template carries over.
type TemplateMeta struct {
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// WorkspaceTemplateBody is the Workspace a WorkspaceTemplate stamps out.
type WorkspaceTemplateBody struct {
	// +optional
	TemplateMeta `json:"metadata,omitempty"`
	// +optional
	Spec WorkspaceSpec `json:"spec,omitempty"`
}

// ClusterReference names a member cluster.
type ClusterReference struct {
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// Placement says which clusters a workspace spans. Single-cluster hosts
// keep it as data; multi-cluster placement acts on it.
type Placement struct {
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterReference `json:"clusters,omitempty"`
	// +optional
	ClusterSelector *metav1.LabelSelector `json:"clusterSelector,omitempty"`
}

// WorkspaceTemplateSpec is the desired state of a WorkspaceTemplate.
type WorkspaceTemplateSpec struct {
	// +optional
	Template WorkspaceTemplateBody `json:"template,omitempty"`
	// +optional
	Placement Placement `json:"placement,omitempty"`
}

// WorkspaceTemplate is how KubeSphere's console creates workspaces: it
// carries the Workspace to create (with its manager) and the clusters it is
// placed on. The workspace controller keeps a Workspace of the same name in
// step with it and creates the workspace's roles and the manager's binding.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=tenant
// +kubebuilder:printcolumn:name="Manager",type=string,JSONPath=`.spec.template.spec.manager`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="workspace names are at most 63 characters because they become label values"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="workspace names must be DNS-1123 labels: lower-case letters, digits and '-', starting and ending with a letter or digit"
type WorkspaceTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec WorkspaceTemplateSpec `json:"spec,omitempty"`
}

// WorkspaceTemplateList is a list of WorkspaceTemplates.
//
// +kubebuilder:object:root=true
type WorkspaceTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceTemplate `json:"items"`
}
