package tenancy_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

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
// controllers run against it for the whole package.
var (
	env *testenv.Cluster
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
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

// run starts the cluster and the controllers, runs the tests, and stops the
// manager before the cluster, so the API server has no clients left when it
// shuts down.
func run(m *testing.M) int {
	var err error
	env, err = testenv.Start(context.Background(), testenv.Options{
		Nodes:              1,
		Progress:           os.Stderr,
		ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", webhooks.Options{})},
	})
	if err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "start cluster: %v\n", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			_, _ = fmt.Fprintf(os.Stderr, "stop cluster: %v\n", err)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	stopped, err := startControllers(ctx, env)
	if err != nil {
		cancel()
		_, _ = fmt.Fprintf(os.Stderr, "start tenancy controllers: %v\n", err)
		return 1
	}
	code := m.Run()
	cancel()
	<-stopped
	return code
}

func startControllers(ctx context.Context, c *testenv.Cluster) (<-chan struct{}, error) {
	mgr, err := ctrl.NewManager(c.Config, ctrl.Options{
		Scheme:        c.Scheme,
		Cache:         cache.Options{DefaultTransform: resources.StripForCache},
		Metrics:       metricsserver.Options{BindAddress: "0"},
		WebhookServer: webhook.NewServer(c.WebhookServerOptions()),
	})
	if err != nil {
		return nil, err
	}
	// One authorizer, with native RBAC, for the escalation webhook and the
	// RBAC mirrors' creator checks, as a host sets them up.
	az, err := authz.NewFromCache(ctx, mgr.GetCache(), authz.Options{NativeRBAC: true})
	if err != nil {
		return nil, err
	}
	if err := webhooks.SetupWithManager(ctx, mgr, webhooks.Options{Authorizer: az}); err != nil {
		return nil, err
	}
	err = controllers.SetupWithManager(ctx, mgr, controllers.Options{
		Authorizer:          az,
		LoginFailureLimit:   testFailureLimit,
		LoginFailureWindow:  testFailureWindow,
		LoginRecordsPerUser: testRecordsPerUser,
		BcryptCost:          4,
	})
	if err != nil {
		return nil, err
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := mgr.Start(ctx); err != nil {
			_, _ = fmt.Fprintf(os.Stderr, "manager: %v\n", err)
		}
	}()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("caches did not sync")
	}
	checker := mgr.GetWebhookServer().StartedChecker()
	for checker(nil) != nil {
		time.Sleep(50 * time.Millisecond)
	}
	tc, err = tenancy.NewClient(c.Client, tenancy.ClientOptions{})
	if err != nil {
		return nil, err
	}
	return stopped, tc.EnsureDefaults(ctx)
}

// eventually polls cond every 100ms for up to 30s.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: "+msg, args...)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
