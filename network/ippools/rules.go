package ippools

import (
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// Pool types, spec.type as KubeSphere 3.4 spells them. A "vlan" pool is
// labelled type local; the others are labelled with their own name.
const (
	TypeVLAN   = "vlan"
	TypeCalico = "calico"
	TypePorter = "porter"
	TypePod    = "pod"
)

// WorkspaceLabel on a pool assigns it to a workspace (KubeSphere's
// kubesphere.io/workspace, the label of a workspace's namespaces too).
const WorkspaceLabel = tenantv1beta1.WorkspaceLabel

// Pool IDs as KubeSphere numbers them: CIDRs may overlap only between pools
// of different IDs (a VLAN pool's ID is its VLAN ID plus one).
const (
	podID       = 0
	vlanIDStart = 1
	porterID    = 4098
	calicoID    = 4099
)

// Block sizes Calico accepts for each family (its IPPool validation), and
// the largest prefixes a pool may have: a pool of one address is refused,
// as KubeSphere refuses an IPv4 /32.
const (
	minBlockSizeV4 = 20
	minBlockSizeV6 = 116
	maxPrefixV4    = 31
	maxPrefixV6    = 127
)

// Object paths the checks name in their errors.
const (
	fieldName       = "metadata.name"
	fieldType       = "spec.type"
	fieldCIDR       = "spec.cidr"
	fieldRangeStart = "spec.rangeStart"
	fieldRangeEnd   = "spec.rangeEnd"
	fieldBlockSize  = "spec.blockSize"
	fieldDisabled   = "spec.disabled"
	fieldDefault    = "metadata.labels[" + networkv1alpha1.IPPoolDefaultLabel + "]"
	fieldWorkspace  = "metadata.labels[" + WorkspaceLabel + "]"
	fieldPool       = "pool"
)

// ID returns the pool ID KubeSphere gives spec (its ippool.network.kubesphere.io/id
// label): overlapping CIDRs are refused only among pools of one ID.
func ID(spec networkv1alpha1.IPPoolSpec) uint32 {
	switch spec.Type {
	case TypeVLAN:
		return uint32(spec.VLAN.VlanID) + vlanIDStart
	case TypePorter:
		return porterID
	case TypeCalico:
		return calicoID
	}
	return podID
}

// TypeLabel returns the value of the ippool.network.kubesphere.io/type label
// for spec: local for a VLAN pool, otherwise its type.
func TypeLabel(spec networkv1alpha1.IPPoolSpec) string {
	if spec.Type == TypeVLAN {
		return networkv1alpha1.IPPoolTypeLocal
	}
	return spec.Type
}

// IsDefault reports whether pool carries the default label. KubeSphere
// selects default pools by the label with an empty value; the checks refuse
// any other value, so presence is enough here.
func IsDefault(pool *networkv1alpha1.IPPool) bool {
	_, ok := pool.Labels[networkv1alpha1.IPPoolDefaultLabel]
	return ok
}

// WorkspaceOf returns the workspace pool is assigned to, or "".
func WorkspaceOf(pool *networkv1alpha1.IPPool) string {
	return pool.Labels[WorkspaceLabel]
}

// InUse reports whether addresses of pool are allocated, as its status
// says (KubeSphere's rule: status.allocations above zero).
func InUse(pool *networkv1alpha1.IPPool) bool {
	return pool.Status.Allocations > 0
}

// ParseCIDR parses a pool's spec.cidr: an IPv4 or IPv6 network in canonical
// form (no host bits set, no IPv4-mapped IPv6 address), with at least two
// addresses. A refusal is an *InvalidError for spec.cidr.
func ParseCIDR(cidr string) (netip.Prefix, error) {
	if cidr == "" {
		return netip.Prefix{}, &InvalidError{Field: fieldCIDR, Reason: "must not be empty"}
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, &InvalidError{Field: fieldCIDR, Reason: fmt.Sprintf("%q is not a CIDR such as 10.233.64.0/18", cidr), Err: err}
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, &InvalidError{Field: fieldCIDR, Reason: fmt.Sprintf("%q is an IPv4-mapped IPv6 network; write it as IPv4", cidr)}
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, &InvalidError{Field: fieldCIDR, Reason: fmt.Sprintf("%q has host bits set; the network is %s", cidr, m)}
	}
	if maxPrefix := maxPrefixFor(p); p.Bits() > maxPrefix {
		return netip.Prefix{}, &InvalidError{Field: fieldCIDR, Reason: fmt.Sprintf("%q holds one address; the prefix length must be at most %d", cidr, maxPrefix)}
	}
	return p, nil
}

func maxPrefixFor(p netip.Prefix) int {
	if p.Addr().Is4() {
		return maxPrefixV4
	}
	return maxPrefixV6
}

// ValidateSpec checks a pool's spec on its own: a known type, a CIDR
// ParseCIDR accepts, rangeStart and rangeEnd both set or both empty, both
// inside the CIDR and in order, and a block size (zero meaning the
// backend's default) no shorter than the CIDR's prefix and, for Calico
// pools, within Calico's range for the family (20 to 32 for IPv4, 116 to
// 128 for IPv6). The first problem found is returned as an *InvalidError
// naming the field.
func ValidateSpec(spec networkv1alpha1.IPPoolSpec) error {
	switch spec.Type {
	case TypeVLAN, TypeCalico, TypePorter, TypePod:
	case "":
		return &InvalidError{Field: fieldType, Reason: "must not be empty; one of vlan, calico, porter, pod"}
	default:
		return &InvalidError{Field: fieldType, Reason: fmt.Sprintf("unknown type %q; one of vlan, calico, porter, pod", spec.Type)}
	}
	p, err := ParseCIDR(spec.CIDR)
	if err != nil {
		return err
	}
	if _, _, err := rangeOrdinals(p, spec.RangeStart, spec.RangeEnd); err != nil {
		return err
	}
	return checkBlockSize(p, spec.Type, spec.BlockSize)
}

func checkBlockSize(p netip.Prefix, typ string, size int) error {
	if size == 0 {
		return nil
	}
	bits := p.Addr().BitLen()
	if size < 0 || size > bits {
		return &InvalidError{Field: fieldBlockSize, Reason: fmt.Sprintf("%d is not a prefix length of an IPv%d network (0 to %d)", size, family(p), bits)}
	}
	if size < p.Bits() {
		return &InvalidError{Field: fieldBlockSize, Reason: fmt.Sprintf("%d is shorter than the CIDR's prefix length %d; blocks must fit in the pool", size, p.Bits())}
	}
	if typ == TypeCalico {
		lo := minBlockSizeV4
		if !p.Addr().Is4() {
			lo = minBlockSizeV6
		}
		if size < lo {
			return &InvalidError{Field: fieldBlockSize, Reason: fmt.Sprintf("Calico takes block sizes %d to %d for IPv%d, not %d", lo, bits, family(p), size)}
		}
	}
	return nil
}

func family(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 4
	}
	return 6
}

// rangeOrdinals returns the ordinals within p of rangeStart and rangeEnd
// (0 and the last address when both are empty).
func rangeOrdinals(p netip.Prefix, start, end string) (*big.Int, *big.Int, error) {
	last := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits())), big.NewInt(1))
	if start == "" && end == "" {
		return big.NewInt(0), last, nil
	}
	if start == "" {
		return nil, nil, &InvalidError{Field: fieldRangeStart, Reason: "must be set when rangeEnd is"}
	}
	if end == "" {
		return nil, nil, &InvalidError{Field: fieldRangeEnd, Reason: "must be set when rangeStart is"}
	}
	s, err := ordinal(p, fieldRangeStart, start)
	if err != nil {
		return nil, nil, err
	}
	e, err := ordinal(p, fieldRangeEnd, end)
	if err != nil {
		return nil, nil, err
	}
	if e.Cmp(s) < 0 {
		return nil, nil, &InvalidError{Field: fieldRangeEnd, Reason: fmt.Sprintf("%s comes before rangeStart %s", end, start)}
	}
	return s, e, nil
}

func ordinal(p netip.Prefix, field, s string) (*big.Int, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not an IP address", s), Err: err}
	}
	if a.Zone() != "" || !p.Contains(a) {
		return nil, &InvalidError{Field: field, Reason: fmt.Sprintf("%s is outside the pool's CIDR %s", s, p)}
	}
	return new(big.Int).Sub(addrInt(a), addrInt(p.Addr())), nil
}

func addrInt(a netip.Addr) *big.Int {
	b := a.AsSlice()
	return new(big.Int).SetBytes(b)
}

// Addresses returns how many addresses spec's CIDR holds (KubeSphere's
// NumAddresses) and how many of them lie outside rangeStart..rangeEnd
// (its reserved addresses), both capped at math.MaxInt for large IPv6
// networks. spec must pass ValidateSpec.
func Addresses(spec networkv1alpha1.IPPoolSpec) (capacity, reserved int, err error) {
	p, err := ParseCIDR(spec.CIDR)
	if err != nil {
		return 0, 0, err
	}
	s, e, err := rangeOrdinals(p, spec.RangeStart, spec.RangeEnd)
	if err != nil {
		return 0, 0, err
	}
	total := new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits()))
	res := new(big.Int).Add(s, new(big.Int).Sub(total, new(big.Int).Add(e, big.NewInt(1))))
	return capInt(total), capInt(res), nil
}

func capInt(v *big.Int) int {
	if !v.IsInt64() || v.Int64() > math.MaxInt {
		return math.MaxInt
	}
	return int(v.Int64())
}

// Overlaps reports whether pools a and b conflict by KubeSphere's rule
// (its Overlapped): both of one ID and their CIDRs sharing an address. A
// CIDR that does not parse overlaps nothing.
func Overlaps(a, b *networkv1alpha1.IPPool) bool {
	if ID(a.Spec) != ID(b.Spec) {
		return false
	}
	pa, err := netip.ParsePrefix(a.Spec.CIDR)
	if err != nil {
		return false
	}
	pb, err := netip.ParsePrefix(b.Spec.CIDR)
	if err != nil {
		return false
	}
	return pa.Masked().Overlaps(pb.Masked())
}

// checkName checks a pool's name, which the Calico backend gives its Calico
// IPPool too: a DNS subdomain short enough to be a label value.
func checkName(name string) error {
	if name == "" {
		return &InvalidError{Field: fieldName, Reason: "must not be empty"}
	}
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return &InvalidError{Field: fieldName, Reason: strings.Join(msgs, "; ")}
	}
	if len(name) > validation.LabelValueMaxLength {
		return &InvalidError{Field: fieldName, Reason: fmt.Sprintf("longer than %d characters: KubeSphere labels a pool with its name (%s)", validation.LabelValueMaxLength, networkv1alpha1.IPPoolNameLabel)}
	}
	return nil
}

// checkLabels checks the labels the rules give a meaning to: the default
// label's value is empty (KubeSphere selects "default="), the workspace
// label names a workspace, and a pool is not both the default and a
// workspace's.
func checkLabels(pool *networkv1alpha1.IPPool) error {
	if v, ok := pool.Labels[networkv1alpha1.IPPoolDefaultLabel]; ok && v != "" {
		return &InvalidError{Field: fieldDefault, Reason: fmt.Sprintf("must be empty, as KubeSphere selects default pools by %s=, not %q", networkv1alpha1.IPPoolDefaultLabel, v)}
	}
	if ws, ok := pool.Labels[WorkspaceLabel]; ok {
		if err := checkWorkspaceName(fieldWorkspace, ws); err != nil {
			return err
		}
		if IsDefault(pool) {
			return &ConflictError{Field: fieldWorkspace, Reason: "the default pool serves every workspace and cannot be assigned to one"}
		}
	}
	return nil
}

// checkWorkspaceName checks that ws can name a workspace: a DNS label.
func checkWorkspaceName(field, ws string) error {
	if ws == "" {
		return &InvalidError{Field: field, Reason: "must not be empty"}
	}
	if msgs := validation.IsDNS1123Label(ws); len(msgs) > 0 {
		return &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a workspace name: %s", ws, strings.Join(msgs, "; "))}
	}
	return nil
}

// CheckCreate checks a new pool against the rules and against the pools
// that exist (the pool itself, by name, is skipped among them): its name,
// labels and spec (ValidateSpec), no CIDR overlapping an existing pool of
// the same ID (Overlaps), and at most one default pool. Refusals are
// *InvalidError or *ConflictError naming the field by its object path
// (spec.cidr, metadata.labels[...]). It does not check that the workspace
// the pool is assigned to exists.
func CheckCreate(pool *networkv1alpha1.IPPool, existing []networkv1alpha1.IPPool) error {
	if err := checkName(pool.Name); err != nil {
		return err
	}
	if err := ValidateSpec(pool.Spec); err != nil {
		return err
	}
	if err := checkLabels(pool); err != nil {
		return err
	}
	for i := range existing {
		o := &existing[i]
		if o.Name == pool.Name {
			continue
		}
		if Overlaps(pool, o) {
			return &ConflictError{Field: fieldCIDR, Reason: fmt.Sprintf("%s overlaps pool %q (%s) of the same ID %d", pool.Spec.CIDR, o.Name, o.Spec.CIDR, ID(o.Spec))}
		}
	}
	if IsDefault(pool) {
		return checkOneDefault(pool.Name, existing)
	}
	return nil
}

func checkOneDefault(name string, existing []networkv1alpha1.IPPool) error {
	for i := range existing {
		if o := &existing[i]; o.Name != name && IsDefault(o) {
			return &ConflictError{Field: fieldDefault, Reason: fmt.Sprintf("pool %q is the default already; there is at most one", o.Name)}
		}
	}
	return nil
}

// CheckUpdate checks a change of a pool from old to updated against the
// rules and the pools that exist:
//
//   - cidr, type, blockSize, rangeStart and rangeEnd never change
//     (KubeSphere's rule);
//   - the labels pass the same checks as on create, and a pool becoming the
//     default finds no other default;
//   - a pool in use is not disabled, unless it is being deleted (a
//     controller disables a pool it deletes, as KubeSphere's does);
//   - a pool is not moved to another workspace while the status records
//     allocations of a different workspace.
//
// A pool being deleted may drop its labels and finalizers freely.
func CheckUpdate(old, updated *networkv1alpha1.IPPool, existing []networkv1alpha1.IPPool) error {
	for _, f := range []struct {
		field    string
		was, now any
	}{
		{fieldCIDR, old.Spec.CIDR, updated.Spec.CIDR},
		{fieldType, old.Spec.Type, updated.Spec.Type},
		{fieldBlockSize, old.Spec.BlockSize, updated.Spec.BlockSize},
		{fieldRangeStart, old.Spec.RangeStart, updated.Spec.RangeStart},
		{fieldRangeEnd, old.Spec.RangeEnd, updated.Spec.RangeEnd},
	} {
		if f.was != f.now {
			return &InvalidError{Field: f.field, Reason: fmt.Sprintf("cannot be changed (from %v to %v)", f.was, f.now)}
		}
	}
	if !updated.DeletionTimestamp.IsZero() {
		return nil
	}
	if err := checkLabels(updated); err != nil {
		return err
	}
	if IsDefault(updated) && !IsDefault(old) {
		if err := checkOneDefault(updated.Name, existing); err != nil {
			return err
		}
	}
	if updated.Spec.Disabled && !old.Spec.Disabled && InUse(old) {
		return &ConflictError{Field: fieldDisabled, Reason: fmt.Sprintf("pool %q is in use (%d addresses allocated); release them first", old.Name, old.Status.Allocations)}
	}
	if ws := WorkspaceOf(updated); ws != "" && ws != WorkspaceOf(old) {
		if others := otherUsers(old, ws); len(others) > 0 {
			return &ConflictError{Field: fieldWorkspace, Reason: fmt.Sprintf("pool %q has addresses allocated to workspaces %v; it cannot be assigned to %q", old.Name, others, ws)}
		}
	}
	return nil
}

// otherUsers lists the workspaces other than ws with allocations in pool.
func otherUsers(pool *networkv1alpha1.IPPool, ws string) []string {
	var out []string
	for w, s := range pool.Status.Workspaces {
		if w != ws && s.Allocations > 0 {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

// CheckDelete refuses deleting a pool in use (KubeSphere's rule) with a
// *ConflictError. KubeSphere also keeps its last default pool; spherekit
// allows at most one default, which would then never be deletable, so it
// lets a default pool go.
func CheckDelete(pool *networkv1alpha1.IPPool) error {
	if InUse(pool) {
		return &ConflictError{Field: fieldPool, Reason: fmt.Sprintf("pool %q is in use (%d addresses allocated); remove the workloads first", pool.Name, pool.Status.Allocations)}
	}
	return nil
}
