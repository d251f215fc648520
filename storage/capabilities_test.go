package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// world is what a capability case puts in the cluster for its driver.
type world struct {
	csiDriver     *storagev1.CSIDriverSpec // nil: no CSIDriver
	snapshotClass bool                     // a VolumeSnapshotClass of the driver
	nodeTopology  []string                 // a CSINode listing the driver with these keys; nil: none
	nodeListed    bool                     // a CSINode lists the driver (with nodeTopology)
	expandMode    storagev1alpha1.ExpandMode
	class         func(*storagev1.StorageClass)
}

func TestCapabilities(t *testing.T) {
	defaults := &storagev1.CSIDriverSpec{}
	noAttach := &storagev1.CSIDriverSpec{AttachRequired: ptr.To(false), FSGroupPolicy: ptr.To(storagev1.FileFSGroupPolicy),
		VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent, storagev1.VolumeLifecycleEphemeral}}
	expandable := func(c *storagev1.StorageClass) { c.AllowVolumeExpansion = ptr.To(true) }
	tests := []struct {
		name     string
		inTree   string // provisioner when not a fresh CSI driver name
		world    world
		want     storage.Capabilities // StorageClass and Provisioner are filled in
		features storagev1alpha1.CapabilityFeatures
	}{
		{
			name:  "csi driver with a snapshot class and defaults",
			world: world{csiDriver: defaults, snapshotClass: true},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Supported,
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy,
				Expansion:            storage.Unsupported, ExpandMode: storagev1alpha1.ExpandModeUnknown,
				Snapshot: storage.Supported, Clone: storage.Supported},
			features: storagev1alpha1.CapabilityFeatures{
				Volume:   storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown},
				Snapshot: storagev1alpha1.SnapshotFeature{Create: true}},
		},
		{
			name:  "csi driver without a snapshot class, no attach, file fsGroup, ephemeral too",
			world: world{csiDriver: noAttach},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Unsupported,
				VolumeLifecycleModes: noAttach.VolumeLifecycleModes, FSGroupPolicy: storagev1.FileFSGroupPolicy,
				Expansion: storage.Unsupported, ExpandMode: storagev1alpha1.ExpandModeUnknown,
				Snapshot: storage.Unsupported, Clone: storage.Supported},
			features: storagev1alpha1.CapabilityFeatures{
				Volume: storagev1alpha1.VolumeFeature{Create: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown}},
		},
		{
			name:  "expandable class, mode unknown without a ProvisionerCapability saying it",
			world: world{csiDriver: defaults, class: expandable},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Supported,
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy,
				Expansion:            storage.Supported, ExpandMode: storagev1alpha1.ExpandModeUnknown,
				Snapshot: storage.Unsupported, Clone: storage.Supported},
			features: storagev1alpha1.CapabilityFeatures{
				Volume: storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown}},
		},
		{
			name:  "expandable class whose driver's ProvisionerCapability says ONLINE",
			world: world{csiDriver: defaults, class: expandable, expandMode: storagev1alpha1.ExpandModeOnline},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Supported,
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy,
				Expansion:            storage.Supported, ExpandMode: storagev1alpha1.ExpandModeOnline,
				Snapshot: storage.Unsupported, Clone: storage.Supported},
			features: storagev1alpha1.CapabilityFeatures{
				Volume: storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeOnline}},
		},
		{
			name:  "a class that does not expand ignores the driver's OFFLINE",
			world: world{csiDriver: defaults, expandMode: storagev1alpha1.ExpandModeOffline},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Supported,
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy,
				Expansion:            storage.Unsupported, ExpandMode: storagev1alpha1.ExpandModeUnknown,
				Snapshot: storage.Unsupported, Clone: storage.Supported},
			features: storagev1alpha1.CapabilityFeatures{
				Volume: storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown}},
		},
		{
			name: "topology from a CSINode with keys, access modes from the annotation",
			world: world{csiDriver: defaults, nodeListed: true, nodeTopology: []string{"topology.example.com/zone"}, class: func(c *storagev1.StorageClass) {
				c.Annotations = map[string]string{storagev1alpha1.SupportedAccessModesAnnotation: `["ReadWriteOnce","ReadOnlyMany"]`}
			}},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Supported,
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy, Topology: storage.Supported,
				Expansion: storage.Unsupported, ExpandMode: storagev1alpha1.ExpandModeUnknown,
				Snapshot: storage.Unsupported, Clone: storage.Supported,
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany}},
			features: storagev1alpha1.CapabilityFeatures{Topology: true,
				Volume: storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown}},
		},
		{
			name: "a CSINode without topology keys, an access-modes annotation that does not parse",
			world: world{csiDriver: defaults, nodeListed: true, class: func(c *storagev1.StorageClass) {
				c.Annotations = map[string]string{storagev1alpha1.SupportedAccessModesAnnotation: `["ReadWriteSometimes"]`}
			}},
			want: storage.Capabilities{CSIDriver: true, AttachRequired: storage.Supported,
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				FSGroupPolicy:        storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy, Topology: storage.Unsupported,
				Expansion: storage.Unsupported, ExpandMode: storagev1alpha1.ExpandModeUnknown,
				Snapshot: storage.Unsupported, Clone: storage.Supported},
			features: storagev1alpha1.CapabilityFeatures{
				Volume: storagev1alpha1.VolumeFeature{Create: true, Attach: true, Clone: true, Expand: storagev1alpha1.ExpandModeUnknown}},
		},
		{
			name:   "in-tree provisioner: honest unknowns",
			inTree: "kubernetes.io/aws-ebs",
			world:  world{class: expandable},
			want:   storage.Capabilities{Expansion: storage.Supported, ExpandMode: storagev1alpha1.ExpandModeUnknown},
			features: storagev1alpha1.CapabilityFeatures{
				Volume: storagev1alpha1.VolumeFeature{Create: true, Expand: storagev1alpha1.ExpandModeUnknown}},
		},
		{
			name:   "no provisioner: nothing is created, topology from allowedTopologies",
			inTree: storage.NoProvisioner,
			world: world{class: func(c *storagev1.StorageClass) {
				c.AllowedTopologies = []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "kubernetes.io/hostname", Values: []string{"n1"}}}}}
			}},
			want:     storage.Capabilities{Topology: storage.Supported, Expansion: storage.Unsupported, ExpandMode: storagev1alpha1.ExpandModeUnknown},
			features: storagev1alpha1.CapabilityFeatures{Topology: true, Volume: storagev1alpha1.VolumeFeature{Expand: storagev1alpha1.ExpandModeUnknown}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			driver := name("drv") + ".csi.example.com"
			if tt.inTree != "" {
				driver = tt.inTree
			}
			w := tt.world
			if w.csiDriver != nil {
				create(t, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: driver}, Spec: *w.csiDriver.DeepCopy()})
			}
			if w.snapshotClass {
				create(t, &snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: name("vsc")}, Driver: driver, DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete})
			}
			// Another driver's snapshot class never counts.
			create(t, &snapshotv1.VolumeSnapshotClass{ObjectMeta: metav1.ObjectMeta{Name: name("vsc")}, Driver: "other." + driver, DeletionPolicy: snapshotv1.VolumeSnapshotContentDelete})
			if w.nodeListed {
				create(t, &storagev1.CSINode{ObjectMeta: metav1.ObjectMeta{Name: name("node")}, Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{{Name: driver, NodeID: "n1", TopologyKeys: w.nodeTopology}}}})
			}
			if w.expandMode != "" {
				create(t, &storagev1alpha1.ProvisionerCapability{ObjectMeta: metav1.ObjectMeta{Name: driver}, Spec: storagev1alpha1.ProvisionerCapabilitySpec{
					PluginInfo: storagev1alpha1.PluginInfo{Name: driver}, Features: storagev1alpha1.CapabilityFeatures{Volume: storagev1alpha1.VolumeFeature{Expand: w.expandMode}}}})
			}
			mutate := []func(*storagev1.StorageClass){}
			if w.class != nil {
				mutate = append(mutate, w.class)
			}
			cls := class(t, driver, mutate...)

			got, err := sc.Capabilities(ctx, cls)
			require.NoError(t, err)
			want := tt.want
			want.StorageClass, want.Provisioner = cls, driver
			if w.snapshotClass {
				require.Len(t, got.SnapshotClasses, 1)
				want.SnapshotClasses = got.SnapshotClasses
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("capabilities (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.features, got.Features()); diff != "" {
				t.Errorf("features (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCapabilitiesErrors(t *testing.T) {
	ctx := context.Background()
	_, err := sc.Capabilities(ctx, "no-such-class")
	var nf *storage.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "class", nf.Field)
	assert.Equal(t, "StorageClass", nf.Kind)
	assert.True(t, errors.Is(err, storage.ErrNotFound))
	assert.True(t, apierrors.IsNotFound(err))

	_, err = sc.Capabilities(ctx, "")
	var inv *storage.InvalidError
	require.ErrorAs(t, err, &inv)
	assert.Equal(t, "class", inv.Field)
}

func TestSupportString(t *testing.T) {
	for s, want := range map[storage.Support]string{storage.SupportUnknown: "Unknown", storage.Supported: "Supported", storage.Unsupported: "Unsupported"} {
		assert.Equal(t, want, s.String())
	}
}
