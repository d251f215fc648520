package v2beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SilenceSpec silences the alerts Matcher selects: from StartsAt, or on
// each time of the cron Schedule (which then takes precedence), for
// Duration (forever when unset).
type SilenceSpec struct {
	// Enabled turns the silence off when false.
	Enabled *bool          `json:"enabled,omitempty"`
	Matcher *LabelSelector `json:"matcher"`
	// +kubebuilder:validation:Format: date-time
	StartsAt *metav1.Time `json:"startsAt,omitempty"`
	// Schedule is a standard five-field cron expression.
	Schedule string           `json:"schedule,omitempty"`
	Duration *metav1.Duration `json:"duration,omitempty"`
}

// SilenceStatus is empty, as notification-manager's is.
type SilenceStatus struct{}

// Silence keeps the alerts it selects from being sent.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=notification-manager
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
type Silence struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SilenceSpec   `json:"spec,omitempty"`
	Status SilenceStatus `json:"status,omitempty"`
}

// SilenceList is a list of Silences.
//
// +kubebuilder:object:root=true
type SilenceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Silence `json:"items"`
}
