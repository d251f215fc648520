package resources_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane: nothing reconciles, so tests set the
// status of pods and workloads themselves through the status subresource.
// cc is a controller-runtime cache over it with StripForCache, which the
// tests query as a host program would.
var (
	env *testenv.Cluster
	cc  cache.Cache
	// fuzzing is true in a fuzzing run, which starts no cluster.
	fuzzing bool
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	if fuzzing = testenv.Fuzzing(); fuzzing {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	env, err = testenv.Start(context.Background(), testenv.Options{Progress: os.Stderr})
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
	defer cancel()
	cc, err = cache.New(env.Config, cache.Options{Scheme: env.Scheme, DefaultTransform: resources.StripForCache})
	if err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "new cache: %v\n", err)
		return 1
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := cc.Start(ctx); err != nil {
			_, _ = fmt.Fprintf(os.Stderr, "cache: %v\n", err)
		}
	}()
	if !cc.WaitForCacheSync(ctx) {
		_, _ = fmt.Fprintln(os.Stderr, "cache did not sync")
		return 1
	}
	code := m.Run()
	cancel()
	<-stopped
	return code
}

// needCluster skips t in a fuzzing run, which starts no cluster; in a normal
// run it never skips.
func needCluster(t *testing.T) {
	t.Helper()
	if fuzzing {
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
		deadline := time.Now().Add(30 * time.Second)
		for {
			err := cc.Get(context.Background(), key, got)
			if err == nil && got.GetResourceVersion() == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cache did not catch up with %T %s at %s (err %v, has %s)", o, key, want, err, got.GetResourceVersion())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
