package controllers

import (
	"context"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// ProvisionerCapabilityReconciler keeps one ProvisionerCapability per
// CSIDriver, named after the driver and owned by it: what a class of the
// driver that allows expansion and names no topology can do
// (storage.CapabilitiesOf). Its expand mode is kept as found when it
// says ONLINE or OFFLINE (a driver's installer or a prober knows it;
// spherekit does not), else UNKNOWN. pluginInfo.version is empty: the API
// does not say it.
type ProvisionerCapabilityReconciler struct {
	Common
	// Snapshots: the snapshot API is in the scheme and the cluster
	// (SnapshotAPIAvailable).
	Snapshots bool
}

// SetupWithManager registers the reconciler with mgr. It watches
// CSIDrivers, its ProvisionerCapabilities, CSINodes and
// VolumeSnapshotClasses (by driver).
func (r *ProvisionerCapabilityReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named("provisioner-capability").
		For(&storagev1.CSIDriver{}).
		Owns(&storagev1alpha1.ProvisionerCapability{}).
		Watches(&storagev1.CSINode{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			var out []reconcile.Request
			for _, d := range o.(*storagev1.CSINode).Spec.Drivers {
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: d.Name}})
			}
			return out
		}))
	if r.Snapshots {
		b = b.Watches(&snapshotv1.VolumeSnapshotClass{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: o.(*snapshotv1.VolumeSnapshotClass).Driver}}}
		}))
	}
	return b.WithOptions(options).Complete(r)
}

// Reconcile brings one driver's ProvisionerCapability in line.
func (r *ProvisionerCapabilityReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	driver := &storagev1.CSIDriver{}
	if err := r.Client.Get(ctx, req.NamespacedName, driver); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, r.removeOwned(ctx, req.Name)
		}
		return reconcile.Result{}, err
	}
	if !driver.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	probe := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: driver.Name}, Provisioner: driver.Name, AllowVolumeExpansion: ptr.To(true)}
	caps, err := storage.CapabilitiesOf(ctx, r.Client, probe)
	if err != nil {
		return reconcile.Result{}, err
	}
	pc := &storagev1alpha1.ProvisionerCapability{
		ObjectMeta: metav1.ObjectMeta{Name: driver.Name},
		Spec: storagev1alpha1.ProvisionerCapabilitySpec{
			PluginInfo: storagev1alpha1.PluginInfo{Name: driver.Name},
			Features:   caps.Features(),
		},
	}
	if err := controllerutil.SetControllerReference(driver, pc, r.Scheme); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, ensure.Object(ctx, r.Client, pc, r.fieldOwner())
}

// removeOwned deletes the ProvisionerCapability of a deleted driver when a
// CSIDriver owns it (the garbage collector does so too where it runs); one
// someone else wrote stays.
func (r *ProvisionerCapabilityReconciler) removeOwned(ctx context.Context, name string) error {
	pc := &storagev1alpha1.ProvisionerCapability{}
	if err := r.Client.Get(ctx, client.ObjectKey{Name: name}, pc); err != nil {
		return client.IgnoreNotFound(err)
	}
	for _, ref := range pc.OwnerReferences {
		if ref.Kind == "CSIDriver" && ref.Name == name {
			return client.IgnoreNotFound(r.Client.Delete(ctx, pc, client.Preconditions{UID: &pc.UID}))
		}
	}
	return nil
}
