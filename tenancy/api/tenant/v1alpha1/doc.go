// Package v1alpha1 holds tenant.kubesphere.io/v1alpha1 Workspace: the
// version KubeSphere 3.x wrote and KubeSphere 4.x still serves. The API
// server converts it to and from v1beta1 (the storage version) by changing
// apiVersion only, as KubeSphere's CRD does; spec.networkIsolation, which
// v1beta1 does not have, does not survive that. New code uses package
// v1beta1.
//
// +kubebuilder:object:generate=true
// +groupName=tenant.kubesphere.io
package v1alpha1
