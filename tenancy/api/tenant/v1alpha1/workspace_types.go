package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// WorkspaceSpec is the v1alpha1 form of tenantv1beta1.WorkspaceSpec.
type WorkspaceSpec struct {
	// +optional
	Manager string `json:"manager,omitempty"`
	// NetworkIsolation is a KubeSphere 3.x field that v1beta1 dropped.
	// +optional
	NetworkIsolation *bool `json:"networkIsolation,omitempty"`
}

// Workspace is tenantv1beta1.Workspace at v1alpha1.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=tenant
// +kubebuilder:deprecatedversion
type Workspace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec WorkspaceSpec `json:"spec,omitempty"`
	// +optional
	Status tenantv1beta1.WorkspaceStatus `json:"status,omitempty"`
}

// WorkspaceList is a list of Workspaces.
//
// +kubebuilder:object:root=true
type WorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workspace `json:"items"`
}
