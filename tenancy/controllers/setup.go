package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/spherekit/spherekit/internal/fielderr"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of the tenancy
// controllers.
const DefaultFieldOwner = "spherekit-tenancy"

// Options configures the tenancy controllers. The zero value gives
// KubeSphere's defaults.
type Options struct {
	// FieldOwner is the field manager of what the controllers write; empty means
	// DefaultFieldOwner.
	FieldOwner string

	// Controller configures every controller the reconcilers register
	// (MaxConcurrentReconciles, SkipNameValidation to register them with
	// several managers in one process, rate limiters ...).
	Controller controller.Options

	// WatchFilterValue, when set, limits every reconciler to objects
	// labelled WatchFilterLabel with this value, so several instances can
	// share a cluster (Cluster API's watch filter).
	WatchFilterValue string

	// LoginFailureLimit failed logins within LoginFailureWindow block a user
	// (state AuthLimitExceeded) until the window has passed. Zero means 5 and
	// 30 minutes.
	LoginFailureLimit  int
	LoginFailureWindow time.Duration

	// LoginRecordTTL is how long login records are kept, and
	// LoginRecordsPerUser how many at most per user. Zero means 7 days and
	// 100.
	LoginRecordTTL      time.Duration
	LoginRecordsPerUser int

	// Authorizer, when set, makes the RBAC mirrors check the creator
	// recorded on an iam role or binding (kubesphere.io/creator) before
	// they first turn it into native RBAC: one its creator could not have
	// written by Kubernetes' escalation rule gets no native grant (it is
	// checked again every minute). The escalation webhook (package
	// webhooks) makes the annotation trustworthy: a writer may name only
	// themselves as creator. Use an Authorizer over the manager's cache
	// with native RBAC (authz.NewFromCache with Options.NativeRBAC).
	Authorizer *authz.Authorizer

	// HostClusterName is this cluster's name in WorkspaceTemplate
	// placements (KubeSphere's multicluster hostClusterName); empty means
	// DefaultHostClusterName, "host".
	HostClusterName string

	// BcryptCost is the cost of password hashes; zero means 10 (bcrypt's
	// default). Tests may
	// lower it to bcrypt's minimum, 4.
	BcryptCost int
}

func (o Options) validate() error {
	switch {
	case o.Controller.MaxConcurrentReconciles < 0:
		return &OptionsError{Field: "Controller.MaxConcurrentReconciles", Reason: "must not be negative"}
	case o.LoginFailureLimit < 0:
		return &OptionsError{Field: "LoginFailureLimit", Reason: "must not be negative"}
	case o.LoginFailureWindow < 0:
		return &OptionsError{Field: "LoginFailureWindow", Reason: "must not be negative"}
	case o.LoginRecordTTL < 0:
		return &OptionsError{Field: "LoginRecordTTL", Reason: "must not be negative"}
	case o.LoginRecordsPerUser < 0:
		return &OptionsError{Field: "LoginRecordsPerUser", Reason: "must not be negative"}
	case o.BcryptCost != 0 && (o.BcryptCost < 4 || o.BcryptCost > 31):
		return &OptionsError{Field: "BcryptCost", Reason: "must be between 4 and 31"}
	case o.HostClusterName != "" && len(validation.IsQualifiedName(o.HostClusterName)) > 0:
		return &OptionsError{Field: "HostClusterName", Reason: strings.Join(validation.IsQualifiedName(o.HostClusterName), "; ")}
	}
	return nil
}

// OptionsError reports an invalid Options field: Field names it (such as
// "LoginFailureLimit") and Reason says what is wrong. It is the SDK's one
// input-error shape, the same type as tenancy.InvalidError.
type OptionsError = fielderr.Invalid

// Field indexes the controllers register on the manager's cache.
const (
	// indexGroupBindingUsers indexes GroupBindings by each user they list.
	indexGroupBindingUsers = "spherekit.tenancy.groupbinding.users"
	// indexWorkspace indexes Namespaces and WorkspaceRoleBindings by their
	// kubesphere.io/workspace label, so finding a workspace's projects and
	// bindings does not scan every object of the kind.
	indexWorkspace = "spherekit.tenancy.workspace"
)

// workspaceLabelIndex is the indexWorkspace index function.
func workspaceLabelIndex(o client.Object) []string {
	if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
		return []string{ws}
	}
	return nil
}

// SetupWithManager registers every tenancy reconciler and the field indexes
// they use with mgr. mgr's scheme must know the built-in kinds and the
// spherekit API groups (spherekit.AddToScheme).
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if err := opts.validate(); err != nil {
		return fmt.Errorf("tenancy controllers: %w", err)
	}
	common := Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), FieldOwner: opts.FieldOwner, WatchFilterValue: opts.WatchFilterValue}
	for _, r := range []interface {
		SetupWithManager(context.Context, ctrl.Manager, controller.Options) error
	}{
		&WorkspaceTemplateReconciler{Common: common, HostClusterName: opts.HostClusterName},
		&WorkspaceReconciler{Common: common},
		&NamespaceReconciler{Common: common, Authorizer: opts.Authorizer},
		&RoleAggregationReconciler{Common: common},
		&RBACReconciler{Common: common, Authorizer: opts.Authorizer},
		&UserReconciler{Common: common, LoginFailureLimit: opts.LoginFailureLimit, LoginFailureWindow: opts.LoginFailureWindow,
			LoginRecordTTL: opts.LoginRecordTTL, LoginRecordsPerUser: opts.LoginRecordsPerUser, BcryptCost: opts.BcryptCost},
		&ResourceQuotaReconciler{Common: common},
		&KubeSphereFinalizerReconciler{Common: common},
	} {
		if err := r.SetupWithManager(ctx, mgr, opts.Controller); err != nil {
			return err
		}
	}
	return nil
}

// WatchFilterLabel is the label Common.WatchFilterValue selects on.
const WatchFilterLabel = "spherekit.io/watch-filter"

// Common holds what every tenancy reconciler needs. A host that registers
// reconcilers one by one fills it from its manager:
//
//	c := controllers.Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}
//	err := (&controllers.WorkspaceReconciler{Common: c}).SetupWithManager(ctx, mgr, controller.Options{})
type Common struct {
	// Client reads from the manager's cache, where the reconcilers
	// register the field indexes they list by, and writes.
	Client client.Client
	// Scheme knows the built-in kinds and the spherekit API groups; owner
	// references are set with it.
	Scheme *runtime.Scheme
	// FieldOwner is the field manager of what the reconciler writes; empty
	// means DefaultFieldOwner.
	FieldOwner string
	// WatchFilterValue, when set, limits the reconciler to objects labelled
	// WatchFilterLabel with this value.
	WatchFilterValue string
}

func (r Common) fieldOwner() string {
	if r.FieldOwner == "" {
		return DefaultFieldOwner
	}
	return r.FieldOwner
}

// withWatchFilter returns l with the watch filter label added when
// WatchFilterValue is set, for what a reconciler derives that other
// reconcilers of the same instance reconcile in turn (a template's
// workspace, stamped roles, member bindings): without it the instance
// would ignore its own objects.
func (r Common) withWatchFilter(l map[string]string) map[string]string {
	if r.WatchFilterValue == "" {
		return l
	}
	return mergeLabels(l, map[string]string{WatchFilterLabel: r.WatchFilterValue})
}

// filtered reports whether o is one of the objects WatchFilterValue leaves
// to these reconcilers. Map functions that enqueue every object of a kind
// ask it, as the For predicate (watchFilter) does of the reconciled kind's
// own events.
func (r Common) filtered(o client.Object) bool {
	return r.WatchFilterValue == "" || o.GetLabels()[WatchFilterLabel] == r.WatchFilterValue
}

// watchFilter is the predicate on the reconciled kind WatchFilterValue
// asks for.
func (r Common) watchFilter() builder.Predicates {
	return builder.WithPredicates(predicate.NewPredicateFuncs(r.filtered))
}

// createOnce creates a stamped role unless it exists (in the cache). The role
// is created with its rules already aggregated, so it is written once.
func (r Common) createOnce(ctx context.Context, role client.Object, scope string) error {
	err := r.Client.Get(ctx, client.ObjectKeyFromObject(role), role.DeepCopyObject().(client.Object))
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	// Created with its aggregated rules, the role needs no update
	// afterwards (aggregate reaches its fixed point in one pass).
	if _, err := aggregate(ctx, r.Client, role, scope); err != nil {
		return err
	}
	if err := r.Client.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
