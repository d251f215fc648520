package tenancy_test

import (
	"context"
	"os"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/webhooks"
	"github.com/spherekit/spherekit/testenv"
)

// env is a control plane with kube-controller-manager (one simulated node),
// so namespaces terminate, the garbage collector removes owned objects and
// native ResourceQuotas get their usage, as on a real cluster. The tenancy
// controllers and webhooks run in its manager for the whole package.
var (
	env *testenv.Environment
	tc  *tenancy.Client
)

// Short login limits so tests see a user blocked and unblocked.
const (
	testFailureLimit  = 3
	testFailureWindow = 4 * time.Second
	// At most this many login records are kept per user.
	testRecordsPerUser = 5
)

func TestMain(m *testing.M) {
	// One authorizer, with native RBAC, for the escalation webhook and the
	// RBAC mirrors' creator checks, as a host sets them up.
	var az *authz.Authorizer
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		Options: testenv.Options{
			Nodes:              1,
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", webhooks.Options{})},
		},
		ManagerOptions: func(o *ctrl.Options) {
			o.Cache = cache.Options{DefaultTransform: resources.StripForCache}
		},
		SetupIndexes: func(ctx context.Context, mgr ctrl.Manager) (err error) {
			az, err = authz.NewFromCache(ctx, mgr.GetCache(), authz.Options{NativeRBAC: true})
			return err
		},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{
				Authorizer:          az,
				LoginFailureLimit:   testFailureLimit,
				LoginFailureWindow:  testFailureWindow,
				LoginRecordsPerUser: testRecordsPerUser,
				BcryptCost:          4,
			})
		},
		SetupWebhooks: func(ctx context.Context, mgr ctrl.Manager) error {
			return webhooks.SetupWithManager(ctx, mgr, webhooks.Options{Authorizer: az})
		},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) (err error) {
			env = e
			if tc, err = tenancy.NewClient(e.Client, tenancy.ClientOptions{}); err != nil {
				return err
			}
			_, err = tc.EnsureDefaults(ctx, tenancy.EnsureDefaultsOptions{})
			return err
		},
	}))
}

// eventually is testenv.Eventually for a condition without an error.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}

// exists reports whether obj (with name and namespace set) exists.
func exists(t *testing.T, obj client.Object) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if err != nil && client.IgnoreNotFound(err) != nil {
		t.Fatalf("get %s: %v", client.ObjectKeyFromObject(obj), err)
	}
	return err == nil
}
