package resources_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/snapshotapi"
)

// env is an API-only control plane with the snapshot API's CRDs: nothing reconciles, so tests set the
// status of pods and workloads themselves through the status subresource.
// cc is its manager's cache, with StripForCache, which the tests query as a
// host program would. In a fuzzing run no cluster starts and both are nil.
var (
	env *testenv.Environment
	cc  cache.Cache
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, snapshotv1.AddToScheme} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	var defs []*apiextensionsv1.CustomResourceDefinition
	if !testenv.Fuzzing() {
		var err error
		if defs, err = snapshotapi.CRDs(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return testenv.RunWithManager(ctx, testenv.RunInput{
		M:       m,
		Options: testenv.Options{Scheme: scheme, CRDs: defs},
		ManagerOptions: func(o *ctrl.Options) {
			o.Cache = cache.Options{DefaultTransform: resources.StripForCache}
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env, cc = e, e.Manager.GetCache()
			return nil
		},
	})
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
