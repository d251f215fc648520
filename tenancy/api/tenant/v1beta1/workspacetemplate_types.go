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

// WorkspaceTemplateSpec is the desired state of a WorkspaceTemplate. Both
// fields are required by KubeSphere's schema, so both are always written.
type WorkspaceTemplateSpec struct {
	Template WorkspaceTemplateBody `json:"template"`
	// Placement selects the clusters. KubeSphere places a workspace on no
	// cluster when it is empty; ClusterSelector {} selects every cluster.
	Placement Placement `json:"placement"`
}

// WorkspaceTemplate is how KubeSphere's console creates workspaces: it
// carries the Workspace to create (with its manager) and the clusters it is
// placed on. The workspace controller keeps a Workspace of the same name in
// step with it and creates the workspace's roles and the manager's binding.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=tenant
// +kubebuilder:storageversion
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
