// Package v1beta1 holds the tenant.kubesphere.io/v1beta1 API types: the
// Workspace, KubeSphere's unit of tenancy that groups projects (namespaces),
// members and quotas.
//
// The types are wire-compatible with KubeSphere 4.x: same group, version,
// kind, JSON field names, labels, annotations and finalizers, so objects
// written by spherekit are read by a KubeSphere installation and the other way
// round.
//
// +kubebuilder:object:generate=true
// +kubebuilder:ac:generate=true
// +kubebuilder:ac:output:package=../applyconfiguration
// +groupName=tenant.kubesphere.io
package v1beta1
