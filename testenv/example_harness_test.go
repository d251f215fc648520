package testenv_test

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/testenv"
)

// env is the package's cluster and manager, set by SetupEnv.
var env *testenv.Environment

// A package's TestMain starts one cluster and one manager with the package's
// reconcilers; each test takes a fresh namespace and waits on conditions
// with testenv.Eventually.
func ExampleRunWithManager() {
	var m *testing.M // TestMain's argument
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M:       m,
		Options: testenv.Options{Nodes: 1},
		SetupReconcilers: func(_ context.Context, mgr ctrl.Manager) error {
			return ctrl.NewControllerManagedBy(mgr).For(&corev1.ConfigMap{}).
				Complete(reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
					return reconcile.Result{}, nil
				}))
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	}))
}

// testSomething is a test of the package in ExampleRunWithManager.
func testSomething(t *testing.T) {
	ns := env.NewNamespace(t)
	testenv.Eventually(t, func() (bool, error) {
		var cm corev1.ConfigMap
		err := env.Manager.GetCache().Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "kube-root-ca.crt"}, &cm)
		return err == nil, err
	}, "namespace %s never got its root CA", ns)
}

var _ = testSomething
