package ippools

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Pool is an IP pool as ListPools and PoolsForNamespace report it.
type Pool struct {
	// Object is the pool as the API server has it.
	Object *networkv1alpha1.IPPool
	// Workspace is the workspace it is assigned to, or "".
	Workspace string
	// Default is true for the default pool.
	Default bool
	// Usage is its use of addresses.
	Usage Usage
}

// Usage is a pool's use of addresses, from its status.
type Usage struct {
	// Capacity is how many addresses the CIDR holds.
	Capacity int
	// Reserved are the addresses outside rangeStart..rangeEnd (or those a
	// backend holds back).
	Reserved int
	// Allocations are the addresses in use; Unallocated the free ones.
	Allocations int
	Unallocated int
	// Workspaces are the allocations per workspace, where the backend
	// reports them.
	Workspaces map[string]int
	// Synced is true once the backend has the pool.
	Synced bool
}

// UsageOf returns pool's usage. It is the status as written by a backend
// (KubeSphere's or spherekit's Calico reconciler); before one has written
// it (capacity zero), the capacity and reserved addresses are computed
// from the spec and nothing is allocated.
func UsageOf(pool *networkv1alpha1.IPPool) Usage {
	s := pool.Status
	u := Usage{Capacity: s.Capacity, Reserved: s.Reserved, Allocations: s.Allocations, Unallocated: s.Unallocated, Synced: s.Synced}
	if u.Capacity == 0 {
		if capacity, reserved, err := Addresses(pool.Spec); err == nil {
			u.Capacity, u.Reserved, u.Unallocated = capacity, reserved, capacity-reserved-u.Allocations
		}
	}
	if len(s.Workspaces) > 0 {
		u.Workspaces = make(map[string]int, len(s.Workspaces))
		for w, st := range s.Workspaces {
			u.Workspaces[w] = st.Allocations
		}
	}
	return u
}

func poolOf(p *networkv1alpha1.IPPool) Pool {
	return Pool{Object: p, Workspace: WorkspaceOf(p), Default: IsDefault(p), Usage: UsageOf(p)}
}

// ListPoolsOptions are the optional inputs of ListPools. The zero value
// lists every pool.
type ListPoolsOptions struct {
	// Workspace, when set, lists only the pools assigned to it; it must
	// exist.
	Workspace string
}

// ListPools lists pools with their usage, sorted by name. Acting for a
// user, it needs list on ippools at cluster scope, with or without
// opts.Workspace: it is the platform's view of the pools.
func (c *Client) ListPools(ctx context.Context, opts ListPoolsOptions) ([]Pool, error) {
	if err := c.authorize(ctx, onPools("", "list")...); err != nil {
		return nil, err
	}
	if opts.Workspace != "" {
		if err := c.workspaceExists(ctx, "Workspace", opts.Workspace); err != nil {
			return nil, err
		}
	}
	all, err := c.pools(ctx)
	if err != nil {
		return nil, err
	}
	var out []Pool
	for i := range all {
		p := &all[i]
		if opts.Workspace != "" && WorkspaceOf(p) != opts.Workspace {
			continue
		}
		out = append(out, poolOf(p))
	}
	sortPools(out)
	return out, nil
}

// PoolsForNamespaceOptions are the optional inputs of PoolsForNamespace.
// The zero value gives KubeSphere's list.
type PoolsForNamespaceOptions struct {
	// Unassigned adds the pools assigned to no workspace that are not the
	// default (KubeSphere leaves them out).
	Unassigned bool
}

// PoolsForNamespace lists the pools a namespace may use, with their usage,
// as KubeSphere's resources API lists the ippools of a namespace: the
// default pool and the pools assigned to the namespace's workspace (label
// kubesphere.io/workspace on the namespace), sorted by name. A pool
// assigned to another workspace is never listed, not even when it carries
// the default label (KubeSphere would list it). The namespace must exist
// (*NotFoundError for namespace).
//
// Acting for a user, it needs list on ippools (network.kubesphere.io) in
// namespace, at namespace scope: a read a project member's view role
// grants, as for the namespace's ippools in KubeSphere's resources API.
// The answer is the namespace's own: it shows only the pools the
// namespace's workspace may use.
func (c *Client) PoolsForNamespace(ctx context.Context, namespace string, opts PoolsForNamespaceOptions) ([]Pool, error) {
	if namespace == "" {
		return nil, &InvalidError{Field: "namespace", Reason: "must not be empty"}
	}
	if err := c.authorize(ctx, authz.Attributes{Verb: "list", APIGroup: networkv1alpha1.GroupName, Resource: resourceIPPools, Namespace: namespace, Scope: authz.ScopeNamespace}); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{}
	if err := c.mustExist(ctx, "namespace", "Namespace", client.ObjectKey{Name: namespace}, ns); err != nil {
		return nil, err
	}
	all, err := c.pools(ctx)
	if err != nil {
		return nil, err
	}
	ws := ns.Labels[WorkspaceLabel]
	var out []Pool
	for i := range all {
		if p := &all[i]; MayUse(ws, p, opts.Unassigned) {
			out = append(out, poolOf(p))
		}
	}
	sortPools(out)
	return out, nil
}

// MayUse reports whether a namespace of workspace ws ("" for a namespace
// of no workspace) may use pool: a pool assigned to ws, or an unassigned
// pool that is the default (or, with unassigned, any unassigned pool). A
// pool assigned to a workspace is never usable from another one.
func MayUse(ws string, pool *networkv1alpha1.IPPool, unassigned bool) bool {
	switch owner := WorkspaceOf(pool); {
	case owner != "":
		return ws != "" && owner == ws
	default:
		return unassigned || IsDefault(pool)
	}
}

func sortPools(ps []Pool) {
	slices.SortFunc(ps, func(a, b Pool) int { return strings.Compare(a.Object.Name, b.Object.Name) })
}

// String prints a usage as "allocations/capacity used (reserved, free)".
func (u Usage) String() string {
	s := fmt.Sprintf("%d/%d used (%d reserved, %d free)", u.Allocations, u.Capacity, u.Reserved, u.Unallocated)
	if len(u.Workspaces) > 0 {
		var parts []string
		for _, w := range slices.Sorted(maps.Keys(u.Workspaces)) {
			parts = append(parts, fmt.Sprintf("%s=%d", w, u.Workspaces[w]))
		}
		s += " by " + strings.Join(parts, ",")
	}
	return s
}
