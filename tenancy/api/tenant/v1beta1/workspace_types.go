package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceWorkspaces is the plural resource name of Workspace.
const ResourceWorkspaces = "workspaces"

// WorkspaceSpec is the desired state of a Workspace.
type WorkspaceSpec struct {
	// Manager is the name of the user who administers the workspace. The
	// Client checks it is a valid user name; the schema, like KubeSphere's,
	// accepts any string.
	// +optional
	Manager string `json:"manager,omitempty"`
}

// WorkspaceStatus is the observed state of a Workspace. KubeSphere keeps it
// empty and, as in KubeSphere, it is not a subresource.
type WorkspaceStatus struct{}

// Workspace groups projects, members and quotas under one tenant.
//
// Workspace names become label values, so the Client only creates names
// that are DNS-1123 labels of at most 63 characters; the schema, like
// KubeSphere's, does not check them.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=tenant
// +kubebuilder:storageversion
type Workspace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec WorkspaceSpec `json:"spec,omitempty"`
	// +optional
	Status WorkspaceStatus `json:"status,omitempty"`
}

// WorkspaceList is a list of Workspaces.
//
// +kubebuilder:object:root=true
type WorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workspace `json:"items"`
}
