package v2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CategorySpec describes a category of the store.
type CategorySpec struct {
	// Icon is the category's icon name or URL.
	Icon string `json:"icon,omitempty"`
}

// CategoryStatus counts the category's apps.
type CategoryStatus struct {
	// Total is the number of apps labelled with the category. Required
	// whenever a status is written.
	Total int `json:"total"`
}

// Category groups the store's apps; an app names its category with
// AppCategoryNameLabel, and apps without one are in UncategorizedCategory.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=appctg
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="total",type=string,JSONPath=`.status.total`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type Category struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   CategorySpec   `json:"spec,omitempty"`
	Status CategoryStatus `json:"status,omitempty"`
}

// CategoryList is a list of Category.
//
// +kubebuilder:object:root=true
type CategoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Category `json:"items"`
}
