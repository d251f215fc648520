package v2

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationReleaseSpec is what a release installs. The target cluster and
// namespace are not in the spec: they are the labels ClusterLabel and
// NamespaceLabel.
type ApplicationReleaseSpec struct {
	// AppID names the Application. Required.
	AppID string `json:"appID"`
	// AppVersionID names the ApplicationVersion. Required.
	AppVersionID string `json:"appVersionID"`
	// Values are the user's values, as YAML (base64 on the wire).
	Values []byte `json:"values,omitempty"`
	// AppType is how the app is packaged: AppTypeHelm, AppTypeYAML or
	// AppTypeEdge.
	AppType string `json:"appType,omitempty"`
	// Icon is the app's icon, copied for display.
	Icon string `json:"icon,omitempty"`
}

// ApplicationReleaseStatus is where an installation stands.
type ApplicationReleaseStatus struct {
	// State is one of the Status constants for releases (creating,
	// created, upgrading, upgraded, active, failed, deleting, timeout, ...).
	// Required whenever a status is written.
	State string `json:"state"`
	// Message explains State, such as the install error.
	Message string `json:"message,omitempty"`
	// SpecHash is the hash of the spec last acted on; a different hash
	// means an upgrade is due.
	SpecHash string `json:"specHash,omitempty"`
	// InstallJobName and UninstallJobName name the Jobs KubeSphere runs
	// to install and uninstall; spherekit installs in-process and leaves
	// them empty.
	InstallJobName   string `json:"installJobName,omitempty"`
	UninstallJobName string `json:"uninstallJobName,omitempty"`
	// LastUpdate is when the status last changed.
	LastUpdate metav1.Time `json:"lastUpdate,omitempty"`
	// RealTimeResources are the objects the release created, as JSON
	// documents. KubeSphere fills it only in API responses, never in the
	// stored object: the schema (KubeSphere's) types each item a base64
	// string, so the API server refuses the objects json.RawMessage writes.
	// The item markers keep that schema.
	// +kubebuilder:validation:items:Type=string
	// +kubebuilder:validation:items:Format=byte
	RealTimeResources []json.RawMessage `json:"realTimeResources,omitempty"`
}

// ApplicationRelease is an installation of an ApplicationVersion into a
// namespace of a cluster (the labels ClusterLabel and NamespaceLabel),
// created for a user (the kubesphere.io/creator annotation).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=apprls
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="workspace",type="string",JSONPath=".metadata.labels.kubesphere\\.io/workspace"
// +kubebuilder:printcolumn:name="app",type="string",JSONPath=".metadata.labels.application\\.kubesphere\\.io/app-id"
// +kubebuilder:printcolumn:name="appversion",type="string",JSONPath=".metadata.labels.application\\.kubesphere\\.io/appversion-id"
// +kubebuilder:printcolumn:name="appType",type="string",JSONPath=".spec.appType"
// +kubebuilder:printcolumn:name="Cluster",type="string",JSONPath=".metadata.labels.kubesphere\\.io/cluster"
// +kubebuilder:printcolumn:name="Namespace",type="string",JSONPath=".metadata.labels.kubesphere\\.io/namespace"
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.state"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type ApplicationRelease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationReleaseSpec   `json:"spec,omitempty"`
	Status ApplicationReleaseStatus `json:"status,omitempty"`
}

// ApplicationReleaseList is a list of ApplicationRelease.
//
// +kubebuilder:object:root=true
type ApplicationReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ApplicationRelease `json:"items"`
}
