// Package v1alpha2 holds the gateway.kubesphere.io/v1alpha2 API types, wire
// compatible with KubeSphere 4.1's: IngressClassScope, a cluster-scoped
// object that offers one IngressClass (a gateway run outside KubeSphere,
// such as an ingress controller an administrator installed) to the
// namespaces of its scope. Consoles ask which ingress classes a namespace
// may use; network/gateways answers that question (AvailableIngressClasses)
// and writes IngressClassScopes (ShareIngressClass).
//
// +kubebuilder:object:generate=true
// +groupName=gateway.kubesphere.io
package v1alpha2
