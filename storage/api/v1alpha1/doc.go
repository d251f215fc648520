// Package v1alpha1 holds the storage.kubesphere.io/v1alpha1 API types, wire
// compatible with KubeSphere's and with kubesphere/storageclass-accessor's:
//
//   - StorageClassCapability (one per StorageClass, named after it) and
//     ProvisionerCapability (one per CSI driver), cluster-scoped objects that
//     say what a class or driver can do. KubeSphere defined them and never
//     filled them in; storage/controllers keeps them populated from what the
//     cluster says (storage.CapabilitiesOf is the same answer without the
//     objects).
//   - Accessor, a cluster-scoped rule limiting which projects and workspaces
//     may claim volumes of one StorageClass. storage.CheckAccessor evaluates
//     one, storage/webhooks enforces them on PersistentVolumeClaims, and
//     storage.Client grants classes (GrantClass) and answers which classes a
//     project may use (UsableClasses).
//
// The annotations KubeSphere reads on StorageClasses and VolumeSnapshotClasses
// are constants here too (wellknown.go).
//
// +kubebuilder:object:generate=true
// +groupName=storage.kubesphere.io
package v1alpha1
