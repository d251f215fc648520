package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RepoSpec says where a repository is and how often to read it.
type RepoSpec struct {
	// URL is the repository: an http(s):// chart repository or an oci://
	// registry path. Required.
	URL string `json:"url"`
	// Credential is how to authenticate to the repository.
	Credential RepoCredential `json:"credential,omitempty"`
	// Description is free text.
	Description string `json:"description,omitempty"`
	// SyncPeriod is the time between syncs, in seconds; 0 syncs only on
	// request. Required (null is refused), so set it even when 0.
	SyncPeriod *int `json:"syncPeriod"`
}

// RepoCredential holds what a client needs to reach a repository.
type RepoCredential struct {
	// Username and Password are for basic authentication.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// CertFile and KeyFile are the client certificate and key, in PEM.
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
	// CAFile is the CA bundle that verifies the server, in PEM.
	CAFile string `json:"caFile,omitempty"`
	// InsecureSkipTLSVerify skips verifying the server's certificate.
	InsecureSkipTLSVerify *bool `json:"insecureSkipTLSVerify,omitempty"`
}

// RepoStatus is the outcome of the last sync.
type RepoStatus struct {
	// LastUpdateTime is when the last sync ended.
	LastUpdateTime metav1.Time `json:"lastUpdateTime,omitempty"`
	// State is StatusSyncing, StatusSuccessful, StatusFailed,
	// StatusManualTrigger (a sync was requested) or StatusNosync.
	State string `json:"state,omitempty"`
}

// Repo is a Helm chart repository or OCI registry whose charts become
// Applications and ApplicationVersions labelled RepoNameLabel with the
// repo's name. A repo with the kubesphere.io/workspace label serves only
// that workspace.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,path=repos,shortName=repo
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Workspace",type="string",JSONPath=".metadata.labels.kubesphere\\.io/workspace"
// +kubebuilder:printcolumn:name="url",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.state"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type Repo struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RepoSpec   `json:"spec,omitempty"`
	Status RepoStatus `json:"status,omitempty"`
}

// RepoList is a list of Repo.
//
// +kubebuilder:object:root=true
type RepoList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Repo `json:"items"`
}
