package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// WorkspaceTemplateBody is the v1alpha2 form of the Workspace a template
// stamps out. Its metadata is an object without properties in this
// version's schema.
type WorkspaceTemplateBody struct {
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// +optional
	Spec tenantv1beta1.WorkspaceSpec `json:"spec,omitempty"`
}

// ClusterOverride is one JSON-patch-like change for one cluster.
type ClusterOverride struct {
	// +optional
	Op   string `json:"op,omitempty"`
	Path string `json:"path"`
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	Value runtime.RawExtension `json:"value,omitempty"`
}

// Override lists the changes for one cluster.
type Override struct {
	ClusterName string `json:"clusterName"`
	// +optional
	ClusterOverrides []ClusterOverride `json:"clusterOverrides,omitempty"`
}

// WorkspaceTemplateSpec is the v1alpha2 form of
// tenantv1beta1.WorkspaceTemplateSpec.
type WorkspaceTemplateSpec struct {
	Template  WorkspaceTemplateBody   `json:"template"`
	Placement tenantv1beta1.Placement `json:"placement"`
	// +optional
	Overrides []Override `json:"overrides,omitempty"`
}

// WorkspaceTemplate is tenantv1beta1.WorkspaceTemplate at v1alpha2.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=tenant
// +kubebuilder:deprecatedversion
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
