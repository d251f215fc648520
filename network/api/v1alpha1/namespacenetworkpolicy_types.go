package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// NativePolicyPrefix prefixes the name of the native NetworkPolicy made from
// a NamespaceNetworkPolicy: NamespaceNetworkPolicy "web" in a project
// becomes NetworkPolicy "nsnp-web" in the same namespace.
const NativePolicyPrefix = "nsnp-"

// NamespaceNetworkPolicy is a project's network rules. Its podSelector is
// implicit (every pod of the project) and its peers name projects and
// services instead of selecting labels; spherekit's network controllers turn
// it into a native NetworkPolicy named NativePolicyPrefix+name.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:categories="networking",shortName="nsnp"
type NamespaceNetworkPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NamespaceNetworkPolicySpec `json:"spec,omitempty"`
}

// NamespaceNetworkPolicySpec is the rules of a NamespaceNetworkPolicy.
type NamespaceNetworkPolicySpec struct {
	// Ingress rules: traffic to the project's pods is allowed when it matches
	// at least one rule of any policy that governs ingress.
	Ingress []NetworkPolicyIngressRule `json:"ingress,omitempty"`
	// Egress rules: traffic from the project's pods is allowed when it
	// matches at least one rule of any policy that governs egress.
	Egress []NetworkPolicyEgressRule `json:"egress,omitempty"`
	// PolicyTypes is kept for compatibility. KubeSphere, and spherekit, decide
	// the directions from the rules instead: Ingress when ingress is set,
	// Egress when egress is set.
	PolicyTypes []networkingv1.PolicyType `json:"policyTypes,omitempty"`
}

// NetworkPolicyIngressRule allows traffic that matches both its ports and
// one of its sources. An empty ports list matches every port; an empty from
// list matches every source.
type NetworkPolicyIngressRule struct {
	Ports []NetworkPolicyPort `json:"ports,omitempty"`
	From  []NetworkPolicyPeer `json:"from,omitempty"`
}

// NetworkPolicyEgressRule allows traffic that matches both its ports and one
// of its destinations. An empty ports list matches every port; an empty to
// list matches every destination.
type NetworkPolicyEgressRule struct {
	Ports []NetworkPolicyPort `json:"ports,omitempty"`
	To    []NetworkPolicyPeer `json:"to,omitempty"`
}

// NetworkPolicyPeer is one source or destination: exactly one of a project,
// an IP block or a service. The schema accepts any combination, as
// KubeSphere's does; the network Client and webhook refuse all but one.
type NetworkPolicyPeer struct {
	// Namespace is every pod of a project.
	Namespace *NamespaceSelector `json:"namespace,omitempty"`
	// IPBlock is a range of addresses, as in a native NetworkPolicy.
	IPBlock *IPBlock `json:"ipBlock,omitempty"`
	// Service is the pods a Service selects. A Service without a selector
	// cannot be a peer.
	Service *ServiceSelector `json:"service,omitempty"`
}

// NetworkPolicyPort is a port or port range, as in a native NetworkPolicy
// (networking/v1 NetworkPolicyPort, whose schema in the Kubernetes release
// KubeSphere 3.4 was built with it keeps: protocol defaults to TCP).
type NetworkPolicyPort struct {
	// Protocol is TCP, UDP or SCTP.
	//
	// +kubebuilder:default=TCP
	Protocol *corev1.Protocol `json:"protocol,omitempty"`
	// Port is a number or a named container port; absent matches every port.
	Port *intstr.IntOrString `json:"port,omitempty"`
	// EndPort makes Port the start of a range up to EndPort, inclusive.
	EndPort *int32 `json:"endPort,omitempty"`
}

// IPBlock is a CIDR and the CIDRs inside it to leave out, as in a native
// NetworkPolicy.
type IPBlock struct {
	CIDR   string   `json:"cidr"`
	Except []string `json:"except,omitempty"`
}

// NamespaceSelector names a project.
type NamespaceSelector struct {
	Name string `json:"name"`
}

// ServiceSelector names a Service.
type ServiceSelector struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// NamespaceNetworkPolicyList is a list of NamespaceNetworkPolicies.
//
// +kubebuilder:object:root=true
type NamespaceNetworkPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NamespaceNetworkPolicy `json:"items"`
}
