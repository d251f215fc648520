// Package hostpath is spherekit's own small CSI driver for tests: volumes
// are folders under a root folder on this machine, and it speaks the CSI
// gRPC protocol (github.com/container-storage-interface/spec, the version
// the Kubernetes CSI sidecars are built with) over unix sockets, so the
// real sidecars (external-provisioner, external-snapshotter,
// external-resizer) drive it exactly as they drive a production driver.
// testenv/csi runs it with those sidecars against a testenv cluster; the
// CSI project's conformance suite, csi-sanity, checks it in that package's
// tests.
//
// What it does, service by service:
//
//   - Identity: its name and version; the controller service; online
//     volume expansion unless expansion is switched off. Probe always
//     answers ready.
//   - Controller: CreateVolume makes a folder <root>/volumes/<id> and
//     records the capacity the request's capacity_range asks for (1 GiB
//     when it asks for none; nothing is allocated or enforced). A
//     volume_content_source snapshot copies the snapshot's files into the
//     new folder (a restore); a volume source copies the source volume's
//     files (a clone). CreateSnapshot copies the volume's folder into
//     <root>/snapshots/<id> and reports the snapshot ready at once, sized
//     as the volume's capacity. ControllerExpandVolume raises the recorded
//     capacity and never needs the node (node_expansion_required is false),
//     so a claim finishes resizing without a kubelet. ListVolumes and
//     ListSnapshots page as the spec says (an unknown starting_token is
//     ABORTED). DeleteVolume and DeleteSnapshot of unknown ids succeed.
//     Only mount volumes are offered: a block access type is refused.
//     ControllerPublish, GetCapacity, ControllerGetVolume and
//     ControllerModifyVolume are not offered (CSIDriver attachRequired is
//     false).
//   - Node: NodePublishVolume makes the target path a symbolic link to the
//     volume's folder, and NodeUnpublishVolume removes it: no mount and no
//     bind mount, so nothing needs privileges, and read-only publishing is
//     not enforced. There is no staging (NodeStageVolume is not offered)
//     and no node expansion. NodeGetVolumeStats reports the bytes of the
//     files in a published volume against its recorded capacity.
//
// Errors carry the gRPC codes the CSI spec gives each case: INVALID_ARGUMENT
// for a missing field or an unsupported capability or source, NOT_FOUND for
// an unknown volume, snapshot or source, ALREADY_EXISTS for a name reused
// with other parameters, OUT_OF_RANGE for a capacity it cannot give,
// ABORTED for a bad paging token, UNIMPLEMENTED for a switched-off
// capability.
//
// Options.DisableSnapshots, DisableClones and DisableExpansion take the
// matching capabilities away, so a test can run a second driver that cannot
// snapshot, clone or expand. The driver keeps its records in memory: they
// live as long as the Driver, while the folders stay on disk until the
// root folder is removed.
package hostpath
