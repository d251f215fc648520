package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationVersionSpec describes one version of an app.
type ApplicationVersionSpec struct {
	// VersionName is the version as the package names it (a chart's
	// version). Required.
	VersionName string `json:"versionName"`
	// AppHome is the version's home page URL.
	AppHome string `json:"appHome,omitempty"`
	// Icon is the version's icon, a URL or a data URI.
	Icon string `json:"icon,omitempty"`
	// Created is when the package was published (a chart index entry's
	// created time).
	Created *metav1.Time `json:"created,omitempty"`
	// Digest is the package's digest as the repository reports it.
	Digest string `json:"digest,omitempty"`
	// AppType is how the version is packaged: AppTypeHelm, AppTypeYAML or
	// AppTypeEdge.
	AppType string `json:"appType,omitempty"`
	// Maintainer lists the package's maintainers.
	Maintainer []Maintainer `json:"maintainer,omitempty"`
	// PullURL is where the package is fetched from; empty for uploaded
	// packages, whose bytes are kept by the store.
	PullURL string `json:"pullUrl,omitempty"`
}

// Maintainer is a maintainer of a package, as a chart's metadata lists it.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// ApplicationVersionStatus is the version's place in the review workflow.
type ApplicationVersionStatus struct {
	// State is one of the ReviewStatus constants.
	State string `json:"state,omitempty"`
	// Message explains State, such as a reviewer's reason for rejecting.
	Message string `json:"message,omitempty"`
	// UserName is who made the last transition.
	UserName string `json:"userName,omitempty"`
	// Updated is when State last changed.
	Updated *metav1.Time `json:"updated,omitempty"`
}

// ApplicationVersion is one installable version of an Application, linked
// to it by AppIDLabel. Its review state decides whether it can be
// installed from the store.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=appver
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="repo",type="string",JSONPath=".metadata.labels.application\\.kubesphere\\.io/repo-name"
// +kubebuilder:printcolumn:name="workspace",type="string",JSONPath=".metadata.labels.kubesphere\\.io/workspace"
// +kubebuilder:printcolumn:name="app",type="string",JSONPath=".metadata.labels.application\\.kubesphere\\.io/app-id"
// +kubebuilder:printcolumn:name="appType",type="string",JSONPath=".spec.appType"
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.state"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type ApplicationVersion struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationVersionSpec   `json:"spec,omitempty"`
	Status ApplicationVersionStatus `json:"status,omitempty"`
}

// ApplicationVersionList is a list of ApplicationVersion.
//
// +kubebuilder:object:root=true
type ApplicationVersionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApplicationVersion `json:"items"`
}
