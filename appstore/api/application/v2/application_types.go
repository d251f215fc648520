package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationSpec describes an app of the store: where it comes from and how
// it is presented. Every field is optional on the wire.
type ApplicationSpec struct {
	// AppHome is the app's home page URL.
	AppHome string `json:"appHome,omitempty"`
	// AppType is how the app is packaged: AppTypeHelm, AppTypeYAML or
	// AppTypeEdge.
	AppType string `json:"appType,omitempty"`
	// Icon is the app's icon, a URL or a data URI.
	Icon string `json:"icon,omitempty"`
	// Abstraction is a short summary of the app.
	Abstraction string `json:"abstraction,omitempty"`
	// Attachments name the stored attachments (screenshots) of the app.
	Attachments []string `json:"attachments,omitempty"`
	// Resources lists the kinds the app brings, for display.
	Resources []GroupVersionResource `json:"resources,omitempty"`
}

// GroupVersionResource names a resource an app brings. Its JSON field names
// are capitalised on the wire.
type GroupVersionResource struct {
	Group      string `json:"Group,omitempty"`
	Version    string `json:"Version,omitempty"`
	Resource   string `json:"Resource,omitempty"`
	Name       string `json:"Name,omitempty"`
	Desc       string `json:"Desc,omitempty"`
	ParentNode string `json:"ParentNode,omitempty"`
}

// ApplicationStatus is the app's place in the review workflow.
type ApplicationStatus struct {
	// State is one of the ReviewStatus constants (draft, submitted, passed,
	// rejected, suspended, active).
	State string `json:"state,omitempty"`
	// UpdateTime is when State last changed. The schema requires it
	// whenever a status is written.
	UpdateTime *metav1.Time `json:"updateTime"`
}

// Application is an app of the store: a Helm chart or a YAML app with its
// versions (ApplicationVersion objects labelled AppIDLabel with the app's
// name). It comes from a Repo (RepoNameLabel) or an upload
// (RepoNameLabel=UploadRepoName) and belongs to a workspace
// (kubesphere.io/workspace) unless it is in the store (AppStoreLabel).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=app
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="repo",type="string",JSONPath=".metadata.labels.application\\.kubesphere\\.io/repo-name"
// +kubebuilder:printcolumn:name="workspace",type="string",JSONPath=".metadata.labels.kubesphere\\.io/workspace"
// +kubebuilder:printcolumn:name="appType",type="string",JSONPath=".spec.appType"
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.state"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationSpec   `json:"spec,omitempty"`
	Status ApplicationStatus `json:"status,omitempty"`
}

// ApplicationList is a list of Application.
//
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Application `json:"items"`
}
