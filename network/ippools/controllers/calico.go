package controllers

import (
	"net/netip"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// Calico's kinds the backend writes and reads.
var (
	CalicoIPPoolGVK    = schema.GroupVersionKind{Group: "crd.projectcalico.org", Version: "v1", Kind: "IPPool"}
	CalicoIPAMBlockGVK = schema.GroupVersionKind{Group: "crd.projectcalico.org", Version: "v1", Kind: "IPAMBlock"}
)

// Calico's IP-in-IP and VXLAN modes.
const (
	EncapAlways      = "Always"
	EncapCrossSubnet = "CrossSubnet"
	EncapNever       = "Never"
)

// CalicoSettings are the encapsulation and NAT settings of the Calico
// IPPools the backend writes. KubeSphere reads them from the calico-node
// DaemonSet's environment (CalicoSettingsFromDaemonSet).
type CalicoSettings struct {
	// IPIPMode and VXLANMode are Calico's modes ("Always", "CrossSubnet",
	// "Never"); empty means KubeSphere's defaults, Always and Never. IPv6
	// pools always get IP-in-IP Never: Calico has no IP-in-IP for IPv6.
	IPIPMode  string
	VXLANMode string
	// NoNATOutgoing turns off NAT for traffic leaving the pool, which
	// KubeSphere turns on by default.
	NoNATOutgoing bool
}

func (s CalicoSettings) ipip() string {
	if s.IPIPMode == "" {
		return EncapAlways
	}
	return s.IPIPMode
}

func (s CalicoSettings) vxlan() string {
	if s.VXLANMode == "" {
		return EncapNever
	}
	return s.VXLANMode
}

// CalicoSettingsFromDaemonSet reads the settings as KubeSphere does from
// the first container of the calico-node DaemonSet (kube-system/calico-node):
// CALICO_IPV4POOL_IPIP, CALICO_IPV4POOL_VXLAN and
// CALICO_IPV4POOL_NAT_OUTGOING (set to anything but "true", it turns NAT
// off).
func CalicoSettingsFromDaemonSet(ds *appsv1.DaemonSet) CalicoSettings {
	var s CalicoSettings
	if ds == nil || len(ds.Spec.Template.Spec.Containers) == 0 {
		return s
	}
	for _, env := range ds.Spec.Template.Spec.Containers[0].Env {
		switch env.Name {
		case "CALICO_IPV4POOL_IPIP":
			s.IPIPMode = env.Value
		case "CALICO_IPV4POOL_VXLAN":
			s.VXLANMode = env.Value
		case "CALICO_IPV4POOL_NAT_OUTGOING":
			s.NoNATOutgoing = env.Value != "true"
		}
	}
	return s
}

// kubeSphereBlockThreshold is KubeSphere's DefaultBlockSize: an IPv4 pool
// with a longer prefix gets blocks of its own size; others get Calico's
// default.
const kubeSphereBlockThreshold = 25

// Calico's default block sizes.
const (
	calicoDefaultBlockV4 = 26
	calicoDefaultBlockV6 = 122
)

// BlockSize returns the block size of pool's Calico IPPool: spec.blockSize
// when set; otherwise, as KubeSphere's provider decides, the prefix length
// of an IPv4 pool longer than /25, else Calico's default (26 for IPv4; for
// IPv6 122, or the prefix length when longer, where KubeSphere's rule would
// give a block size Calico refuses). KubeSphere leaves the field out and
// lets Calico default it; spherekit writes the value, so the object says
// what Calico uses.
func BlockSize(spec networkv1alpha1.IPPoolSpec) int {
	if spec.BlockSize > 0 {
		return spec.BlockSize
	}
	p, err := netip.ParsePrefix(spec.CIDR)
	if err != nil {
		return 0
	}
	if p.Addr().Is4() {
		if p.Bits() > kubeSphereBlockThreshold {
			return p.Bits()
		}
		return calicoDefaultBlockV4
	}
	return max(p.Bits(), calicoDefaultBlockV6)
}

// CalicoPool returns the crd.projectcalico.org/v1 IPPool the backend keeps
// for pool, as KubeSphere's Calico provider writes it: the same name and
// CIDR, disabled as the pool is, nodeSelector all(), the settings' IP-in-IP,
// VXLAN and NAT, and BlockSize. The owner reference is the caller's.
func CalicoPool(pool *networkv1alpha1.IPPool, s CalicoSettings) *unstructured.Unstructured {
	ipip := s.ipip()
	if strings.Contains(pool.Spec.CIDR, ":") {
		ipip = EncapNever
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"cidr":         pool.Spec.CIDR,
			"blockSize":    int64(BlockSize(pool.Spec)),
			"disabled":     pool.Spec.Disabled,
			"nodeSelector": "all()",
			"ipipMode":     ipip,
			"vxlanMode":    s.vxlan(),
			"natOutgoing":  !s.NoNATOutgoing,
		},
	}}
	u.SetGroupVersionKind(CalicoIPPoolGVK)
	u.SetName(pool.Name)
	return u
}

// calicoSpecFields are the fields of a Calico IPPool's spec the backend
// keeps in step; others (allowedUses, disableBGPExport ...) are left as
// administrators set them.
var calicoSpecFields = []string{"cidr", "blockSize", "disabled", "nodeSelector", "ipipMode", "vxlanMode", "natOutgoing"}
