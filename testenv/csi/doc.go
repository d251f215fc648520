// Package csi runs a real CSI storage stack for tests against a testenv
// cluster: a CSI driver and the Kubernetes CSI sidecars, so that claims are
// really provisioned, snapshots really become readyToUse, restores and
// clones really copy data, and expansions really change a volume's
// capacity, all through the real kube-apiserver and controllers.
//
// Start from Start, once per test package in TestMain, after a cluster with
// simulated nodes (kube-controller-manager binds the claims):
//
//	cluster, _ := testenv.Start(ctx, testenv.Options{Nodes: 1})
//	driver, _ := csi.Start(ctx, cluster, csi.Options{})
//	defer driver.Stop()
//
// Then make a StorageClass whose provisioner is driver.Name() (and a
// VolumeSnapshotClass whose driver is driver.Name() for snapshots), and
// work with claims as on any cluster. Driver.VolumeDir gives the folder of
// a volume (a PersistentVolume's spec.csi.volumeHandle), so a test can put
// data into a volume and read back what a restore or a clone copied.
//
// # Which part is whose
//
// The driver is spherekit's own (internal/hostpath): a small hostpath
// driver, written here because the module proxy serves no ready-made one
// (csi-driver-host-path, csi-driver-nfs and local-path-provisioner are
// refused). Volumes are folders under Driver.Root, capacities are recorded
// numbers, snapshots are copies of a volume's folder, restores and clones
// copy files; publishing on a node makes a symbolic link, with no staging
// and no mounts (testenv's nodes are kwok's: no kubelet ever mounts a
// volume, and csi-sanity is the only caller of the node service). It
// runs in the test process and speaks CSI over unix sockets in a work
// folder. The CSI project's conformance suite, csi-sanity
// (github.com/kubernetes-csi/csi-test/v5 v5.4.0), checks it in this
// package's tests.
//
// Everything else is upstream and real, built from source through the Go
// module proxy by testenv's cached, locked provisioning (the first start
// builds them, minutes; see testenv/internal/provision's typical build
// times), and run as child processes with the cluster's kubeconfig, leader
// election off, logging to files in the work folder (Driver.LogTail gives
// their last lines):
//
//   - external-provisioner (csi-provisioner, ProvisionerVersion) creates and
//     deletes volumes for claims, from snapshots and from other claims;
//   - external-snapshotter (SnapshotterVersion): the csi-snapshotter
//     sidecar cuts snapshots, and the snapshot-controller, which is
//     cluster-wide, binds VolumeSnapshots to their contents; it runs once
//     per cluster however many drivers do, started by the first driver and
//     stopped with the last;
//   - external-resizer (csi-resizer, ResizerVersion) expands volumes; the
//     driver needs no node expansion, so a claim finishes resizing without
//     a kubelet;
//   - the VolumeSnapshot, VolumeSnapshotContent and VolumeSnapshotClass
//     CRDs (snapshot.storage.k8s.io/v1) come from the external-snapshotter
//     client module in the version go.mod selects (testenv/snapshotapi);
//     Start installs them when missing.
//
// Start creates the CSIDriver object (attachRequired false, Persistent
// volumes); Stop deletes it and ends the sidecars. Options.DisableSnapshots,
// DisableClones and DisableExpansion make a driver that lacks the
// capability, as many do: it refuses those calls, and its csi-snapshotter
// or csi-resizer does not run (each exits when its driver lacks the
// capability). Two drivers with different names run side by side in one
// cluster.
//
// A driver keeps its records of volumes and snapshots in memory: they live
// as long as the Driver, and Stop removes the work folder with every volume.
package csi
