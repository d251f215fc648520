package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// NoProvisioner is the provisioner of classes whose volumes are made by
// hand (local volumes): nothing is provisioned dynamically.
const NoProvisioner = "kubernetes.io/no-provisioner"

// Support is a three-valued answer: the cluster says a feature is there,
// says it is not, or says nothing.
type Support int8

// The answers of Support. The zero value is SupportUnknown.
const (
	SupportUnknown Support = iota
	Supported
	Unsupported
)

func (s Support) String() string {
	switch s {
	case Supported:
		return "Supported"
	case Unsupported:
		return "Unsupported"
	default:
		return "Unknown"
	}
}

func supportOf(b bool) Support {
	if b {
		return Supported
	}
	return Unsupported
}

// Capabilities is what a StorageClass can do, as the cluster says it: each
// field names where its answer comes from, and a feature nothing in the
// cluster speaks about is SupportUnknown rather than a guess.
type Capabilities struct {
	// StorageClass and Provisioner are the class and its provisioner.
	StorageClass string
	Provisioner  string
	// CSIDriver reports whether a CSIDriver object of the provisioner's name
	// exists. Without one the provisioner is in-tree or a CSI driver that
	// did not register one, and the fields read from it are unknown.
	CSIDriver bool

	// AttachRequired is the CSIDriver's spec.attachRequired: volumes are
	// attached (ControllerPublishVolume) before they are mounted.
	AttachRequired Support
	// VolumeLifecycleModes and FSGroupPolicy are the CSIDriver's, as the
	// API server defaulted them; nil and empty without a CSIDriver.
	VolumeLifecycleModes []storagev1.VolumeLifecycleMode
	FSGroupPolicy        storagev1.FSGroupPolicy

	// Topology: the class's allowedTopologies, else the CSINode objects
	// listing the driver (with topology keys or without).
	Topology Support

	// Expansion is the class's allowVolumeExpansion: claims may grow.
	Expansion Support
	// ExpandMode says whether claims grow while in use. The CSI
	// capabilities that decide it are not in the Kubernetes API, so it is
	// UNKNOWN unless the driver's ProvisionerCapability (named after the
	// driver) says ONLINE or OFFLINE, as a driver's installer or a
	// capability prober may write it; and UNKNOWN whenever Expansion is not
	// Supported.
	ExpandMode storagev1alpha1.ExpandMode

	// Snapshot: a VolumeSnapshotClass of the driver exists (Supported);
	// none does for a CSI driver, or the snapshot API is not installed
	// (Unsupported); none does and the provisioner has no CSIDriver, or the
	// client's scheme lacks snapshot.storage.k8s.io/v1 (SupportUnknown).
	Snapshot Support
	// SnapshotClasses are the names of the driver's VolumeSnapshotClasses,
	// sorted.
	SnapshotClasses []string

	// Clone is KubeSphere's rule: volumes of a provisioner with a CSIDriver
	// can be cloned (a claim with another claim as its data source); Kubernetes
	// clones only through CSI, and whether the driver implements it is not
	// in the API. Without a CSIDriver it is unknown.
	Clone Support

	// AccessModes are the access modes the class's
	// storageclass.kubesphere.io/supported-access-modes annotation lists;
	// nil when it is missing or not a JSON list of access modes.
	AccessModes []corev1.PersistentVolumeAccessMode
}

// Features returns c as the features of a StorageClassCapability or
// ProvisionerCapability. Unknown features are false there (the CRD has
// booleans), and so are volume listing, volume statistics and snapshot
// listing, which the Kubernetes API does not expose.
func (c *Capabilities) Features() storagev1alpha1.CapabilityFeatures {
	return storagev1alpha1.CapabilityFeatures{
		Topology: c.Topology == Supported,
		Volume: storagev1alpha1.VolumeFeature{
			Create: c.Provisioner != "" && c.Provisioner != NoProvisioner,
			Attach: c.AttachRequired == Supported,
			Clone:  c.Clone == Supported,
			Expand: c.ExpandMode,
		},
		Snapshot: storagev1alpha1.SnapshotFeature{Create: c.Snapshot == Supported},
	}
}

// CapabilitiesOf reads what StorageClass sc can do from r (a cache or a
// live client whose scheme knows the built-in kinds, the spherekit API
// groups and, for snapshots, snapshot.storage.k8s.io/v1): its
// provisioner's CSIDriver, the CSINodes, the VolumeSnapshotClasses and the
// driver's ProvisionerCapability. sc need not be stored (a probe of a
// driver is a class naming it). Client.Capabilities reads the class by
// name first.
func CapabilitiesOf(ctx context.Context, r client.Reader, sc *storagev1.StorageClass) (*Capabilities, error) {
	c := &Capabilities{StorageClass: sc.Name, Provisioner: sc.Provisioner, AccessModes: accessModes(sc.Annotations[storagev1alpha1.SupportedAccessModesAnnotation])}
	c.Expansion = supportOf(sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion)

	// A provisioner that cannot be an object's name (in-tree ones hold a
	// "/") has no CSIDriver and no ProvisionerCapability.
	named := sc.Provisioner != "" && len(validation.IsDNS1123Subdomain(sc.Provisioner)) == 0
	driver := &storagev1.CSIDriver{}
	var err error
	if named {
		err = r.Get(ctx, client.ObjectKey{Name: sc.Provisioner}, driver)
	}
	switch {
	case !named || apierrors.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("get csi driver %s: %w", sc.Provisioner, err)
	default:
		c.CSIDriver = true
		c.AttachRequired = supportOf(driver.Spec.AttachRequired == nil || *driver.Spec.AttachRequired)
		c.VolumeLifecycleModes = slices.Clone(driver.Spec.VolumeLifecycleModes)
		if driver.Spec.FSGroupPolicy != nil {
			c.FSGroupPolicy = *driver.Spec.FSGroupPolicy
		}
		c.Clone = Supported
	}

	topology, err := topologyOf(ctx, r, sc)
	if err != nil {
		return nil, err
	}
	c.Topology = topology

	if err := snapshotsOf(ctx, r, c); err != nil {
		return nil, err
	}

	c.ExpandMode = storagev1alpha1.ExpandModeUnknown
	if c.Expansion == Supported && named {
		pc := &storagev1alpha1.ProvisionerCapability{}
		switch err := r.Get(ctx, client.ObjectKey{Name: sc.Provisioner}, pc); {
		case err == nil:
			if m := pc.Spec.Features.Volume.Expand; m == storagev1alpha1.ExpandModeOnline || m == storagev1alpha1.ExpandModeOffline {
				c.ExpandMode = m
			}
		case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
		default:
			return nil, fmt.Errorf("get provisioner capability %s: %w", sc.Provisioner, err)
		}
	}
	return c, nil
}

func topologyOf(ctx context.Context, r client.Reader, sc *storagev1.StorageClass) (Support, error) {
	if len(sc.AllowedTopologies) > 0 {
		return Supported, nil
	}
	if sc.Provisioner == "" {
		return SupportUnknown, nil
	}
	var nodes storagev1.CSINodeList
	if err := r.List(ctx, &nodes); err != nil {
		return SupportUnknown, fmt.Errorf("list csi nodes: %w", err)
	}
	answer := SupportUnknown
	for _, n := range nodes.Items {
		for _, d := range n.Spec.Drivers {
			if d.Name != sc.Provisioner {
				continue
			}
			if len(d.TopologyKeys) > 0 {
				return Supported, nil
			}
			answer = Unsupported
		}
	}
	return answer, nil
}

func snapshotsOf(ctx context.Context, r client.Reader, c *Capabilities) error {
	var classes snapshotv1.VolumeSnapshotClassList
	err := r.List(ctx, &classes)
	switch {
	case runtime.IsNotRegisteredError(err):
		c.Snapshot = SupportUnknown
		return nil
	case meta.IsNoMatchError(err):
		c.Snapshot = Unsupported
		return nil
	case err != nil:
		return fmt.Errorf("list volume snapshot classes: %w", err)
	}
	for _, vsc := range classes.Items {
		if vsc.Driver == c.Provisioner && c.Provisioner != "" {
			c.SnapshotClasses = append(c.SnapshotClasses, vsc.Name)
		}
	}
	slices.Sort(c.SnapshotClasses)
	switch {
	case len(c.SnapshotClasses) > 0:
		c.Snapshot = Supported
	case c.CSIDriver:
		c.Snapshot = Unsupported
	default:
		c.Snapshot = SupportUnknown
	}
	return nil
}

// accessModes parses the supported-access-modes annotation.
func accessModes(s string) []corev1.PersistentVolumeAccessMode {
	if s == "" {
		return nil
	}
	var modes []corev1.PersistentVolumeAccessMode
	if err := json.Unmarshal([]byte(s), &modes); err != nil {
		return nil
	}
	for _, m := range modes {
		switch m {
		case corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod:
		default:
			return nil
		}
	}
	return modes
}

// noSnapshotAPI reports whether err says the snapshot API is not there:
// not in the client's scheme, or not served by the cluster.
func noSnapshotAPI(err error) bool {
	return runtime.IsNotRegisteredError(err) || meta.IsNoMatchError(err)
}
