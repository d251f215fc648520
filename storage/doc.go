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
//
//   - GrantClass and UsableClasses: Accessors (storage.kubesphere.io), the
//     rules kubesphere/storageclass-accessor enforces on claims. GrantClass
//     lets workspaces and projects use a class; UsableClasses answers
//     "which classes may project P use?"; ValidateAccessor checks an
//     Accessor before it is written.
//
//   - Volumes: CreateSnapshot, RestoreSnapshot (a new claim from a
//     snapshot), CloneVolume and ExpandVolume refuse, before writing, what
//     the class cannot do (an *InvalidError wrapping ErrUnsupported) and bad
//     input (an *InvalidError naming the field), and a class the project
//     may not use (*AccessDeniedError). With Wait they wait, bounded by
//     ctx, for the snapshot to be ready or the claim to be bound; what did
//     not get there is deleted and reported as a *FailedError carrying what
//     the cluster said. ExpandVolume always waits for the new capacity.
//     WaitForSnapshot, WaitForClaim, DeleteSnapshot, ListSnapshots and
//     ListVolumes (the resources API's query semantics, with KubeSphere's
//     snapshot statuses and its in-use and allow-snapshot annotations) and
//     VolumeUsers complete them.
//
// ClientOptions.OnBehalfOf makes a Client act for a portal's user: every
// operation asks the authorizer about each request it needs, reads
// included, and refuses with a *ForbiddenError before doing anything.
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
// The tests run every volume operation on a real CSI stack: the
// external-provisioner, external-snapshotter and external-resizer sidecars
// and the snapshot-controller, built from their modules, in front of
// testenv/csi's hostpath driver, which is spherekit's own (no ready-made
// driver can be built here) and passes the CSI project's csi-sanity.
package storage
