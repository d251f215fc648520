package ippools_test

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

func spec(typ, cidr string) networkv1alpha1.IPPoolSpec {
	return networkv1alpha1.IPPoolSpec{Type: typ, CIDR: cidr}
}

func pool(name string, s networkv1alpha1.IPPoolSpec, labels map[string]string) networkv1alpha1.IPPool {
	return networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: s}
}

// wantErr checks that err is of kind ("invalid", "conflict" or "") and
// names field.
func wantErr(t *testing.T, err error, kind, field string) {
	t.Helper()
	var ie *ippools.InvalidError
	var ce *ippools.ConflictError
	switch kind {
	case "":
		assert.NoError(t, err)
	case "invalid":
		if assert.True(t, errors.As(err, &ie), "want *InvalidError, got %v", err) {
			assert.Equal(t, field, ie.Field, "%v", err)
		}
	case "conflict":
		if assert.True(t, errors.As(err, &ce), "want *ConflictError, got %v", err) {
			assert.Equal(t, field, ce.Field, "%v", err)
		}
	default:
		t.Fatalf("unknown kind %q", kind)
	}
}

func TestValidateSpec(t *testing.T) {
	tests := []struct {
		name        string
		spec        networkv1alpha1.IPPoolSpec
		kind, field string
	}{
		{"ipv4", spec("calico", "10.233.64.0/18"), "", ""},
		{"ipv6", spec("calico", "fd00:10::/64"), "", ""},
		{"vlan", spec("vlan", "192.168.0.0/24"), "", ""},
		{"porter and pod", spec("porter", "192.168.0.0/31"), "", ""},
		{"empty type", spec("", "10.0.0.0/24"), "invalid", "spec.type"},
		{"unknown type", spec("flannel", "10.0.0.0/24"), "invalid", "spec.type"},
		{"empty cidr", spec("calico", ""), "invalid", "spec.cidr"},
		{"not a cidr", spec("calico", "testxxx"), "invalid", "spec.cidr"},
		{"no prefix", spec("calico", "10.0.0.0"), "invalid", "spec.cidr"},
		{"prefix too long", spec("calico", "10.0.0.0/33"), "invalid", "spec.cidr"},
		{"host bits", spec("calico", "10.0.0.1/24"), "invalid", "spec.cidr"},
		{"ipv4 /32 (KubeSphere refuses)", spec("calico", "10.0.0.1/32"), "invalid", "spec.cidr"},
		{"ipv6 /128", spec("calico", "fd00::1/128"), "invalid", "spec.cidr"},
		{"ipv4-mapped", spec("calico", "::ffff:10.0.0.0/120"), "invalid", "spec.cidr"},
		{"zone", spec("calico", "fe80::%eth0/64"), "invalid", "spec.cidr"},
		{"spaces", spec("calico", " 10.0.0.0/24"), "invalid", "spec.cidr"},
		{"range", withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.10", "192.168.0.200"), "", ""},
		{"range of one address", withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.10", "192.168.0.10"), "", ""},
		{"range reversed (KubeSphere's test)", withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.100", "192.168.0.99"), "invalid", "spec.rangeEnd"},
		{"range outside (KubeSphere's test)", withRange(spec("vlan", "192.168.0.0/24"), "192.168.3.100", "192.168.3.111"), "invalid", "spec.rangeStart"},
		{"range end outside", withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.1", "192.168.1.0"), "invalid", "spec.rangeEnd"},
		{"range start only", withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.1", ""), "invalid", "spec.rangeEnd"},
		{"range end only", withRange(spec("vlan", "192.168.0.0/24"), "", "192.168.0.1"), "invalid", "spec.rangeStart"},
		{"range start malformed", withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.x", "192.168.0.9"), "invalid", "spec.rangeStart"},
		{"range of the other family", withRange(spec("vlan", "192.168.0.0/24"), "::1", "::2"), "invalid", "spec.rangeStart"},
		{"range ipv4-mapped", withRange(spec("vlan", "192.168.0.0/24"), "::ffff:192.168.0.1", "192.168.0.2"), "invalid", "spec.rangeStart"},
		{"range with zone", withRange(spec("vlan", "fe80::/64"), "fe80::1%eth0", "fe80::2"), "invalid", "spec.rangeStart"},
		{"ipv6 range", withRange(spec("vlan", "fd00::/64"), "fd00::10", "fd00::ffff"), "", ""},
		{"block size default", withBlock(spec("calico", "10.0.0.0/16"), 0), "", ""},
		{"block size 26", withBlock(spec("calico", "10.0.0.0/16"), 26), "", ""},
		{"block size 32", withBlock(spec("calico", "10.0.0.0/16"), 32), "", ""},
		{"block size under the prefix (KubeSphere's test)", withBlock(spec("vlan", "192.168.0.0/24"), 23), "invalid", "spec.blockSize"},
		{"block size over 32", withBlock(spec("calico", "10.0.0.0/16"), 33), "invalid", "spec.blockSize"},
		{"negative block size", withBlock(spec("calico", "10.0.0.0/16"), -1), "invalid", "spec.blockSize"},
		{"calico ipv4 block size 19", withBlock(spec("calico", "10.0.0.0/8"), 19), "invalid", "spec.blockSize"},
		{"vlan block size 19", withBlock(spec("vlan", "10.0.0.0/8"), 19), "", ""},
		{"calico ipv6 block size 122", withBlock(spec("calico", "fd00::/64"), 122), "", ""},
		{"calico ipv6 block size 112", withBlock(spec("calico", "fd00::/64"), 112), "invalid", "spec.blockSize"},
		{"ipv6 block size 129", withBlock(spec("calico", "fd00::/64"), 129), "invalid", "spec.blockSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, ippools.ValidateSpec(tt.spec), tt.kind, tt.field)
		})
	}
}

func withRange(s networkv1alpha1.IPPoolSpec, start, end string) networkv1alpha1.IPPoolSpec {
	s.RangeStart, s.RangeEnd = start, end
	return s
}

func withBlock(s networkv1alpha1.IPPoolSpec, size int) networkv1alpha1.IPPoolSpec {
	s.BlockSize = size
	return s
}

func TestIDAndOverlaps(t *testing.T) {
	vlan := func(id int32, cidr string) networkv1alpha1.IPPoolSpec {
		s := spec("vlan", cidr)
		s.VLAN.VlanID = id
		return s
	}
	assert.Equal(t, uint32(4099), ippools.ID(spec("calico", "")))
	assert.Equal(t, uint32(4098), ippools.ID(spec("porter", "")))
	assert.Equal(t, uint32(0), ippools.ID(spec("pod", "")))
	assert.Equal(t, uint32(11), ippools.ID(vlan(10, "")))
	assert.Equal(t, "local", ippools.TypeLabel(spec("vlan", "")))
	assert.Equal(t, "calico", ippools.TypeLabel(spec("calico", "")))

	tests := []struct {
		name string
		a, b networkv1alpha1.IPPoolSpec
		want bool
	}{
		{"same", spec("calico", "10.0.0.0/24"), spec("calico", "10.0.0.0/24"), true},
		{"inside", spec("calico", "10.0.0.0/16"), spec("calico", "10.0.5.0/24"), true},
		{"around", spec("calico", "10.0.5.0/24"), spec("calico", "10.0.0.0/16"), true},
		{"adjacent", spec("calico", "10.0.0.0/24"), spec("calico", "10.0.1.0/24"), false},
		{"other family", spec("calico", "10.0.0.0/8"), spec("calico", "fd00::/8"), false},
		{"other type", spec("calico", "10.0.0.0/24"), spec("porter", "10.0.0.0/24"), false},
		{"vlans of one ID", vlan(5, "10.0.0.0/24"), vlan(5, "10.0.0.128/25"), true},
		{"vlans of two IDs", vlan(5, "10.0.0.0/24"), vlan(6, "10.0.0.0/24"), false},
		{"malformed", spec("calico", "x"), spec("calico", "10.0.0.0/24"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pool("a", tt.a, nil), pool("b", tt.b, nil)
			assert.Equal(t, tt.want, ippools.Overlaps(&a, &b))
			assert.Equal(t, tt.want, ippools.Overlaps(&b, &a), "symmetric")
		})
	}
}

func TestAddresses(t *testing.T) {
	tests := []struct {
		spec               networkv1alpha1.IPPoolSpec
		capacity, reserved int
	}{
		{spec("calico", "10.0.0.0/24"), 256, 0},
		{withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.10", "192.168.0.200"), 256, 10 + 55},
		{withRange(spec("vlan", "192.168.0.0/24"), "192.168.0.0", "192.168.0.255"), 256, 0},
		{spec("calico", "fd00::/120"), 256, 0},
		{spec("calico", "fd00::/64"), math.MaxInt, 0},
		{withRange(spec("vlan", "fd00::/64"), "fd00::10", "fd00::ffff:ffff:ffff:ffff"), math.MaxInt, 16},
	}
	for _, tt := range tests {
		t.Run(tt.spec.CIDR, func(t *testing.T) {
			c, r, err := ippools.Addresses(tt.spec)
			require.NoError(t, err)
			assert.Equal(t, tt.capacity, c)
			assert.Equal(t, tt.reserved, r)
		})
	}
	_, _, err := ippools.Addresses(spec("calico", "nope"))
	wantErr(t, err, "invalid", "spec.cidr")
}

func TestCheckCreate(t *testing.T) {
	def := map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}
	existing := []networkv1alpha1.IPPool{
		pool("a", spec("calico", "10.0.0.0/16"), def),
		pool("b", spec("porter", "10.1.0.0/16"), map[string]string{ippools.WorkspaceLabel: "ws"}),
	}
	long := fmt.Sprintf("%064d", 0)
	tests := []struct {
		name        string
		pool        networkv1alpha1.IPPool
		kind, field string
	}{
		{"fine", pool("c", spec("calico", "10.2.0.0/16"), nil), "", ""},
		{"overlap of one ID", pool("c", spec("calico", "10.0.128.0/17"), nil), "conflict", "spec.cidr"},
		{"overlap of another ID", pool("c", spec("pod", "10.0.128.0/17"), nil), "", ""},
		{"itself, by name, is not a conflict", pool("a", spec("calico", "10.0.0.0/16"), nil), "", ""},
		{"second default", pool("c", spec("calico", "10.2.0.0/16"), def), "conflict", "metadata.labels[ippool.network.kubesphere.io/default]"},
		{"default value", pool("c", spec("calico", "10.2.0.0/16"), map[string]string{networkv1alpha1.IPPoolDefaultLabel: "true"}), "invalid", "metadata.labels[ippool.network.kubesphere.io/default]"},
		{"default of a workspace", pool("c", spec("calico", "10.2.0.0/16"), map[string]string{networkv1alpha1.IPPoolDefaultLabel: "", ippools.WorkspaceLabel: "ws"}), "conflict", "metadata.labels[kubesphere.io/workspace]"},
		{"bad workspace", pool("c", spec("calico", "10.2.0.0/16"), map[string]string{ippools.WorkspaceLabel: "Not_A_Name"}), "invalid", "metadata.labels[kubesphere.io/workspace]"},
		{"empty workspace", pool("c", spec("calico", "10.2.0.0/16"), map[string]string{ippools.WorkspaceLabel: ""}), "invalid", "metadata.labels[kubesphere.io/workspace]"},
		{"no name", pool("", spec("calico", "10.2.0.0/16"), nil), "invalid", "metadata.name"},
		{"bad name", pool("UPPER", spec("calico", "10.2.0.0/16"), nil), "invalid", "metadata.name"},
		{"name longer than a label value", pool(long, spec("calico", "10.2.0.0/16"), nil), "invalid", "metadata.name"},
		{"bad spec first", pool("c", spec("calico", "10.0.0.1/16"), nil), "invalid", "spec.cidr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, ippools.CheckCreate(&tt.pool, existing), tt.kind, tt.field)
		})
	}
}

func TestCheckUpdate(t *testing.T) {
	def := map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}
	existing := []networkv1alpha1.IPPool{pool("a", spec("calico", "10.0.0.0/16"), def)}
	base := pool("b", withRange(spec("vlan", "10.1.0.0/16"), "10.1.0.10", "10.1.0.20"), nil)
	inUse := base
	inUse.Status.Allocations = 3
	inUse.Status.Workspaces = map[string]networkv1alpha1.WorkspaceStatus{"ws-a": {Allocations: 3}, "ws-b": {Allocations: 0}}
	now := metav1.Now()
	tests := []struct {
		name        string
		old         networkv1alpha1.IPPool
		change      func(*networkv1alpha1.IPPool)
		kind, field string
	}{
		{"nothing", base, func(*networkv1alpha1.IPPool) {}, "", ""},
		{"cidr", base, func(p *networkv1alpha1.IPPool) { p.Spec.CIDR = "10.2.0.0/16" }, "invalid", "spec.cidr"},
		{"type", base, func(p *networkv1alpha1.IPPool) { p.Spec.Type = "pod" }, "invalid", "spec.type"},
		{"block size", base, func(p *networkv1alpha1.IPPool) { p.Spec.BlockSize = 24 }, "invalid", "spec.blockSize"},
		{"range start", base, func(p *networkv1alpha1.IPPool) { p.Spec.RangeStart = "10.1.0.11" }, "invalid", "spec.rangeStart"},
		{"range end", base, func(p *networkv1alpha1.IPPool) { p.Spec.RangeEnd = "" }, "invalid", "spec.rangeEnd"},
		{"gateway may change", base, func(p *networkv1alpha1.IPPool) { p.Spec.Gateway = "10.1.0.1" }, "", ""},
		{"becomes a second default", base, func(p *networkv1alpha1.IPPool) { p.Labels = def }, "conflict", "metadata.labels[ippool.network.kubesphere.io/default]"},
		{"disable unused", base, func(p *networkv1alpha1.IPPool) { p.Spec.Disabled = true }, "", ""},
		{"disable in use", inUse, func(p *networkv1alpha1.IPPool) { p.Spec.Disabled = true }, "conflict", "spec.disabled"},
		{"disable in use while deleted", inUse, func(p *networkv1alpha1.IPPool) { p.Spec.Disabled = true; p.DeletionTimestamp = &now }, "", ""},
		{"cidr while deleted", inUse, func(p *networkv1alpha1.IPPool) { p.Spec.CIDR = "10.9.0.0/16"; p.DeletionTimestamp = &now }, "invalid", "spec.cidr"},
		{"assign to the workspace using it", inUse, func(p *networkv1alpha1.IPPool) { p.Labels = map[string]string{ippools.WorkspaceLabel: "ws-a"} }, "", ""},
		{"assign to another workspace while used", inUse, func(p *networkv1alpha1.IPPool) { p.Labels = map[string]string{ippools.WorkspaceLabel: "ws-b"} }, "conflict", "metadata.labels[kubesphere.io/workspace]"},
		{"assign unused", base, func(p *networkv1alpha1.IPPool) { p.Labels = map[string]string{ippools.WorkspaceLabel: "ws-b"} }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			updated := tt.old.DeepCopy()
			tt.change(updated)
			wantErr(t, ippools.CheckUpdate(&tt.old, updated, existing), tt.kind, tt.field)
		})
	}
}

func TestCheckDelete(t *testing.T) {
	p := pool("a", spec("calico", "10.0.0.0/16"), nil)
	assert.NoError(t, ippools.CheckDelete(&p))
	p.Status.Allocations = 1
	wantErr(t, ippools.CheckDelete(&p), "conflict", "pool")
}

func TestMayUse(t *testing.T) {
	def := map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}
	tests := []struct {
		name       string
		labels     map[string]string
		ws         string
		unassigned bool
		want       bool
	}{
		{"own workspace", map[string]string{ippools.WorkspaceLabel: "a"}, "a", false, true},
		{"other workspace", map[string]string{ippools.WorkspaceLabel: "b"}, "a", true, false},
		{"no workspace, assigned pool", map[string]string{ippools.WorkspaceLabel: "b"}, "", true, false},
		{"default", def, "a", false, true},
		{"default without workspace", def, "", false, true},
		{"default of another workspace (label both)", map[string]string{ippools.WorkspaceLabel: "b", networkv1alpha1.IPPoolDefaultLabel: ""}, "a", false, false},
		{"unassigned", nil, "a", false, false},
		{"unassigned, asked for", nil, "a", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pool("p", spec("calico", "10.0.0.0/16"), tt.labels)
			assert.Equal(t, tt.want, ippools.MayUse(tt.ws, &p, tt.unassigned))
		})
	}
}

func TestUsageOf(t *testing.T) {
	p := pool("p", withRange(spec("vlan", "10.0.0.0/24"), "10.0.0.10", "10.0.0.249"), nil)
	assert.Equal(t, ippools.Usage{Capacity: 256, Reserved: 16, Unallocated: 240}, ippools.UsageOf(&p))
	p.Status = networkv1alpha1.IPPoolStatus{Capacity: 256, Reserved: 16, Allocations: 4, Unallocated: 236, Synced: true,
		Workspaces: map[string]networkv1alpha1.WorkspaceStatus{"b": {Allocations: 1}, "a": {Allocations: 3}}}
	u := ippools.UsageOf(&p)
	assert.Equal(t, ippools.Usage{Capacity: 256, Reserved: 16, Allocations: 4, Unallocated: 236, Synced: true, Workspaces: map[string]int{"a": 3, "b": 1}}, u)
	assert.Equal(t, "4/256 used (16 reserved, 236 free) by a=3,b=1", u.String())
}

// FuzzValidateSpec: ValidateSpec never panics, refuses only with an
// *InvalidError naming a spec field, and what it accepts is a canonical
// network whose range lies inside it in order.
func FuzzValidateSpec(f *testing.F) {
	for _, s := range [][4]string{
		{"calico", "10.0.0.0/24", "", ""},
		{"vlan", "192.168.0.0/24", "192.168.0.100", "192.168.0.99"},
		{"vlan", "fd00::/64", "fd00::1", "fd00::2"},
		{"pod", "10.0.0.1/32", "", ""},
		{"calico", "::ffff:1.2.3.4/120", "", ""},
		{"porter", "fe80::%a/64", "x", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], 0)
	}
	f.Add("calico", "10.0.0.0/8", "", "", 19)
	f.Fuzz(func(t *testing.T, typ, cidr, start, end string, block int) {
		s := networkv1alpha1.IPPoolSpec{Type: typ, CIDR: cidr, RangeStart: start, RangeEnd: end, BlockSize: block}
		err := ippools.ValidateSpec(s)
		if err != nil {
			var ie *ippools.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("refusal %v is not an *InvalidError", err)
			}
			switch ie.Field {
			case "spec.type", "spec.cidr", "spec.rangeStart", "spec.rangeEnd", "spec.blockSize":
			default:
				t.Fatalf("refusal names %q", ie.Field)
			}
			return
		}
		p := netip.MustParsePrefix(cidr)
		if p.Masked() != p || p.Bits() >= p.Addr().BitLen() {
			t.Fatalf("accepted %q", cidr)
		}
		if block != 0 && (block < p.Bits() || block > p.Addr().BitLen()) {
			t.Fatalf("accepted block size %d for %q", block, cidr)
		}
		if start != "" {
			a, b := netip.MustParseAddr(start), netip.MustParseAddr(end)
			if !p.Contains(a) || !p.Contains(b) || b.Less(a) {
				t.Fatalf("accepted range %s..%s of %s", start, end, cidr)
			}
		}
		capacity, reserved, err := ippools.Addresses(s)
		// Both are capped at math.MaxInt for large IPv6 networks.
		if err != nil || reserved < 0 || reserved > capacity || (capacity < math.MaxInt && reserved == capacity) {
			t.Fatalf("addresses of %+v: %d, %d, %v", s, capacity, reserved, err)
		}
	})
}
