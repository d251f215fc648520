// Package storage answers what each StorageClass of a cluster can do and
// which projects may use it, from what the cluster really has.
//
// Start from Client (NewClient over a controller-runtime client):
//
//   - Capabilities: the typed facts of a class (CapabilitiesOf reads them
//     from any reader, such as a manager's cache): its provisioner and
//     allowVolumeExpansion, its CSIDriver (attachRequired, volume lifecycle
//     modes, fsGroup policy), topology from CSINodes, snapshot support from
//     the driver's VolumeSnapshotClasses, clone support by KubeSphere's rule
//     (a CSIDriver exists) and the expand mode when the cluster says it.
//     What the cluster does not say is SupportUnknown, never a guess.
//   - GrantClass and UsableClasses: Accessors (storage.kubesphere.io), the
//     rules kubesphere/storageclass-accessor enforces on claims. GrantClass
//     lets workspaces and projects use a class; UsableClasses answers
//     "which classes may project P use?"; ValidateAccessor checks an
//     Accessor before it is written.
//
// CheckAccessor is the evaluation of one Accessor, pure and exported, and
// AccessorIndex the same decision over many, indexed by class with values
// compiled into sets (the webhook's hot path; see BENCHMARKS.md).
//
// storage/controllers keeps KubeSphere's StorageClassCapability and
// ProvisionerCapability objects and StorageClass annotations populated;
// storage/webhooks refuses claims an Accessor forbids. The API types are in
// storage/api/v1alpha1.
//
// Snapshot, restore, clone and expansion operations come later: they need
// a CSI driver and its sidecars in the tests.
package storage
