package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels KubeSphere puts on IPPools, and the finalizer it keeps on them.
const (
	// IPPoolTypeLabel carries the pool's type (IPPoolTypeLocal,
	// IPPoolTypeCalico or IPPoolTypeNone).
	IPPoolTypeLabel = "ippool.network.kubesphere.io/type"
	// IPPoolNameLabel carries the pool's name.
	IPPoolNameLabel = "ippool.network.kubesphere.io/name"
	// IPPoolIDLabel carries the pool's numeric ID.
	IPPoolIDLabel = "ippool.network.kubesphere.io/id"
	// IPPoolDefaultLabel marks the default pool (at most one).
	IPPoolDefaultLabel = "ippool.network.kubesphere.io/default"
	// IPPoolFinalizer holds a pool until its addresses are released.
	IPPoolFinalizer = "finalizers.network.kubesphere.io/ippool"
)

// Pool types as KubeSphere labels them.
const (
	IPPoolTypeNone   = "none"
	IPPoolTypeLocal  = "local"
	IPPoolTypeCalico = "calico"
)

// IPPool is a cluster-scoped range of pod addresses, optionally assigned to a
// workspace (label kubesphere.io/workspace).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:subresource:status
type IPPool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   IPPoolSpec   `json:"spec,omitempty"`
	Status IPPoolStatus `json:"status,omitempty"`
}

// IPPoolSpec is the range and settings of a pool.
type IPPoolSpec struct {
	// Type is the backend: "calico", "vlan", "porter" or "pod" (KubeSphere
	// 3.x's spellings); its IPPoolTypeLabel says local, calico or none.
	Type string `json:"type"`
	// CIDR is the pool's network, e.g. 10.233.64.0/18.
	CIDR string `json:"cidr"`
	// RangeStart is the first usable address; those before it are reserved.
	RangeStart string `json:"rangeStart,omitempty"`
	// RangeEnd is the last usable address; those after it are reserved.
	RangeEnd string `json:"rangeEnd,omitempty"`
	// Disabled pools hand out no new addresses.
	Disabled bool `json:"disabled,omitempty"`
	// BlockSize is the prefix length of the blocks the pool is cut into.
	BlockSize int `json:"blockSize,omitempty"`
	// VLAN is the VLAN of a "vlan" pool.
	VLAN VLANConfig `json:"vlanConfig,omitempty"`
	// Gateway is the pool's default gateway.
	Gateway string `json:"gateway,omitempty"`
	// Routes are extra routes for pods with an address from this pool.
	Routes []Route `json:"routes,omitempty"`
	// DNS is the resolver configuration for those pods.
	DNS DNS `json:"dns,omitempty"`
}

// VLANConfig is a VLAN on a host interface.
type VLANConfig struct {
	VlanID int32  `json:"vlanId"`
	Master string `json:"master"`
}

// Route is a destination network and the gateway to it.
type Route struct {
	Dst     string `json:"dst,omitempty"`
	Gateway string `json:"gateway,omitempty"`
}

// DNS is a resolver configuration.
type DNS struct {
	Nameservers []string `json:"nameservers,omitempty"`
	Domain      string   `json:"domain,omitempty"`
	Search      []string `json:"search,omitempty"`
	Options     []string `json:"options,omitempty"`
}

// IPPoolStatus is a pool's usage.
type IPPoolStatus struct {
	// Unallocated is how many addresses are free.
	Unallocated int `json:"unallocated"`
	// Allocations is how many addresses are in use.
	Allocations int `json:"allocations"`
	// Capacity is how many addresses the pool has, reserved ones included.
	Capacity int `json:"capacity"`
	// Reserved is how many addresses lie outside RangeStart..RangeEnd.
	Reserved int `json:"reserved,omitempty"`
	// Synced is true once the backend has the pool.
	Synced bool `json:"synced,omitempty"`
	// Workspaces is the usage per workspace.
	Workspaces map[string]WorkspaceStatus `json:"workspaces,omitempty"`
}

// WorkspaceStatus is a workspace's use of a pool.
type WorkspaceStatus struct {
	Allocations int `json:"allocations"`
}

// IPPoolList is a list of IPPools.
//
// +kubebuilder:object:root=true
type IPPoolList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []IPPool `json:"items"`
}
