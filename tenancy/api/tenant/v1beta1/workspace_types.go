package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceWorkspaces is the plural resource name of Workspace.
const ResourceWorkspaces = "workspaces"

// WorkspaceSpec is the desired state of a Workspace.
type WorkspaceSpec struct {
	// Manager is the name of the user who administers the workspace. It must
	// be a valid user name (a DNS-1123 subdomain) when set.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Manager string `json:"manager,omitempty"`
}

// WorkspaceStatus is the observed state of a Workspace. KubeSphere keeps it
// empty; the type exists so the status subresource is part of the contract.
type WorkspaceStatus struct{}

// Workspace groups projects, members and quotas under one tenant.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=tenant
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Manager",type=string,JSONPath=`.spec.manager`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63",message="workspace names are at most 63 characters because they become label values"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="workspace names must be DNS-1123 labels: lower-case letters, digits and '-', starting and ending with a letter or digit"
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
