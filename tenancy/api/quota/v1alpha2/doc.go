// Package v1alpha2 holds the quota.kubesphere.io/v1alpha2 API types: the
// cluster-scoped ResourceQuota that limits the sum of usage across several
// namespaces, such as every project of a workspace. Wire-compatible with
// KubeSphere 4.x.
//
// No apply configurations are generated for this group: controller-gen
// v0.23's generator cannot resolve core/v1 ResourceList inside a CRD type.
// Server-side apply of a ResourceQuota uses the typed object instead.
//
// +kubebuilder:object:generate=true
// +groupName=quota.kubesphere.io
package v1alpha2
