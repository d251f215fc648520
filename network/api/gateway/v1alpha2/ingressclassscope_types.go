package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ResourceIngressClassScopes is the resource name of IngressClassScope.
const ResourceIngressClassScopes = "ingressclassscopes"

// ServiceNameAnnotation, on an IngressClassScope, names the Service in front
// of the gateway that serves the ingress class, as "<namespace>/<name>".
// KubeSphere reports that Service's load-balancer addresses and ports with
// the scope; so does network/gateways.
const ServiceNameAnnotation = "gateway.kubesphere.io/service-name"

// IngressClassScope offers an ingress class to the namespaces of its scope.
// It is cluster-scoped. KubeSphere keeps whatever a gateway controller
// reports in status, which has no fixed schema.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
type IngressClassScope struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec IngressClassScopeSpec `json:"spec,omitempty"`

	// Status is free-form.
	//
	// +kubebuilder:pruning:PreserveUnknownFields
	Status runtime.RawExtension `json:"status,omitempty"`
}

// IngressClassScopeSpec says which ingress class is offered, and where.
type IngressClassScopeSpec struct {
	// Scope is the namespaces the class is offered to.
	Scope Scope `json:"scope,omitempty"`
	// IngressClass is the class offered.
	IngressClass IngressClass `json:"ingressClass,omitempty"`
}

// Scope selects namespaces. With neither field set it selects every
// namespace; with Namespaces set, exactly those (NamespaceSelector is then
// ignored); otherwise the namespaces whose labels NamespaceSelector
// matches.
type Scope struct {
	// Namespaces lists namespaces by name.
	//
	// +optional
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceSelector is a label selector in its string form, such as
	// "kubesphere.io/workspace=team-a" or "env in (prod,staging)".
	//
	// +optional
	NamespaceSelector string `json:"namespaceSelector,omitempty"`
}

// IngressClass names a networking.k8s.io/v1 IngressClass.
type IngressClass struct {
	// Name is the IngressClass's name.
	Name string `json:"name,omitempty"`
	// Default marks the class a console preselects for the scope's
	// namespaces.
	Default bool `json:"default,omitempty"`
}

// IngressClassScopeList is a list of IngressClassScopes.
//
// +kubebuilder:object:root=true
type IngressClassScopeList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []IngressClassScope `json:"items"`
}
