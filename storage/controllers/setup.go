package controllers

import (
	"context"
	"fmt"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// DefaultFieldOwner is the field manager of what the storage controllers
// write.
const DefaultFieldOwner = "spherekit-storage"

// Options configures the storage controllers. The zero value is ready to
// use.
type Options struct {
	// FieldOwner is the field manager of what the controllers write; empty
	// means DefaultFieldOwner. The StorageClass annotations the controllers
	// set are theirs only while this manager owns them.
	FieldOwner string

	// Controller configures every controller the reconcilers register
	// (MaxConcurrentReconciles, SkipNameValidation, rate limiters ...).
	Controller controller.Options
}

// OptionsError reports an invalid Options field (the SDK's one input-error
// shape).
type OptionsError = fielderr.Invalid

// Field indexes the controllers register on the manager's cache.
const (
	// indexProvisioner indexes StorageClasses by provisioner.
	indexProvisioner = "spherekit.storage.provisioner"
	// indexClaimClass indexes claims by the class they name (in
	// spec.storageClassName or the beta annotation).
	indexClaimClass = "spherekit.storage.claimclass"
	// indexSnapshotClass indexes VolumeSnapshots by their class.
	indexSnapshotClass = "spherekit.storage.snapshotclass"
)

// SetupWithManager registers the storage reconcilers and the field indexes
// they use with mgr, whose scheme must know the built-in kinds and the
// spherekit API groups (spherekit.AddToScheme). When the scheme and the
// cluster also know snapshot.storage.k8s.io/v1 (the external-snapshotter
// client's AddToScheme and CRDs), snapshot support is read from
// VolumeSnapshotClasses and VolumeSnapshotClassReconciler runs too;
// otherwise nothing snapshot-related is watched.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if opts.Controller.MaxConcurrentReconciles < 0 {
		return fmt.Errorf("storage controllers: %w", &OptionsError{Field: "Controller.MaxConcurrentReconciles", Reason: "must not be negative"})
	}
	common := Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), FieldOwner: opts.FieldOwner}
	snapshots := SnapshotAPIAvailable(mgr.GetScheme(), mgr.GetRESTMapper())
	if err := (&StorageClassReconciler{Common: common, Snapshots: snapshots}).SetupWithManager(ctx, mgr, opts.Controller); err != nil {
		return err
	}
	if err := (&ProvisionerCapabilityReconciler{Common: common, Snapshots: snapshots}).SetupWithManager(ctx, mgr, opts.Controller); err != nil {
		return err
	}
	if snapshots {
		return (&VolumeSnapshotClassReconciler{Common: common}).SetupWithManager(ctx, mgr, opts.Controller)
	}
	return nil
}

// SnapshotAPIAvailable reports whether scheme registers
// snapshot.storage.k8s.io/v1 and mapper finds VolumeSnapshotClasses and
// VolumeSnapshots in the cluster.
func SnapshotAPIAvailable(scheme *runtime.Scheme, mapper meta.RESTMapper) bool {
	for _, obj := range []client.Object{&snapshotv1.VolumeSnapshotClass{}, &snapshotv1.VolumeSnapshot{}} {
		gvk, err := apiutil.GVKForObject(obj, scheme)
		if err != nil {
			return false
		}
		if _, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return false
		}
	}
	return true
}

// Common holds what every storage reconciler needs. A host that registers
// reconcilers one by one fills it from its manager:
//
//	c := controllers.Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}
//	err := (&controllers.StorageClassReconciler{Common: c}).SetupWithManager(ctx, mgr, controller.Options{})
type Common struct {
	// Client reads from the manager's cache, where the reconcilers register
	// the field indexes they list by, and writes.
	Client client.Client
	// Scheme knows the built-in kinds and the spherekit API groups; owner
	// references are set with it.
	Scheme *runtime.Scheme
	// FieldOwner is the field manager of what the reconciler writes; empty
	// means DefaultFieldOwner.
	FieldOwner string
}

func (r Common) fieldOwner() string {
	if r.FieldOwner == "" {
		return DefaultFieldOwner
	}
	return r.FieldOwner
}

// claimClasses is the indexClaimClass index function: the class a claim
// names, in spec.storageClassName or the beta annotation (KubeSphere counts
// a claim for either).
func claimClasses(o client.Object) []string {
	pvc := o.(*corev1.PersistentVolumeClaim)
	var out []string
	if pvc.Spec.StorageClassName != nil && *pvc.Spec.StorageClassName != "" {
		out = append(out, *pvc.Spec.StorageClassName)
	}
	if a := pvc.Annotations[corev1.BetaStorageClassAnnotation]; a != "" && (len(out) == 0 || out[0] != a) {
		out = append(out, a)
	}
	return out
}

func provisionerIndex(o client.Object) []string {
	if p := o.(*storagev1.StorageClass).Provisioner; p != "" {
		return []string{p}
	}
	return nil
}

func snapshotClassIndex(o client.Object) []string {
	if c := o.(*snapshotv1.VolumeSnapshot).Spec.VolumeSnapshotClassName; c != nil && *c != "" {
		return []string{*c}
	}
	return nil
}
