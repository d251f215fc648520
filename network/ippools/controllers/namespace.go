package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// Namespace annotations.
const (
	// IPv4PoolsAnnotation and IPv6PoolsAnnotation list, as a JSON array of
	// names, the Calico pools the namespace's pods take addresses from.
	IPv4PoolsAnnotation = "cni.projectcalico.org/ipv4pools"
	IPv6PoolsAnnotation = "cni.projectcalico.org/ipv6pools"
	// ManagedAnnotation, valued "true", marks a namespace whose pool
	// annotations CalicoNamespaceReconciler wrote, so it removes them when
	// the namespace leaves its workspace; those of other namespaces are
	// never touched.
	ManagedAnnotation = "network.spherekit.io/ippool-annotations"
)

// NamespacePools returns the Calico pools, IPv4 and IPv6, a namespace of
// workspace ws is given in its annotations: the pools assigned to ws, or,
// when it has none, the default pool (assigned to no workspace). Only pools
// of type calico that the backend has synced count, and neither disabled
// pools (Calico refuses to allocate from a disabled pool it is asked for)
// nor pools being deleted. A namespace of no workspace gets none, as in
// KubeSphere. Names are sorted.
//
// KubeSphere 3.4 gives every namespace of a workspace its synced default
// pools; spherekit does the same for workspaces without pools of their own,
// and gives the others their own pools instead, so assigning a pool to a
// workspace takes effect for its projects.
func NamespacePools(ws string, pools []networkv1alpha1.IPPool) (v4, v6 []string) {
	if ws == "" {
		return nil, nil
	}
	var own, shared []*networkv1alpha1.IPPool
	for i := range pools {
		p := &pools[i]
		if p.Spec.Type != ippools.TypeCalico || !p.Status.Synced || p.Spec.Disabled || !p.DeletionTimestamp.IsZero() {
			continue
		}
		switch owner := ippools.WorkspaceOf(p); {
		case owner == ws:
			own = append(own, p)
		case owner == "" && ippools.IsDefault(p):
			shared = append(shared, p)
		}
	}
	chosen := own
	if len(chosen) == 0 {
		chosen = shared
	}
	for _, p := range chosen {
		prefix, err := netip.ParsePrefix(p.Spec.CIDR)
		switch {
		case err != nil:
		case prefix.Addr().Is4():
			v4 = append(v4, p.Name)
		default:
			v6 = append(v6, p.Name)
		}
	}
	slices.Sort(v4)
	slices.Sort(v6)
	return v4, v6
}

// CalicoNamespaceReconciler keeps the annotations cni.projectcalico.org/ipv4pools
// and ipv6pools of every namespace of a workspace (label
// kubesphere.io/workspace) as NamespacePools says, as KubeSphere's ippool
// controller does with its Calico provider: set when there are pools,
// removed when there are none. It runs only while Calico's IPPool CRD is
// installed. The annotations of a namespace outside any workspace are
// left alone, unless the reconciler wrote them (ManagedAnnotation) before
// the namespace left its workspace; then they are removed.
type CalicoNamespaceReconciler struct {
	Common
}

// SetupWithManager registers the reconciler with mgr.
func (r *CalicoNamespaceReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, opts controller.Options) error {
	if err := r.validate(); err != nil {
		return err
	}
	err := ctrl.NewControllerManagedBy(mgr).
		Named("ippool-calico-namespace").
		For(&corev1.Namespace{}, builder.WithPredicates(r.watchFilter())).
		Watches(&networkv1alpha1.IPPool{}, handler.EnqueueRequestsFromMapFunc(r.workspaceNamespaces)).
		WithOptions(opts).
		Complete(r)
	if err != nil {
		return fmt.Errorf("ippool controllers: register calico namespace reconciler: %w", err)
	}
	return nil
}

// workspaceNamespaces enqueues the namespaces whose annotations a pool's
// change may alter: all of a workspace's for a pool assigned to it, every
// workspace's for another (a default pool, or one just unassigned), and
// those that carry ManagedAnnotation.
func (r *CalicoNamespaceReconciler) workspaceNamespaces(ctx context.Context, o client.Object) []reconcile.Request {
	var l corev1.NamespaceList
	if err := r.Client.List(ctx, &l); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list namespaces for an ip pool", "pool", o.GetName())
		return nil
	}
	var out []reconcile.Request
	for i := range l.Items {
		ns := &l.Items[i]
		if !r.filtered(ns) {
			continue
		}
		if ns.Labels[ippools.WorkspaceLabel] != "" || ns.Annotations[ManagedAnnotation] == "true" {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(ns)})
		}
	}
	return out
}

// Reconcile writes one namespace's pool annotations.
func (r *CalicoNamespaceReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !r.filtered(ns) || !ns.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	if ok, err := r.installed(CalicoIPPoolGVK); err != nil || !ok {
		return reconcile.Result{}, err
	}
	ws := ns.Labels[ippools.WorkspaceLabel]
	if ws == "" && ns.Annotations[ManagedAnnotation] != "true" {
		return reconcile.Result{}, nil
	}
	var pools networkv1alpha1.IPPoolList
	if err := r.Client.List(ctx, &pools); err != nil {
		return reconcile.Result{}, fmt.Errorf("list ip pools: %w", err)
	}
	v4, v6 := NamespacePools(ws, pools.Items)
	want := map[string]*string{IPv4PoolsAnnotation: nil, IPv6PoolsAnnotation: nil, ManagedAnnotation: nil}
	if ws != "" {
		managed := "true"
		want[ManagedAnnotation] = &managed
	}
	for key, names := range map[string][]string{IPv4PoolsAnnotation: v4, IPv6PoolsAnnotation: v6} {
		if len(names) > 0 {
			raw, err := json.Marshal(names)
			if err != nil {
				return reconcile.Result{}, err
			}
			s := string(raw)
			want[key] = &s
		}
	}
	orig := ns.DeepCopy()
	changed := false
	for key, v := range want {
		cur, has := ns.Annotations[key]
		switch {
		case v == nil && has:
			delete(ns.Annotations, key)
			changed = true
		case v != nil && (!has || cur != *v):
			if ns.Annotations == nil {
				ns.Annotations = map[string]string{}
			}
			ns.Annotations[key] = *v
			changed = true
		}
	}
	if !changed {
		return reconcile.Result{}, nil
	}
	if err := r.Client.Patch(ctx, ns, client.MergeFrom(orig), r.fieldOwner()); err != nil {
		return reconcile.Result{}, fmt.Errorf("write ip pool annotations of namespace %s: %w", ns.Name, err)
	}
	return reconcile.Result{}, nil
}
