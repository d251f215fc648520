package resources_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane: nothing reconciles, so tests set the
// status of pods and workloads themselves through the status subresource.
// cc is its manager's cache, with StripForCache, which the tests query as a
// host program would. In a fuzzing run no cluster starts and both are nil.
var (
	env *testenv.Environment
	cc  cache.Cache
)

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		ManagerOptions: func(o *ctrl.Options) {
			o.Cache = cache.Options{DefaultTransform: resources.StripForCache}
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env, cc = e, e.Manager.GetCache()
			return nil
		},
	}))
}

// needCluster skips t in a fuzzing run, which starts no cluster; in a normal
// run it never skips.
func needCluster(t *testing.T) {
	t.Helper()
	if env == nil {
		t.Skip("go test -fuzz runs this binary as fuzz workers, which start no cluster; run the tests without -fuzz")
	}
}

// create creates each object with env.Client.
func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(context.Background(), o); err != nil {
			t.Fatalf("create %T %s: %v", o, client.ObjectKeyFromObject(o), err)
		}
	}
}

// updateStatus writes each object's status through the status subresource.
func updateStatus(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Status().Update(context.Background(), o); err != nil {
			t.Fatalf("update status of %T %s: %v", o, client.ObjectKeyFromObject(o), err)
		}
	}
}

// synced waits until the cache holds each object at least at the resource
// version the object carries.
func synced(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		want := o.GetResourceVersion()
		key := client.ObjectKeyFromObject(o)
		got := o.DeepCopyObject().(client.Object)
		testenv.Eventually(t, func() (bool, error) {
			if err := cc.Get(context.Background(), key, got); err != nil {
				return false, err
			}
			if rv := got.GetResourceVersion(); rv != want {
				return false, fmt.Errorf("the cache has %s", rv)
			}
			return true, nil
		}, "cache did not catch up with %T %s at %s", o, key, want)
	}
}
