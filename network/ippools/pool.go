package ippools

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// CreatePoolOptions are the optional inputs of CreatePool. The zero value
// creates an unassigned pool that is not the default.
type CreatePoolOptions struct {
	// Workspace assigns the pool to this workspace (label
	// kubesphere.io/workspace), which must exist.
	Workspace string
	// Default makes the pool the default one (label
	// ippool.network.kubesphere.io/default); refused while another pool is
	// the default, and together with Workspace.
	Default bool
}

// CreatePool creates the pool name with spec, labelled as KubeSphere's
// controller labels pools (name, type and ID). It refuses, before writing,
// a malformed spec (ValidateSpec: fields spec.cidr, spec.rangeStart,
// spec.rangeEnd, spec.blockSize, spec.type), a CIDR overlapping an existing
// pool of the same ID (*ConflictError for spec.cidr), an unknown workspace
// (*NotFoundError for Workspace), a second default (*ConflictError for
// Default) and a name in use (*ConflictError for name). Acting for a user,
// it needs create on the pool and list on ippools, at cluster scope.
func (c *Client) CreatePool(ctx context.Context, name string, spec networkv1alpha1.IPPoolSpec, opts CreatePoolOptions) (*networkv1alpha1.IPPool, error) {
	names := map[string]string{fieldName: "name", fieldWorkspace: "Workspace", fieldDefault: "Default"}
	pool := &networkv1alpha1.IPPool{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			networkv1alpha1.IPPoolNameLabel: name,
			networkv1alpha1.IPPoolTypeLabel: TypeLabel(spec),
			networkv1alpha1.IPPoolIDLabel:   strconv.FormatUint(uint64(ID(spec)), 10),
		}},
		Spec: spec,
	}
	if opts.Workspace != "" {
		pool.Labels[WorkspaceLabel] = opts.Workspace
	}
	if opts.Default {
		pool.Labels[networkv1alpha1.IPPoolDefaultLabel] = ""
	}
	// The checks that need no reads come first.
	if err := CheckCreate(pool, nil); err != nil {
		return nil, renameFields(err, names)
	}
	if err := c.authorize(ctx, append(onPools(name, "create"), onPools("", "list")...)...); err != nil {
		return nil, err
	}
	if opts.Workspace != "" {
		if err := c.workspaceExists(ctx, "Workspace", opts.Workspace); err != nil {
			return nil, err
		}
	}
	existing, err := c.pools(ctx)
	if err != nil {
		return nil, fmt.Errorf("create ip pool %q: %w", name, err)
	}
	if err := CheckCreate(pool, existing); err != nil {
		return nil, renameFields(err, names)
	}
	if err := c.c.Create(ctx, pool, client.FieldOwner(c.fieldOwner)); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, &ConflictError{Field: "name", Reason: fmt.Sprintf("an ip pool named %q exists", name), Err: err}
		}
		return nil, fmt.Errorf("create ip pool %q: %w", name, err)
	}
	return pool, nil
}

// AssignPool assigns pool to workspace (label kubesphere.io/workspace),
// which must exist: the workspace's namespaces may then use it
// (PoolsForNamespace) and, with the Calico backend, its projects' pods get
// addresses from it. It refuses the default pool, which serves every
// workspace, and a pool with addresses allocated to another workspace.
// Acting for a user, it needs get and update on the pool at cluster scope.
func (c *Client) AssignPool(ctx context.Context, pool, workspace string) (*networkv1alpha1.IPPool, error) {
	if err := c.authorize(ctx, onPools(pool, "get", "update")...); err != nil {
		return nil, err
	}
	if err := c.workspaceExists(ctx, "workspace", workspace); err != nil {
		return nil, err
	}
	return c.change(ctx, pool, map[string]string{fieldWorkspace: "workspace"}, func(p *networkv1alpha1.IPPool) bool {
		if WorkspaceOf(p) == workspace {
			return false
		}
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[WorkspaceLabel] = workspace
		return true
	})
}

// UnassignPool takes pool away from its workspace, if any. Acting for a
// user, it needs get and update on the pool at cluster scope.
func (c *Client) UnassignPool(ctx context.Context, pool string) (*networkv1alpha1.IPPool, error) {
	if err := c.authorize(ctx, onPools(pool, "get", "update")...); err != nil {
		return nil, err
	}
	return c.change(ctx, pool, nil, func(p *networkv1alpha1.IPPool) bool {
		if _, ok := p.Labels[WorkspaceLabel]; !ok {
			return false
		}
		delete(p.Labels, WorkspaceLabel)
		return true
	})
}

// DisablePool stops pool from handing out addresses (spec.disabled); it
// refuses a pool in use with a *ConflictError for pool. Acting for a user,
// it needs get and update on the pool at cluster scope.
func (c *Client) DisablePool(ctx context.Context, pool string) (*networkv1alpha1.IPPool, error) {
	if err := c.authorize(ctx, onPools(pool, "get", "update")...); err != nil {
		return nil, err
	}
	return c.setDisabled(ctx, pool, true)
}

// EnablePool lets pool hand out addresses again. Acting for a user, it
// needs get and update on the pool at cluster scope.
func (c *Client) EnablePool(ctx context.Context, pool string) (*networkv1alpha1.IPPool, error) {
	if err := c.authorize(ctx, onPools(pool, "get", "update")...); err != nil {
		return nil, err
	}
	return c.setDisabled(ctx, pool, false)
}

func (c *Client) setDisabled(ctx context.Context, pool string, disabled bool) (*networkv1alpha1.IPPool, error) {
	return c.change(ctx, pool, map[string]string{fieldDisabled: fieldPool}, func(p *networkv1alpha1.IPPool) bool {
		if p.Spec.Disabled == disabled {
			return false
		}
		p.Spec.Disabled = disabled
		return true
	})
}

// change reads pool, lets mutate change a copy (it reports whether it
// changed anything), checks the change with CheckUpdate and writes it,
// conditional on the version read; a conflict with another writer reads
// and decides again.
func (c *Client) change(ctx context.Context, pool string, names map[string]string, mutate func(*networkv1alpha1.IPPool) bool) (*networkv1alpha1.IPPool, error) {
	var out *networkv1alpha1.IPPool
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		old, err := c.pool(ctx, pool)
		if err != nil {
			return err
		}
		if err := notDeleting(old); err != nil {
			return err
		}
		updated := old.DeepCopy()
		if !mutate(updated) {
			out = old
			return nil
		}
		var existing []networkv1alpha1.IPPool
		if IsDefault(updated) && !IsDefault(old) {
			if existing, err = c.pools(ctx); err != nil {
				return err
			}
		}
		if err := CheckUpdate(old, updated, existing); err != nil {
			return renameFields(err, names)
		}
		if err := c.c.Update(ctx, updated, client.FieldOwner(c.fieldOwner)); err != nil {
			return err
		}
		out = updated
		return nil
	})
	if err != nil {
		if isInputError(err) {
			return nil, err
		}
		return nil, fmt.Errorf("update ip pool %q: %w", pool, err)
	}
	return out, nil
}

func notDeleting(p *networkv1alpha1.IPPool) error {
	if !p.DeletionTimestamp.IsZero() {
		return &ConflictError{Field: fieldPool, Reason: fmt.Sprintf("ip pool %q is being deleted", p.Name)}
	}
	return nil
}

// SetDefaultPool makes pool the one default pool: the label
// ippool.network.kubesphere.io/default moves to it from the pool that had
// it. It refuses a pool assigned to a workspace (*ConflictError for pool).
//
// The move is two writes, the old default's label removed and then the new
// one's added, so for a moment there is no default; if the second write
// fails, the first is undone. Two moves at once may both pass the checks;
// the validating webhook then refuses the later second default.
//
// Acting for a user, it needs get on the pool, and list and update on
// every pool (the old default is updated too), at cluster scope.
func (c *Client) SetDefaultPool(ctx context.Context, pool string) (*networkv1alpha1.IPPool, error) {
	if err := c.authorize(ctx, append(onPools(pool, "get"), onPools("", "list", "update")...)...); err != nil {
		return nil, err
	}
	target, err := c.pool(ctx, pool)
	if err != nil {
		return nil, err
	}
	if err := notDeleting(target); err != nil {
		return nil, err
	}
	if IsDefault(target) {
		return target, nil
	}
	want := target.DeepCopy()
	if want.Labels == nil {
		want.Labels = map[string]string{}
	}
	want.Labels[networkv1alpha1.IPPoolDefaultLabel] = ""
	if err := CheckUpdate(target, want, nil); err != nil {
		return nil, renameFields(err, map[string]string{fieldWorkspace: fieldPool})
	}
	existing, err := c.pools(ctx)
	if err != nil {
		return nil, fmt.Errorf("set default ip pool %q: %w", pool, err)
	}
	var moved []string
	undo := func(cause error) error {
		errs := []error{cause}
		for _, name := range moved {
			if _, err := c.relabelDefault(ctx, name, true); err != nil {
				errs = append(errs, fmt.Errorf("restore default label of ip pool %q: %w", name, err))
			}
		}
		return errors.Join(errs...)
	}
	for i := range existing {
		o := &existing[i]
		if o.Name == pool || !IsDefault(o) {
			continue
		}
		if _, err := c.relabelDefault(ctx, o.Name, false); err != nil {
			return nil, undo(fmt.Errorf("set default ip pool %q: %w", pool, err))
		}
		moved = append(moved, o.Name)
	}
	out, err := c.relabelDefault(ctx, pool, true)
	if err != nil {
		if isInputError(err) && len(moved) == 0 {
			return nil, err
		}
		return nil, undo(fmt.Errorf("set default ip pool %q: %w", pool, err))
	}
	return out, nil
}

// relabelDefault adds or removes the default label of pool.
func (c *Client) relabelDefault(ctx context.Context, pool string, isDefault bool) (*networkv1alpha1.IPPool, error) {
	return c.change(ctx, pool, map[string]string{fieldDefault: fieldPool, fieldWorkspace: fieldPool}, func(p *networkv1alpha1.IPPool) bool {
		if IsDefault(p) == isDefault {
			return false
		}
		if isDefault {
			if p.Labels == nil {
				p.Labels = map[string]string{}
			}
			p.Labels[networkv1alpha1.IPPoolDefaultLabel] = ""
		} else {
			delete(p.Labels, networkv1alpha1.IPPoolDefaultLabel)
		}
		return true
	})
}

// DeletePool deletes pool. It refuses a pool in use (status.allocations
// above zero) with a *ConflictError for pool. The delete is conditional on
// the version checked, so a pool whose usage changed meanwhile is checked
// again. A Calico pool is held by its finalizer until the backend has let
// go of its Calico IPPool. Acting for a user, it needs get and delete on
// the pool at cluster scope.
func (c *Client) DeletePool(ctx context.Context, pool string) error {
	if err := c.authorize(ctx, onPools(pool, "get", "delete")...); err != nil {
		return err
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := c.pool(ctx, pool)
		if err != nil {
			return err
		}
		if err := CheckDelete(p); err != nil {
			return err
		}
		uid, rv := p.UID, p.ResourceVersion
		err = c.c.Delete(ctx, p, client.Preconditions{UID: &uid, ResourceVersion: &rv})
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: fieldPool, Kind: "IPPool", Name: pool, Err: err}
		}
		return err
	})
	if err != nil {
		if isInputError(err) {
			return err
		}
		return fmt.Errorf("delete ip pool %q: %w", pool, err)
	}
	return nil
}
