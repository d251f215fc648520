package controllers

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
)

// DefaultFieldOwner is the field manager of what the IP pool controllers
// write.
const DefaultFieldOwner = "spherekit-ippools"

// WatchFilterLabel is the label Common.WatchFilterValue selects on (the
// one the tenancy controllers use).
const WatchFilterLabel = "spherekit.io/watch-filter"

// Options configures the IP pool controllers. The zero value gives
// KubeSphere's defaults.
type Options struct {
	// FieldOwner is the field manager of what the controllers write; empty
	// means DefaultFieldOwner.
	FieldOwner string
	// Controller configures every controller they register.
	Controller controller.Options
	// WatchFilterValue, when set, limits them to pools and namespaces
	// labelled WatchFilterLabel with this value.
	WatchFilterValue string
	// Calico are the encapsulation and NAT settings of the Calico IPPools.
	Calico CalicoSettings
}

// Common holds what every IP pool reconciler needs.
type Common struct {
	// Client reads from the manager's cache and writes.
	Client client.Client
	// Scheme knows the built-in kinds and the spherekit API groups.
	Scheme *runtime.Scheme
	// RESTMapper tells whether Calico's CRDs are installed (the manager's
	// GetRESTMapper()).
	RESTMapper meta.RESTMapper
	// FieldOwner is the field manager of the writes; empty means
	// DefaultFieldOwner.
	FieldOwner string
	// WatchFilterValue, when set, limits the reconciler to objects labelled
	// WatchFilterLabel with this value.
	WatchFilterValue string
}

func (c Common) fieldOwner() client.FieldOwner {
	if c.FieldOwner == "" {
		return client.FieldOwner(DefaultFieldOwner)
	}
	return client.FieldOwner(c.FieldOwner)
}

func (c Common) filtered(o client.Object) bool {
	return c.WatchFilterValue == "" || o.GetLabels()[WatchFilterLabel] == c.WatchFilterValue
}

func (c Common) watchFilter() predicate.Predicate {
	return predicate.NewPredicateFuncs(c.filtered)
}

func (c Common) validate() error {
	if c.Client == nil || c.Scheme == nil || c.RESTMapper == nil {
		return errors.New("ippool controllers: Common needs Client, Scheme and RESTMapper")
	}
	return nil
}

// installed reports whether the API server serves gvk, by the REST mapper:
// false, without an error, when its CRD is not installed.
func (c Common) installed(gvk schema.GroupVersionKind) (bool, error) {
	_, err := c.RESTMapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up %s: %w", gvk, err)
	}
	return true, nil
}

// SetupWithManager registers the Calico backend's reconcilers with mgr:
// CalicoReconciler and CalicoNamespaceReconciler. mgr's scheme must know
// the built-in kinds and the spherekit API groups.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	common := Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), RESTMapper: mgr.GetRESTMapper(),
		FieldOwner: opts.FieldOwner, WatchFilterValue: opts.WatchFilterValue}
	if err := (&CalicoReconciler{Common: common, Settings: opts.Calico}).SetupWithManager(ctx, mgr, opts.Controller); err != nil {
		return err
	}
	return (&CalicoNamespaceReconciler{Common: common}).SetupWithManager(ctx, mgr, opts.Controller)
}
