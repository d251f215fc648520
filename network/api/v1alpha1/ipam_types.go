package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IPAMBlock is a block of a pool's addresses and who holds each of them, as
// KubeSphere's own IPAM records it. spherekit reads these to report a pool's
// usage; it does not allocate addresses itself.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
type IPAMBlock struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec IPAMBlockSpec `json:"spec,omitempty"`
}

// IPAMBlockSpec is a block's addresses.
type IPAMBlockSpec struct {
	// ID is the ID of the pool the block belongs to.
	ID int32 `json:"id"`
	// CIDR is the block's network.
	CIDR string `json:"cidr"`
	// Allocations has one entry per address of the block: the index of its
	// holder in Attributes, or null when the address is free.
	Allocations []*int `json:"allocations"`
	// Unallocated lists the free addresses by ordinal.
	Unallocated []int `json:"unallocated"`
	// Attributes are the holders of the block's addresses.
	Attributes []AllocationAttribute `json:"attributes"`
	// Deleted marks a block being released.
	Deleted bool `json:"deleted"`
}

// AllocationAttribute is a holder of addresses: a handle and its details
// (pod, namespace, workspace, node, pool).
type AllocationAttribute struct {
	HandleID  string            `json:"handle_id,omitempty"`
	Secondary map[string]string `json:"secondary,omitempty"`
}

// IPAMBlockList is a list of IPAMBlocks.
//
// +kubebuilder:object:root=true
type IPAMBlockList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []IPAMBlock `json:"items"`
}

// IPAMHandle is one holder's addresses across blocks.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
type IPAMHandle struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec IPAMHandleSpec `json:"spec,omitempty"`
}

// IPAMHandleSpec is a handle's addresses: how many it holds in each block.
type IPAMHandleSpec struct {
	HandleID string         `json:"handleID"`
	Block    map[string]int `json:"block"`
	Deleted  bool           `json:"deleted"`
}

// IPAMHandleList is a list of IPAMHandles.
//
// +kubebuilder:object:root=true
type IPAMHandleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata"`
	Items           []IPAMHandle `json:"items"`
}
