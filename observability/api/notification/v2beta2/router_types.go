package v2beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Channel is a tenant and the channel types (email, slack, webhook, ...)
// a router sends them on.
type Channel struct {
	Tenant string   `json:"tenant"`
	Type   []string `json:"type,omitempty"`
}

// ReceiverSelector says which receivers a router sends to: by name, by a
// regular expression on the name, by labels, by tenant channels, and of
// which channel type.
type ReceiverSelector struct {
	Name      []string       `json:"name,omitempty"`
	RegexName string         `json:"regexName,omitempty"`
	Selector  *LabelSelector `json:"selector,omitempty"`
	Channels  []Channel      `json:"channels,omitempty"`
	Type      string         `json:"type,omitempty"`
}

// RouterSpec routes the alerts AlertSelector selects to Receivers.
type RouterSpec struct {
	// Enabled turns the router off when false.
	Enabled       *bool            `json:"enabled,omitempty"`
	AlertSelector *LabelSelector   `json:"alertSelector"`
	Receivers     ReceiverSelector `json:"receivers"`
}

// RouterStatus is empty, as notification-manager's is.
type RouterStatus struct{}

// Router sends the alerts it selects to receivers.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=notification-manager
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
type Router struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RouterSpec   `json:"spec,omitempty"`
	Status RouterStatus `json:"status,omitempty"`
}

// RouterList is a list of Routers.
//
// +kubebuilder:object:root=true
type RouterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Router `json:"items"`
}
