package controllers

import (
	"context"
	"fmt"
	"strconv"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// VolumeSnapshotClassReconciler keeps kubesphere.io/snapshot-count on every
// VolumeSnapshotClass: the number of VolumeSnapshots naming the class.
type VolumeSnapshotClassReconciler struct {
	Common
}

// SetupWithManager registers the reconciler and its field index with mgr.
// It watches VolumeSnapshotClasses and the creation and deletion of
// VolumeSnapshots (and updates that change a snapshot's class, which is
// set once when it was empty).
func (r *VolumeSnapshotClassReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, options controller.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &snapshotv1.VolumeSnapshot{}, indexSnapshotClass, snapshotClassIndex); err != nil {
		return fmt.Errorf("index volume snapshots by class: %w", err)
	}
	classChanged := predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return fmt.Sprint(snapshotClassIndex(e.ObjectOld)) != fmt.Sprint(snapshotClassIndex(e.ObjectNew))
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("volume-snapshot-class").
		For(&snapshotv1.VolumeSnapshotClass{}).
		Watches(&snapshotv1.VolumeSnapshot{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			var out []reconcile.Request
			for _, c := range snapshotClassIndex(o) {
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: c}})
			}
			return out
		}), builder.WithPredicates(classChanged)).
		WithOptions(options).
		Complete(r)
}

// Reconcile counts one class's snapshots.
func (r *VolumeSnapshotClassReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	vsc := &snapshotv1.VolumeSnapshotClass{}
	if err := r.Client.Get(ctx, req.NamespacedName, vsc); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	if !vsc.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	var snapshots snapshotv1.VolumeSnapshotList
	if err := r.Client.List(ctx, &snapshots, client.MatchingFields{indexSnapshotClass: vsc.Name}); err != nil {
		return reconcile.Result{}, fmt.Errorf("list snapshots of class %s: %w", vsc.Name, err)
	}
	want := map[string]string{storagev1alpha1.SnapshotCountAnnotation: strconv.Itoa(len(snapshots.Items))}
	return reconcile.Result{}, applyAnnotations(ctx, r.Client, vsc, snapshotv1.SchemeGroupVersion.String(), "VolumeSnapshotClass", want, ownedAnnotations(vsc, r.fieldOwner()), r.fieldOwner())
}
