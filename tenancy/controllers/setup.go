package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/spherekit/spherekit/internal/fielderr"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
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

	// MaxConcurrentReconciles per controller; zero means 1.
	MaxConcurrentReconciles int

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

	// SkipNameValidation lets the controllers be registered with more than
	// one manager in one process (a manager per cluster, or tests).
	// controller-runtime otherwise refuses a second controller of the same
	// name, as their metrics would mix.
	SkipNameValidation bool

	// Authorizer, when set, makes the RBAC mirrors check the creator
	// recorded on an iam role or binding (kubesphere.io/creator) before
	// they first turn it into native RBAC: one its creator could not have
	// written by Kubernetes' escalation rule gets no native grant (it is
	// checked again every minute). The escalation webhook (package
	// webhooks) makes the annotation trustworthy: a writer may name only
	// themselves as creator. Use an Authorizer over the manager's cache
	// with native RBAC (authz.NewFromCache with Options.NativeRBAC).
	Authorizer *authz.Authorizer

	// BcryptCost is the cost of password hashes; zero means 10. Tests may
	// lower it to bcrypt's minimum, 4.
	BcryptCost int
}

func (o Options) withDefaults() Options {
	if o.FieldOwner == "" {
		o.FieldOwner = DefaultFieldOwner
	}
	if o.MaxConcurrentReconciles == 0 {
		o.MaxConcurrentReconciles = 1
	}
	if o.LoginFailureLimit == 0 {
		o.LoginFailureLimit = 5
	}
	if o.LoginFailureWindow == 0 {
		o.LoginFailureWindow = 30 * time.Minute
	}
	if o.LoginRecordTTL == 0 {
		o.LoginRecordTTL = 7 * 24 * time.Hour
	}
	if o.LoginRecordsPerUser == 0 {
		o.LoginRecordsPerUser = 100
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = 10
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.MaxConcurrentReconciles < 0:
		return &OptionsError{Field: "MaxConcurrentReconciles", Reason: "must not be negative"}
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
	}
	return nil
}

func (o Options) controllerOptions() controller.Options {
	opts := controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles}
	if o.SkipNameValidation {
		opts.SkipNameValidation = &o.SkipNameValidation
	}
	return opts
}

// OptionsError reports an invalid Options field: Field names it (such as
// "LoginFailureLimit") and Reason says what is wrong. It is the SDK's one
// input-error shape, the same type as tenancy.InvalidError.
type OptionsError = fielderr.Invalid

// Field indexes the controllers register on the manager's cache.
const (
	// indexGroupBindingUsers indexes GroupBindings by each user they list.
	indexGroupBindingUsers = "spherekit.tenancy.groupbinding.users"
)

// SetupWithManager registers every tenancy reconciler and the field indexes
// they use with mgr. mgr's scheme must know the built-in kinds and the
// spherekit API groups (spherekit.AddToScheme).
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if err := opts.validate(); err != nil {
		return fmt.Errorf("tenancy controllers: %w", err)
	}
	opts = opts.withDefaults()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &iamv1beta1.GroupBinding{}, indexGroupBindingUsers, func(o client.Object) []string {
		return o.(*iamv1beta1.GroupBinding).Users
	}); err != nil {
		return fmt.Errorf("index group bindings by user: %w", err)
	}
	base := reconcilerBase{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), opts: opts}
	for _, r := range []interface{ setup(ctrl.Manager) error }{
		&WorkspaceTemplateReconciler{reconcilerBase: base},
		&WorkspaceReconciler{reconcilerBase: base},
		&NamespaceReconciler{reconcilerBase: base},
		&RoleAggregationReconciler{reconcilerBase: base},
		&RBACReconciler{reconcilerBase: base},
		&UserReconciler{reconcilerBase: base},
		&ResourceQuotaReconciler{reconcilerBase: base},
	} {
		if err := r.setup(mgr); err != nil {
			return err
		}
	}
	return nil
}

// reconcilerBase is what every tenancy reconciler holds.
type reconcilerBase struct {
	Client client.Client
	Scheme *runtime.Scheme
	opts   Options
}

// createOnce creates a stamped role unless it exists (in the cache). The role
// is created with its rules already aggregated, so it is written once.
func (r reconcilerBase) createOnce(ctx context.Context, role client.Object, scope string) error {
	err := r.Client.Get(ctx, client.ObjectKeyFromObject(role), role.DeepCopyObject().(client.Object))
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	if _, err := aggregate(ctx, r.Client, role, scope); err != nil {
		return err
	}
	if err := r.Client.Create(ctx, role); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}
