package controllers

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// InUseRetry is how soon a pool being deleted while its addresses are in
// use is looked at again (KubeSphere's delay).
const InUseRetry = 3 * time.Second

// CalicoReconciler is the Calico backend of pools of type calico, as
// KubeSphere's Calico provider and ippool controller are: while Calico's
// IPPool CRD is installed it keeps the finalizer and KubeSphere's labels
// (name, type, ID) on each such pool, keeps a crd.projectcalico.org/v1
// IPPool of the same name in step (CalicoPool; controlled by the pool),
// and writes the pool's status: synced, and its usage from Calico's
// IPAMBlocks when that CRD is installed too (CalicoUsage). When the pool
// is deleted, its Calico IPPool is disabled until no address is allocated,
// then deleted, and the finalizer removed.
//
// Without Calico's IPPool CRD the reconciler leaves pools alone (and lets
// go of its finalizer on a pool being deleted). It finds out through the
// REST mapper on each reconcile, but it only watches Calico's objects when
// their CRDs existed at SetupWithManager: installed later, they are picked
// up at the next event of each pool, and drift of the Calico objects is
// repaired after the manager restarts.
type CalicoReconciler struct {
	Common
	// Settings are the IP-in-IP, VXLAN and NAT settings of the Calico
	// IPPools.
	Settings CalicoSettings
}

// SetupWithManager registers the reconciler with mgr.
func (r *CalicoReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, opts controller.Options) error {
	if err := r.validate(); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("ippool-calico").
		For(&networkv1alpha1.IPPool{}, builder.WithPredicates(r.watchFilter())).
		WithOptions(opts)
	if ok, err := r.installed(CalicoIPPoolGVK); err != nil {
		return err
	} else if ok {
		owned := &unstructured.Unstructured{}
		owned.SetGroupVersionKind(CalicoIPPoolGVK)
		b = b.Owns(owned)
	}
	if ok, err := r.installed(CalicoIPAMBlockGVK); err != nil {
		return err
	} else if ok {
		block := &unstructured.Unstructured{}
		block.SetGroupVersionKind(CalicoIPAMBlockGVK)
		b = b.Watches(block, handler.EnqueueRequestsFromMapFunc(r.poolsOfBlock))
	}
	if err := b.Complete(r); err != nil {
		return fmt.Errorf("ippool controllers: register calico reconciler: %w", err)
	}
	return nil
}

// poolsOfBlock enqueues the calico pools whose CIDR holds a block.
func (r *CalicoReconciler) poolsOfBlock(ctx context.Context, o client.Object) []reconcile.Request {
	u, ok := o.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	cidr, _, _ := unstructured.NestedString(u.Object, "spec", "cidr")
	bp, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil
	}
	var l networkv1alpha1.IPPoolList
	if err := r.Client.List(ctx, &l); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list ip pools for a Calico IPAMBlock", "block", u.GetName())
		return nil
	}
	var out []reconcile.Request
	for i := range l.Items {
		p := &l.Items[i]
		pp, err := netip.ParsePrefix(p.Spec.CIDR)
		if err == nil && p.Spec.Type == ippools.TypeCalico && r.filtered(p) && pp.Masked().Overlaps(bp.Masked()) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(p)})
		}
	}
	return out
}

// Reconcile brings one pool's Calico IPPool, finalizer, labels and status
// in step.
func (r *CalicoReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	pool := &networkv1alpha1.IPPool{}
	if err := r.Client.Get(ctx, req.NamespacedName, pool); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if pool.Spec.Type != ippools.TypeCalico || !r.filtered(pool) {
		return reconcile.Result{}, nil
	}
	ok, err := r.installed(CalicoIPPoolGVK)
	if err != nil {
		return reconcile.Result{}, err
	}
	if !ok {
		log.V(1).Info("Calico's IPPool CRD is not installed; leaving the pool alone")
		if !pool.DeletionTimestamp.IsZero() && controllerutil.ContainsFinalizer(pool, networkv1alpha1.IPPoolFinalizer) {
			// No Calico IPPool can exist without its CRD.
			return reconcile.Result{}, r.removeFinalizer(ctx, pool)
		}
		return reconcile.Result{}, nil
	}
	if !pool.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, pool)
	}
	if err := r.ensureFinalizerAndLabels(ctx, pool); err != nil {
		return reconcile.Result{}, err
	}
	synced, err := r.ensureCalicoPool(ctx, pool)
	if err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, r.writeStatus(ctx, pool, synced)
}

// ensureFinalizerAndLabels adds the finalizer and KubeSphere's labels, as
// KubeSphere's controller does before creating the backend's pool.
func (r *CalicoReconciler) ensureFinalizerAndLabels(ctx context.Context, pool *networkv1alpha1.IPPool) error {
	want := map[string]string{
		networkv1alpha1.IPPoolNameLabel: pool.Name,
		networkv1alpha1.IPPoolTypeLabel: ippools.TypeLabel(pool.Spec),
		networkv1alpha1.IPPoolIDLabel:   strconv.FormatUint(uint64(ippools.ID(pool.Spec)), 10),
	}
	labels := maps.Clone(pool.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, want)
	if controllerutil.ContainsFinalizer(pool, networkv1alpha1.IPPoolFinalizer) && maps.Equal(labels, pool.Labels) {
		return nil
	}
	orig := pool.DeepCopy()
	pool.Labels = labels
	controllerutil.AddFinalizer(pool, networkv1alpha1.IPPoolFinalizer)
	if err := r.Client.Patch(ctx, pool, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}), r.fieldOwner()); err != nil {
		return fmt.Errorf("add finalizer to ip pool %s: %w", pool.Name, err)
	}
	return nil
}

// ensureCalicoPool creates or updates the pool's Calico IPPool. It reports
// false, with nothing written, when a Calico IPPool of that name exists
// for another CIDR (it is not the pool's, and changing the CIDR of a
// Calico pool would strand its addresses).
func (r *CalicoReconciler) ensureCalicoPool(ctx context.Context, pool *networkv1alpha1.IPPool) (bool, error) {
	want := CalicoPool(pool, r.Settings)
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(CalicoIPPoolGVK)
	err := r.Client.Get(ctx, client.ObjectKey{Name: pool.Name}, got)
	if apierrors.IsNotFound(err) {
		if err := controllerutil.SetControllerReference(pool, want, r.Scheme); err != nil {
			return false, err
		}
		if err := r.Client.Create(ctx, want, r.fieldOwner()); err != nil {
			return false, fmt.Errorf("create Calico IPPool %s: %w", pool.Name, err)
		}
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("get Calico IPPool %s: %w", pool.Name, err)
	}
	if cidr, _, _ := unstructured.NestedString(got.Object, "spec", "cidr"); !metav1.IsControlledBy(got, pool) && !sameCIDR(cidr, pool.Spec.CIDR) {
		ctrl.LoggerFrom(ctx).Info("a Calico IPPool of the pool's name has another CIDR; leaving it alone", "calicoCIDR", cidr, "cidr", pool.Spec.CIDR)
		return false, nil
	}
	updated := got.DeepCopy()
	for _, f := range calicoSpecFields {
		v, _, _ := unstructured.NestedFieldNoCopy(want.Object, "spec", f)
		if err := unstructured.SetNestedField(updated.Object, v, "spec", f); err != nil {
			return false, err
		}
	}
	// A Calico pool KubeSphere found in place (its syncIPPools) is adopted
	// unless something else controls it.
	if metav1.GetControllerOf(updated) == nil {
		if err := controllerutil.SetControllerReference(pool, updated, r.Scheme); err != nil {
			return false, err
		}
	}
	if reflect.DeepEqual(updated.Object, got.Object) {
		return true, nil
	}
	if err := r.Client.Update(ctx, updated, r.fieldOwner()); err != nil {
		return false, fmt.Errorf("update Calico IPPool %s: %w", pool.Name, err)
	}
	return true, nil
}

func sameCIDR(a, b string) bool {
	pa, err := netip.ParsePrefix(a)
	if err != nil {
		return false
	}
	pb, err := netip.ParsePrefix(b)
	return err == nil && pa.Masked() == pb.Masked()
}

// usage returns the pool's status from Calico's IPAMBlocks, or its status
// unchanged when that CRD is not installed.
func (r *CalicoReconciler) usage(ctx context.Context, pool *networkv1alpha1.IPPool) (networkv1alpha1.IPPoolStatus, error) {
	ok, err := r.installed(CalicoIPAMBlockGVK)
	if err != nil || !ok {
		return pool.Status, err
	}
	blocks := &unstructured.UnstructuredList{}
	blocks.SetGroupVersionKind(CalicoIPAMBlockGVK.GroupVersion().WithKind("IPAMBlockList"))
	if err := r.Client.List(ctx, blocks); err != nil {
		return pool.Status, fmt.Errorf("list Calico IPAMBlocks: %w", err)
	}
	var namespaces corev1.NamespaceList
	if err := r.Client.List(ctx, &namespaces); err != nil {
		return pool.Status, fmt.Errorf("list namespaces: %w", err)
	}
	ws := make(map[string]string, len(namespaces.Items))
	for _, ns := range namespaces.Items {
		ws[ns.Name] = ns.Labels[ippools.WorkspaceLabel]
	}
	return CalicoUsage(pool, blocks.Items, func(ns string) string { return ws[ns] }), nil
}

// writeStatus writes synced and the usage, when they changed.
func (r *CalicoReconciler) writeStatus(ctx context.Context, pool *networkv1alpha1.IPPool, synced bool) error {
	st, err := r.usage(ctx, pool)
	if err != nil {
		return err
	}
	st.Synced = synced
	if st.Capacity == 0 {
		st.Capacity, _, _ = ippools.Addresses(networkv1alpha1.IPPoolSpec{Type: pool.Spec.Type, CIDR: pool.Spec.CIDR})
		st.Unallocated = max(st.Capacity-st.Allocations-st.Reserved, 0)
	}
	if reflect.DeepEqual(st, pool.Status) {
		return nil
	}
	// An update, not a merge patch: the status's required counts are
	// zero at first and a patch would leave them out.
	pool.Status = st
	if err := r.Client.Status().Update(ctx, pool, r.fieldOwner()); err != nil {
		return fmt.Errorf("write status of ip pool %s: %w", pool.Name, err)
	}
	return nil
}

// finalize disables the pool's Calico IPPool and, once no address is
// allocated, deletes it and lets the pool go.
func (r *CalicoReconciler) finalize(ctx context.Context, pool *networkv1alpha1.IPPool) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(pool, networkv1alpha1.IPPoolFinalizer) {
		return reconcile.Result{}, nil
	}
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(CalicoIPPoolGVK)
	err := r.Client.Get(ctx, client.ObjectKey{Name: pool.Name}, got)
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, fmt.Errorf("get Calico IPPool %s: %w", pool.Name, err)
	}
	cidr, _, _ := unstructured.NestedString(got.Object, "spec", "cidr")
	ours := err == nil && (metav1.IsControlledBy(got, pool) || sameCIDR(cidr, pool.Spec.CIDR))
	if ours {
		if disabled, _, _ := unstructured.NestedBool(got.Object, "spec", "disabled"); !disabled {
			updated := got.DeepCopy()
			if err := unstructured.SetNestedField(updated.Object, true, "spec", "disabled"); err != nil {
				return reconcile.Result{}, err
			}
			if err := r.Client.Update(ctx, updated, r.fieldOwner()); err != nil {
				return reconcile.Result{}, fmt.Errorf("disable Calico IPPool %s: %w", pool.Name, err)
			}
		}
		st, err := r.usage(ctx, pool)
		if err != nil {
			return reconcile.Result{}, err
		}
		if st.Allocations > 0 {
			// Still in use: report it and look again shortly.
			if err := r.writeStatus(ctx, pool, pool.Status.Synced); err != nil {
				return reconcile.Result{}, err
			}
			return reconcile.Result{RequeueAfter: InUseRetry}, nil
		}
		if err := r.Client.Delete(ctx, got, client.Preconditions{UID: ptrTo(got.GetUID())}); client.IgnoreNotFound(err) != nil {
			return reconcile.Result{}, fmt.Errorf("delete Calico IPPool %s: %w", pool.Name, err)
		}
	}
	return reconcile.Result{}, r.removeFinalizer(ctx, pool)
}

func (r *CalicoReconciler) removeFinalizer(ctx context.Context, pool *networkv1alpha1.IPPool) error {
	orig := pool.DeepCopy()
	if !controllerutil.RemoveFinalizer(pool, networkv1alpha1.IPPoolFinalizer) {
		return nil
	}
	if err := r.Client.Patch(ctx, pool, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}), r.fieldOwner()); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer of ip pool %s: %w", pool.Name, err)
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }
