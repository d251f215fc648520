package controllers

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/internal/ensure"
	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// StorageClassReconciler keeps, for every StorageClass, the
// StorageClassCapability of the same name (owned by the class, removed
// with it) and the class's KubeSphere annotations: kubesphere.io/pvc-count
// (the claims naming the class) and, for provisioners with a CSIDriver,
// storageclass.kubesphere.io/allow-snapshot and allow-clone (see
// DesiredFlag). What it writes is storage.CapabilitiesOf' answer.
type StorageClassReconciler struct {
	Common
	// Snapshots: the snapshot API is in the scheme and the cluster, so
	// VolumeSnapshotClasses are watched (SnapshotAPIAvailable).
	Snapshots bool
}

// SetupWithManager registers the reconciler and its field indexes with
// mgr. It watches StorageClasses, its StorageClassCapabilities, and what
// changes a class's answer: CSIDrivers, CSINodes and
// ProvisionerCapabilities (by provisioner), VolumeSnapshotClasses (by
// driver) and the creation and deletion of claims (a claim's class does not
// change).
func (r *StorageClassReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, options controller.Options) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &storagev1.StorageClass{}, indexProvisioner, provisionerIndex); err != nil {
		return fmt.Errorf("index storage classes by provisioner: %w", err)
	}
	if err := idx.IndexField(ctx, &corev1.PersistentVolumeClaim{}, indexClaimClass, claimClasses); err != nil {
		return fmt.Errorf("index claims by class: %w", err)
	}
	claimLifecycle := predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return true },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("storage-class").
		For(&storagev1.StorageClass{}).
		Owns(&storagev1alpha1.StorageClassCapability{}).
		Watches(&corev1.PersistentVolumeClaim{}, handler.EnqueueRequestsFromMapFunc(r.claimClass), builder.WithPredicates(claimLifecycle)).
		Watches(&storagev1.CSIDriver{}, handler.EnqueueRequestsFromMapFunc(r.byName)).
		Watches(&storagev1alpha1.ProvisionerCapability{}, handler.EnqueueRequestsFromMapFunc(r.byName)).
		Watches(&storagev1.CSINode{}, handler.EnqueueRequestsFromMapFunc(r.byNodeDrivers), builder.WithPredicates(predicate.GenerationChangedPredicate{}))
	if r.Snapshots {
		b = b.Watches(&snapshotv1.VolumeSnapshotClass{}, handler.EnqueueRequestsFromMapFunc(r.bySnapshotDriver))
	}
	return b.WithOptions(options).Complete(r)
}

func (r *StorageClassReconciler) claimClass(_ context.Context, o client.Object) []reconcile.Request {
	var out []reconcile.Request
	for _, c := range claimClasses(o) {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: c}})
	}
	return out
}

// byName enqueues the classes of the provisioner o is named after.
func (r *StorageClassReconciler) byName(ctx context.Context, o client.Object) []reconcile.Request {
	return r.classesOf(ctx, o.GetName())
}

func (r *StorageClassReconciler) bySnapshotDriver(ctx context.Context, o client.Object) []reconcile.Request {
	return r.classesOf(ctx, o.(*snapshotv1.VolumeSnapshotClass).Driver)
}

func (r *StorageClassReconciler) byNodeDrivers(ctx context.Context, o client.Object) []reconcile.Request {
	var out []reconcile.Request
	for _, d := range o.(*storagev1.CSINode).Spec.Drivers {
		out = append(out, r.classesOf(ctx, d.Name)...)
	}
	return out
}

func (r *StorageClassReconciler) classesOf(ctx context.Context, provisioner string) []reconcile.Request {
	var list storagev1.StorageClassList
	if err := r.Client.List(ctx, &list, client.MatchingFields{indexProvisioner: provisioner}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "list storage classes of a provisioner", "provisioner", provisioner)
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, sc := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: sc.Name}})
	}
	return out
}

// Reconcile brings one class's capability object and annotations in line.
func (r *StorageClassReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	sc := &storagev1.StorageClass{}
	if err := r.Client.Get(ctx, req.NamespacedName, sc); err != nil {
		if apierrors.IsNotFound(err) {
			// The garbage collector removes an owned capability; this covers
			// clusters without one and capabilities made before they were
			// owned.
			capability := &storagev1alpha1.StorageClassCapability{ObjectMeta: metav1.ObjectMeta{Name: req.Name}}
			return reconcile.Result{}, client.IgnoreNotFound(r.Client.Delete(ctx, capability))
		}
		return reconcile.Result{}, err
	}
	if !sc.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	caps, err := storage.CapabilitiesOf(ctx, r.Client, sc)
	if err != nil {
		return reconcile.Result{}, err
	}
	capability := &storagev1alpha1.StorageClassCapability{
		ObjectMeta: metav1.ObjectMeta{Name: sc.Name},
		Spec:       storagev1alpha1.StorageClassCapabilitySpec{Provisioner: sc.Provisioner, Features: caps.Features()},
	}
	if err := controllerutil.SetControllerReference(sc, capability, r.Scheme); err != nil {
		return reconcile.Result{}, err
	}
	if err := ensure.Object(ctx, r.Client, capability, r.fieldOwner()); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, r.annotate(ctx, sc, caps)
}

// annotate applies the class's annotations when they differ from what is
// there.
func (r *StorageClassReconciler) annotate(ctx context.Context, sc *storagev1.StorageClass, caps *storage.Capabilities) error {
	var claims corev1.PersistentVolumeClaimList
	if err := r.Client.List(ctx, &claims, client.MatchingFields{indexClaimClass: sc.Name}); err != nil {
		return fmt.Errorf("list claims of class %s: %w", sc.Name, err)
	}
	owned := ownedAnnotations(sc, r.fieldOwner())
	want := map[string]string{storagev1alpha1.PVCCountAnnotation: strconv.Itoa(len(claims.Items))}
	for key, value := range map[string]bool{
		storagev1alpha1.AllowSnapshotAnnotation: caps.Snapshot == storage.Supported,
		storagev1alpha1.AllowCloneAnnotation:    caps.Clone == storage.Supported,
	} {
		current, present := sc.Annotations[key]
		if v, ok := DesiredFlag(current, present, owned[key], caps.CSIDriver, value); ok {
			want[key] = v
		}
	}
	return applyAnnotations(ctx, r.Client, sc, "storage.k8s.io/v1", "StorageClass", want, owned, r.fieldOwner())
}

// applyAnnotations applies want as the annotations this field manager owns
// on obj, unless obj has them all already and the manager owns nothing
// else among them.
func applyAnnotations(ctx context.Context, c client.Client, obj client.Object, apiVersion, kind string, want map[string]string, owned map[string]bool, owner string) error {
	same := true
	for k, v := range want {
		if cur, ok := obj.GetAnnotations()[k]; !ok || cur != v || !owned[k] {
			same = false
		}
	}
	for k := range owned {
		if _, ok := want[k]; !ok {
			same = false
		}
	}
	if same {
		return nil
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetName(obj.GetName())
	u.SetAnnotations(maps.Clone(want))
	// The UID pins the apply to this object: applied to a class deleted
	// meanwhile, it fails instead of creating one.
	u.SetUID(obj.GetUID())
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(owner), client.ForceOwnership); err != nil {
		return fmt.Errorf("annotate %s %s: %w", kind, obj.GetName(), err)
	}
	return nil
}
