package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ExpandMode says whether a volume can grow while in use.
type ExpandMode string

// The expand modes KubeSphere defines.
const (
	// ExpandModeUnknown: nothing the cluster exposes says whether or how
	// the volume can grow.
	ExpandModeUnknown ExpandMode = "UNKNOWN"
	// ExpandModeOffline: the volume can grow only while no pod uses it.
	ExpandModeOffline ExpandMode = "OFFLINE"
	// ExpandModeOnline: the volume can grow while pods use it.
	ExpandModeOnline ExpandMode = "ONLINE"
)

// VolumeFeature is what can be done with volumes.
type VolumeFeature struct {
	// Create: volumes are provisioned dynamically.
	Create bool `json:"create"`
	// Attach: volumes are attached to nodes before they are mounted.
	Attach bool `json:"attach"`
	// List: the driver can list its volumes.
	List bool `json:"list"`
	// Clone: a new volume can be made from an existing claim.
	Clone bool `json:"clone"`
	// Stats: the driver reports volume usage.
	Stats bool `json:"stats"`
	// Expand says whether and how volumes grow.
	Expand ExpandMode `json:"expandMode"`
}

// SnapshotFeature is what can be done with snapshots.
type SnapshotFeature struct {
	// Create: snapshots of volumes can be taken.
	Create bool `json:"create"`
	// List: the driver can list its snapshots.
	List bool `json:"list"`
}

// CapabilityFeatures are the features of a class or driver.
type CapabilityFeatures struct {
	// Topology: volumes are reachable only from some nodes.
	Topology bool            `json:"topology"`
	Volume   VolumeFeature   `json:"volume"`
	Snapshot SnapshotFeature `json:"snapshot"`
}

// PluginInfo names a CSI driver and its version.
type PluginInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// StorageClassCapability says what the StorageClass of the same name can do.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:printcolumn:name="Provisioner",type="string",JSONPath=".spec.provisioner"
// +kubebuilder:printcolumn:name="Volume",type="boolean",JSONPath=".spec.features.volume.create"
// +kubebuilder:printcolumn:name="Expand",type="string",JSONPath=".spec.features.volume.expandMode"
// +kubebuilder:printcolumn:name="Clone",type="boolean",JSONPath=".spec.features.volume.clone"
// +kubebuilder:printcolumn:name="Snapshot",type="boolean",JSONPath=".spec.features.snapshot.create"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type StorageClassCapability struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec StorageClassCapabilitySpec `json:"spec"`
}

// StorageClassCapabilitySpec is a class's provisioner and features.
type StorageClassCapabilitySpec struct {
	Provisioner string             `json:"provisioner"`
	Features    CapabilityFeatures `json:"features"`
}

// StorageClassCapabilityList is a list of StorageClassCapabilities.
//
// +kubebuilder:object:root=true
type StorageClassCapabilityList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []StorageClassCapability `json:"items"`
}

// ProvisionerCapability says what a CSI driver can do. It is named after
// the driver.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:printcolumn:name="Provisioner",type="string",JSONPath=".spec.pluginInfo.name"
// +kubebuilder:printcolumn:name="Expand",type="string",JSONPath=".spec.features.volume.expandMode"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type ProvisionerCapability struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProvisionerCapabilitySpec `json:"spec"`
}

// ProvisionerCapabilitySpec is a driver's identity and features.
type ProvisionerCapabilitySpec struct {
	PluginInfo PluginInfo         `json:"pluginInfo"`
	Features   CapabilityFeatures `json:"features"`
}

// ProvisionerCapabilityList is a list of ProvisionerCapabilities.
//
// +kubebuilder:object:root=true
type ProvisionerCapabilityList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []ProvisionerCapability `json:"items"`
}
