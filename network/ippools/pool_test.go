package ippools_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

func TestNewClient(t *testing.T) {
	_, err := ippools.NewClient(nil, ippools.ClientOptions{})
	wantErr(t, err, "invalid", "c")
	bare, err := client.New(env.Config, client.Options{Scheme: runtime.NewScheme()})
	require.NoError(t, err)
	_, err = ippools.NewClient(bare, ippools.ClientOptions{})
	wantErr(t, err, "invalid", "c")
}

// TestCreatePool creates a pool with each kind of bad input and checks the
// typed error and that nothing was written.
func TestCreatePool(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t)
	taken := nextCIDR()
	createPool(t, name("taken"), spec("calico", taken), ippools.CreatePoolOptions{})
	def := name("default")
	createPool(t, def, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Default: true})
	existing := name("exists")
	createPool(t, existing, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})

	fresh := nextCIDR()
	net16 := strings.TrimSuffix(fresh, ".0.0/16")
	tests := []struct {
		name        string
		pool        string
		spec        networkv1alpha1.IPPoolSpec
		opts        ippools.CreatePoolOptions
		kind, field string
	}{
		{"malformed cidr", name("p"), spec("calico", "10.0.0.300/24"), ippools.CreatePoolOptions{}, "invalid", "spec.cidr"},
		{"host bits", name("p"), spec("calico", "10.200.0.1/16"), ippools.CreatePoolOptions{}, "invalid", "spec.cidr"},
		{"range outside", name("p"), withRange(spec("vlan", fresh), "192.168.0.1", "192.168.0.9"), ippools.CreatePoolOptions{}, "invalid", "spec.rangeStart"},
		{"range reversed", name("p"), withRange(spec("vlan", fresh), net16+".0.9", net16+".0.1"), ippools.CreatePoolOptions{}, "invalid", "spec.rangeEnd"},
		{"block size for ipv4", name("p"), withBlock(spec("calico", fresh), 33), ippools.CreatePoolOptions{}, "invalid", "spec.blockSize"},
		{"block size for ipv6", name("p"), withBlock(spec("calico", "fd00:1::/64"), 64), ippools.CreatePoolOptions{}, "invalid", "spec.blockSize"},
		{"overlap", name("p"), spec("calico", taken[:len(taken)-3]+"/20"), ippools.CreatePoolOptions{}, "conflict", "spec.cidr"},
		{"unknown type", name("p"), spec("weave", fresh), ippools.CreatePoolOptions{}, "invalid", "spec.type"},
		{"bad name", "Bad_Name", spec("calico", fresh), ippools.CreatePoolOptions{}, "invalid", "name"},
		{"second default", name("p"), spec("calico", fresh), ippools.CreatePoolOptions{Default: true}, "conflict", "Default"},
		{"default of a workspace", name("p"), spec("calico", fresh), ippools.CreatePoolOptions{Default: true, Workspace: ws}, "conflict", "Workspace"},
		{"name taken", existing, spec("calico", fresh), ippools.CreatePoolOptions{}, "conflict", "name"},
		{"bad workspace name", name("p"), spec("calico", fresh), ippools.CreatePoolOptions{Workspace: "No"}, "invalid", "Workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := getPool(t, tt.pool)
			_, err := pc.CreatePool(ctx, tt.pool, tt.spec, tt.opts)
			wantErr(t, err, tt.kind, tt.field)
			after, ok := getPool(t, tt.pool)
			if tt.pool == existing {
				assert.Equal(t, before.ResourceVersion, after.ResourceVersion, "the existing pool was written")
			} else {
				assert.False(t, ok, "a pool was written")
			}
		})
	}

	t.Run("unknown workspace", func(t *testing.T) {
		n := name("p")
		_, err := pc.CreatePool(ctx, n, spec("calico", fresh), ippools.CreatePoolOptions{Workspace: "ghost"})
		var nf *ippools.NotFoundError
		require.ErrorAs(t, err, &nf)
		assert.Equal(t, "Workspace", nf.Field)
		assert.ErrorIs(t, err, ippools.ErrNotFound)
		assert.True(t, apierrors.IsNotFound(err))
		_, ok := getPool(t, n)
		assert.False(t, ok)
	})

	t.Run("labels as KubeSphere's controller sets them", func(t *testing.T) {
		n := name("p")
		s := spec("vlan", fresh)
		s.VLAN.VlanID = 7
		p := createPool(t, n, s, ippools.CreatePoolOptions{Workspace: ws})
		got, ok := getPool(t, n)
		require.True(t, ok)
		assert.Equal(t, map[string]string{
			networkv1alpha1.IPPoolNameLabel: n,
			networkv1alpha1.IPPoolTypeLabel: "local",
			networkv1alpha1.IPPoolIDLabel:   "8",
			ippools.WorkspaceLabel:          ws,
		}, got.Labels)
		assert.Equal(t, p.UID, got.UID)
	})
}

func TestAssignPool(t *testing.T) {
	ctx := context.Background()
	a, b := newWorkspace(t), newWorkspace(t)
	p := name("p")
	createPool(t, p, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})

	got, err := pc.AssignPool(ctx, p, a)
	require.NoError(t, err)
	assert.Equal(t, a, got.Labels[ippools.WorkspaceLabel])

	_, err = pc.AssignPool(ctx, p, "ghost")
	assert.ErrorIs(t, err, ippools.ErrNotFound)
	_, err = pc.AssignPool(ctx, "ghost", a)
	var nf *ippools.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "pool", nf.Field)
	_, err = pc.AssignPool(ctx, p, "")
	wantErr(t, err, "invalid", "workspace")

	// Addresses of a's projects are allocated: moving the pool to b is
	// refused, and it stays a's.
	setUsage(t, p, 2, map[string]int{a: 2})
	before, _ := getPool(t, p)
	_, err = pc.AssignPool(ctx, p, b)
	wantErr(t, err, "conflict", "workspace")
	after, _ := getPool(t, p)
	assert.Equal(t, before.ResourceVersion, after.ResourceVersion)
	assert.Equal(t, a, after.Labels[ippools.WorkspaceLabel])

	got, err = pc.UnassignPool(ctx, p)
	require.NoError(t, err)
	assert.NotContains(t, got.Labels, ippools.WorkspaceLabel)
	setUsage(t, p, 0, nil)
	_, err = pc.AssignPool(ctx, p, b)
	require.NoError(t, err)

	// The default pool serves every workspace.
	d := name("d")
	createPool(t, d, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Default: true})
	_, err = pc.AssignPool(ctx, d, a)
	wantErr(t, err, "conflict", "workspace")
}

func TestDisableAndDeleteInUse(t *testing.T) {
	ctx := context.Background()
	p := name("p")
	createPool(t, p, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})
	setUsage(t, p, 5, nil)

	_, err := pc.DisablePool(ctx, p)
	wantErr(t, err, "conflict", "pool")
	err = pc.DeletePool(ctx, p)
	wantErr(t, err, "conflict", "pool")
	got, ok := getPool(t, p)
	require.True(t, ok, "a pool in use was deleted")
	assert.False(t, got.Spec.Disabled, "a pool in use was disabled")

	setUsage(t, p, 0, nil)
	got, err = pc.DisablePool(ctx, p)
	require.NoError(t, err)
	assert.True(t, got.Spec.Disabled)
	got, err = pc.EnablePool(ctx, p)
	require.NoError(t, err)
	assert.False(t, got.Spec.Disabled)
	require.NoError(t, pc.DeletePool(ctx, p))
	_, ok = getPool(t, p)
	assert.False(t, ok)

	err = pc.DeletePool(ctx, p)
	assert.ErrorIs(t, err, ippools.ErrNotFound)
	_, err = pc.DisablePool(ctx, "")
	wantErr(t, err, "invalid", "pool")
}

func TestSetDefaultPool(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t)
	first, second, owned := name("first"), name("second"), name("owned")
	createPool(t, first, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})
	createPool(t, second, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})
	createPool(t, owned, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Workspace: ws})

	defaults := func() []string {
		ps, err := pc.ListPools(ctx, ippools.ListPoolsOptions{})
		require.NoError(t, err)
		var out []string
		for _, p := range ps {
			if p.Default {
				out = append(out, p.Object.Name)
			}
		}
		return out
	}
	_, err := pc.SetDefaultPool(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, []string{first}, defaults())
	_, err = pc.SetDefaultPool(ctx, first)
	require.NoError(t, err, "setting it again")
	got, err := pc.SetDefaultPool(ctx, second)
	require.NoError(t, err)
	assert.Contains(t, got.Labels, networkv1alpha1.IPPoolDefaultLabel)
	assert.Equal(t, []string{second}, defaults(), "the default moved")

	_, err = pc.SetDefaultPool(ctx, owned)
	wantErr(t, err, "conflict", "pool")
	_, err = pc.SetDefaultPool(ctx, "ghost")
	assert.ErrorIs(t, err, ippools.ErrNotFound)
	assert.Equal(t, []string{second}, defaults(), "a refused move changed nothing")
}

// TestPoolsForNamespace: a namespace of workspace A lists the default pool
// and A's pools, never B's, even when B's pool carries the default label
// written past the Client.
func TestPoolsForNamespace(t *testing.T) {
	ctx := context.Background()
	a, b := newWorkspace(t), newWorkspace(t)
	nsA, nsB, nsNone := newProject(t, a), newProject(t, b), newProject(t, "")
	poolA, poolB, def, free := name("a"), name("b"), name("def"), name("free")
	createPool(t, poolA, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Workspace: a})
	createPool(t, poolB, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Workspace: b})
	createPool(t, def, spec("calico", nextCIDR()), ippools.CreatePoolOptions{Default: true})
	createPool(t, free, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})
	setUsage(t, poolA, 3, map[string]int{a: 3})

	names := func(ns string, opts ippools.PoolsForNamespaceOptions) []string {
		ps, err := pc.PoolsForNamespace(ctx, ns, opts)
		require.NoError(t, err)
		var out []string
		for _, p := range ps {
			out = append(out, p.Object.Name)
		}
		return out
	}
	sorted := func(s ...string) []string {
		out := append([]string(nil), s...)
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j] < out[i] {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
		return out
	}
	assert.Equal(t, sorted(poolA, def), names(nsA, ippools.PoolsForNamespaceOptions{}))
	assert.Equal(t, sorted(poolB, def), names(nsB, ippools.PoolsForNamespaceOptions{}))
	assert.Equal(t, []string{def}, names(nsNone, ippools.PoolsForNamespaceOptions{}))
	assert.Equal(t, sorted(poolA, def, free), names(nsA, ippools.PoolsForNamespaceOptions{Unassigned: true}))

	// Usage comes from the status.
	ps, err := pc.PoolsForNamespace(ctx, nsA, ippools.PoolsForNamespaceOptions{})
	require.NoError(t, err)
	for _, p := range ps {
		if p.Object.Name == poolA {
			assert.Equal(t, 3, p.Usage.Allocations)
			assert.Equal(t, map[string]int{a: 3}, p.Usage.Workspaces)
			assert.Equal(t, a, p.Workspace)
		}
	}

	// Break-out: B's pool labelled default past the Client (no webhook
	// here) is still not A's.
	pb, _ := getPool(t, poolB)
	pb.Labels[networkv1alpha1.IPPoolDefaultLabel] = ""
	require.NoError(t, env.Client.Update(ctx, pb))
	assert.NotContains(t, names(nsA, ippools.PoolsForNamespaceOptions{Unassigned: true}), poolB)

	_, err = pc.PoolsForNamespace(ctx, "ghost-ns", ippools.PoolsForNamespaceOptions{})
	var nf *ippools.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "namespace", nf.Field)
}

func TestListPools(t *testing.T) {
	ctx := context.Background()
	a := newWorkspace(t)
	pa, other := name("a"), name("other")
	createPool(t, pa, withRange(spec("vlan", nextCIDR()), "", ""), ippools.CreatePoolOptions{Workspace: a})
	createPool(t, other, spec("calico", nextCIDR()), ippools.CreatePoolOptions{})
	ps, err := pc.ListPools(ctx, ippools.ListPoolsOptions{Workspace: a})
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, pa, ps[0].Object.Name)
	assert.Equal(t, ippools.Usage{Capacity: 65536, Unallocated: 65536}, ps[0].Usage, "computed from the spec before a backend writes the status")

	all, err := pc.ListPools(ctx, ippools.ListPoolsOptions{})
	require.NoError(t, err)
	var seen []string
	for _, p := range all {
		seen = append(seen, p.Object.Name)
	}
	assert.Contains(t, seen, pa)
	assert.Contains(t, seen, other)

	_, err = pc.ListPools(ctx, ippools.ListPoolsOptions{Workspace: "ghost"})
	assert.True(t, errors.Is(err, ippools.ErrNotFound))
}
