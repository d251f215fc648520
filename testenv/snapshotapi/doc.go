// Package snapshotapi provides the CustomResourceDefinitions of the CSI
// snapshot API (snapshot.storage.k8s.io: VolumeSnapshotClass,
// VolumeSnapshotContent, VolumeSnapshot and the group snapshot kinds), as
// the external-snapshotter project ships them in the config/crd folder of
// its client module, for tests that need the kinds without a snapshot
// controller:
//
//	defs, err := snapshotapi.CRDs(ctx)
//	cluster, err := testenv.Start(ctx, testenv.Options{CRDs: defs})
//
// The module version is the one this module's go.mod selects, so the
// CRDs match the Go types the tests use.
package snapshotapi
