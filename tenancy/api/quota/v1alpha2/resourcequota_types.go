package v1alpha2

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceResourceQuotas is the plural resource name of ResourceQuota.
const ResourceResourceQuotas = "resourcequotas"

// ResourceQuotaSpec is the desired state of a ResourceQuota.
type ResourceQuotaSpec struct {
	// Selector chooses the namespaces whose usage counts against the quota,
	// by their labels. A workspace quota selects
	// {"kubesphere.io/workspace": "<workspace>"}. The Client refuses an
	// empty selector (it would select every namespace); the schema, like
	// KubeSphere's, does not.
	Selector map[string]string `json:"selector"`
	// Quota holds the limits, in the form of a core ResourceQuota.
	Quota corev1.ResourceQuotaSpec `json:"quota"`
}

// ResourceQuotaStatusByNamespace is the usage of one selected namespace.
type ResourceQuotaStatusByNamespace struct {
	corev1.ResourceQuotaStatus `json:",inline"`
	Namespace                  string `json:"namespace"`
}

// ResourceQuotaStatus is the observed usage, in total and per namespace.
// KubeSphere's schema requires both fields once a status is written, so a
// nil Namespaces is written as an empty list, never null (see MarshalJSON).
type ResourceQuotaStatus struct {
	Total      corev1.ResourceQuotaStatus       `json:"total"`
	Namespaces []ResourceQuotaStatusByNamespace `json:"namespaces"`
}

// ResourceQuota limits the aggregate usage of every namespace its selector
// matches.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=quota
// +kubebuilder:subresource:status
type ResourceQuota struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ResourceQuotaSpec `json:"spec"`
	// +optional
	Status ResourceQuotaStatus `json:"status,omitempty"`
}

// ResourceQuotaList is a list of ResourceQuotas.
//
// +kubebuilder:object:root=true
type ResourceQuotaList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ResourceQuota `json:"items"`
}
