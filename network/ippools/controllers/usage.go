package controllers

import (
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// windowsReservedHandle is the handle Calico reserves addresses under for
// Windows networking; such addresses count as reserved, not allocated.
const windowsReservedHandle = "windows-reserved-ipam-handle"

// CalicoUsage returns pool's status as the backend reports it from
// Calico's IPAMBlocks (crd.projectcalico.org/v1): capacity is the number of
// addresses of the CIDR (KubeSphere's); of the blocks inside the CIDR, an
// address with a holder is allocated, one without a handle or held by
// Windows' reservation is reserved, as KubeSphere's provider counts them;
// allocations are credited to the workspace of the namespace recorded on
// them (workspaceOf), and workspaces with none are left out. Synced is
// left as pool has it.
func CalicoUsage(pool *networkv1alpha1.IPPool, blocks []unstructured.Unstructured, workspaceOf func(namespace string) string) networkv1alpha1.IPPoolStatus {
	st := networkv1alpha1.IPPoolStatus{Synced: pool.Status.Synced}
	st.Capacity, _, _ = ippools.Addresses(networkv1alpha1.IPPoolSpec{Type: pool.Spec.Type, CIDR: pool.Spec.CIDR})
	prefix, err := netip.ParsePrefix(pool.Spec.CIDR)
	if err != nil {
		return st
	}
	prefix = prefix.Masked()
	for i := range blocks {
		b := blocks[i].Object
		cidr, _, _ := unstructured.NestedString(b, "spec", "cidr")
		bp, err := netip.ParsePrefix(cidr)
		if err != nil || !prefix.Overlaps(bp.Masked()) {
			continue
		}
		allocations, _, _ := unstructured.NestedSlice(b, "spec", "allocations")
		attributes, _, _ := unstructured.NestedSlice(b, "spec", "attributes")
		for _, a := range allocations {
			idx, ok := asInt(a)
			if !ok {
				continue // free
			}
			var attr map[string]any
			if idx >= 0 && idx < len(attributes) {
				attr, _ = attributes[idx].(map[string]any)
			}
			handle, _ := attr["handle_id"].(string)
			if handle == "" || strings.EqualFold(handle, windowsReservedHandle) {
				st.Reserved++
				continue
			}
			st.Allocations++
			secondary, _ := attr["secondary"].(map[string]any)
			ns, _ := secondary["namespace"].(string)
			if ws := workspaceOf(ns); ns != "" && ws != "" {
				if st.Workspaces == nil {
					st.Workspaces = map[string]networkv1alpha1.WorkspaceStatus{}
				}
				w := st.Workspaces[ws]
				w.Allocations++
				st.Workspaces[ws] = w
			}
		}
	}
	st.Unallocated = max(st.Capacity-st.Allocations-st.Reserved, 0)
	return st
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		return int(n), true
	case float64:
		return int(n), true
	case int:
		return n, true
	}
	return 0, false
}
