// Package v1alpha2 holds tenant.kubesphere.io/v1alpha2 WorkspaceTemplate:
// the version KubeSphere 3.x wrote (as a KubeFed-style federated type with
// per-cluster overrides) and KubeSphere 4.x still serves. The API server
// converts it to and from v1beta1 (the storage version) by changing
// apiVersion only, as KubeSphere's CRD does: spec.overrides, which v1beta1
// does not have, does not survive that, and template metadata written at
// v1alpha2 is dropped by its schema. New code uses package v1beta1.
//
// +kubebuilder:object:generate=true
// +groupName=tenant.kubesphere.io
package v1alpha2
