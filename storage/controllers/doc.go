// Package controllers holds the storage reconcilers a host registers with
// its controller-runtime manager (SetupWithManager registers them all):
//
//   - StorageClassReconciler keeps one StorageClassCapability per
//     StorageClass (KubeSphere defined the kind and never filled it in) and
//     the class's annotations kubesphere.io/pvc-count,
//     storageclass.kubesphere.io/allow-snapshot and allow-clone;
//   - ProvisionerCapabilityReconciler keeps one ProvisionerCapability per
//     CSIDriver;
//   - VolumeSnapshotClassReconciler keeps kubesphere.io/snapshot-count on
//     every VolumeSnapshotClass (when the snapshot API is installed).
//
// AutoResizer, which a host adds on its own (it needs a VolumeStatsSource
// such as PrometheusVolumeStats), expands claims whose free space runs low
// by KubeSphere's pvc-autoresizer annotations (storage.ResizePolicyOf).
//
// What they write is storage.CapabilitiesOf's answer. Objects are named
// after their class or driver, so restarts converge on the same objects;
// a class's capability is owned by the class and removed with it.
//
// The allow-snapshot and allow-clone annotations are written with
// server-side apply under the controllers' field manager: a valid value
// someone else wrote is never overridden (DesiredFlag), and the
// controllers' own value follows the cluster (KubeSphere wrote its value
// once and never corrected it). storageclass.kubesphere.io/supported-access-modes
// is an administrator's statement the cluster cannot derive; it is read
// (storage.Capabilities.AccessModes), never written.
//
// The pvc-count and snapshot-count annotations persist counts KubeSphere
// 3.x computed on each read (4.x persists pvc-count as these do).
package controllers
