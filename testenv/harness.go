package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// RunInput is what RunWithManager needs to start a package's cluster and
// manager. Only M is required.
type RunInput struct {
	// M runs the package's tests.
	M *testing.M
	// Options is the cluster: nodes, webhook configurations, progress.
	Options Options
	// Logger is controller-runtime's logger for the test binary
	// (ctrllog.SetLogger); the zero Logger discards.
	Logger logr.Logger
	// ManagerOptions, when set, adjusts the manager's options before it is
	// created: cache transforms, a field owner... Scheme, Metrics (off) and
	// WebhookServer (on the cluster's WebhookServerOptions) are filled in.
	ManagerOptions func(*ctrl.Options)
	// SetupIndexes, SetupReconcilers and SetupWebhooks register field
	// indexes, reconcilers and webhooks with the manager, in that order,
	// before it starts. ctx lives as long as the manager. The webhook server
	// runs only when SetupWebhooks is set.
	SetupIndexes, SetupReconcilers, SetupWebhooks func(ctx context.Context, mgr ctrl.Manager) error
	// SetupEnv gets the environment once the manager runs, its caches are
	// synced and its webhook server is serving; typically it keeps env in a
	// package variable and creates what the tests share. An error fails
	// the run before any test.
	SetupEnv func(ctx context.Context, env *Environment) error
	// TeardownEnv runs after the tests, while the cluster and the manager
	// still run (and after a failed SetupEnv): the place to stop servers
	// SetupEnv started against the cluster, such as a CSI driver. Its error
	// fails the run.
	TeardownEnv func(env *Environment) error
}

// Environment is a package's cluster with the manager RunWithManager runs
// against it.
type Environment struct {
	*Cluster
	// Manager runs the reconcilers and webhooks of RunInput; its cache
	// (Manager.GetCache()) is the one a host program would read.
	Manager ctrl.Manager
}

// NewNamespace is Cluster.NewNamespace; on a nil Environment (fuzzing) it
// skips the test.
func (e *Environment) NewNamespace(t testing.TB) string {
	t.Helper()
	if e == nil {
		return (*Cluster)(nil).NewNamespace(t)
	}
	return e.Cluster.NewNamespace(t)
}

// RunWithManager is the body of a package's TestMain when its tests need
// controllers, webhooks or a shared cache: it starts one cluster, creates a
// manager against it, calls the setup hooks, starts the manager and waits
// for its caches and webhook server, calls SetupEnv, runs the tests, stops
// the manager and then the cluster, and returns the exit code for os.Exit.
// Signals are handled as by Run. While fuzzing no cluster starts and
// SetupEnv is not called.
func RunWithManager(ctx context.Context, in RunInput) int {
	ctrllog.SetLogger(in.Logger)
	if Fuzzing() {
		return in.M.Run()
	}
	opts := in.Options
	if opts.Progress == nil {
		opts.Progress = os.Stderr
	}
	return run(ctx, in.M, opts, func(ctx context.Context, c *Cluster) (func() error, error) {
		e, stop, err := startManager(ctx, c, in)
		if err != nil {
			return nil, err
		}
		if in.TeardownEnv != nil {
			stopManager := stop
			stop = func() error {
				var errs []error
				if err := in.TeardownEnv(e); err != nil {
					errs = append(errs, fmt.Errorf("teardown env: %w", err))
				}
				return errors.Join(append(errs, stopManager())...)
			}
		}
		if in.SetupEnv != nil {
			if err := in.SetupEnv(ctx, e); err != nil {
				return nil, errors.Join(fmt.Errorf("setup env: %w", err), stop())
			}
		}
		return stop, nil
	})
}

// startManager creates, sets up and starts the manager of in against c. The
// returned stop cancels it and waits until it has stopped.
func startManager(ctx context.Context, c *Cluster, in RunInput) (*Environment, func() error, error) {
	opts := ctrl.Options{
		Scheme:        c.Scheme,
		Metrics:       metricsserver.Options{BindAddress: "0"},
		WebhookServer: webhook.NewServer(c.WebhookServerOptions()),
	}
	if in.ManagerOptions != nil {
		in.ManagerOptions(&opts)
	}
	mgr, err := ctrl.NewManager(c.Config, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("new manager: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	for _, h := range []struct {
		what  string
		setup func(context.Context, ctrl.Manager) error
	}{{"indexes", in.SetupIndexes}, {"reconcilers", in.SetupReconcilers}, {"webhooks", in.SetupWebhooks}} {
		if h.setup == nil {
			continue
		}
		if err := h.setup(ctx, mgr); err != nil {
			cancel()
			return nil, nil, fmt.Errorf("setup %s: %w", h.what, err)
		}
	}
	var started func() error
	if in.SetupWebhooks != nil {
		// GetWebhookServer adds the server to the manager's runnables.
		checker := mgr.GetWebhookServer().StartedChecker()
		started = func() error { return checker(nil) }
	}
	stopped := make(chan struct{})
	var startErr error
	go func() {
		defer close(stopped)
		startErr = mgr.Start(ctx)
		cancel()
	}()
	stop := func() error {
		cancel()
		<-stopped
		if startErr != nil {
			return fmt.Errorf("manager: %w", startErr)
		}
		return nil
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if !mgr.GetCache().WaitForCacheSync(wctx) {
		return nil, nil, errors.Join(errors.New("manager caches did not sync"), stop())
	}
	if started != nil {
		err := wait.PollUntilContextCancel(wctx, 20*time.Millisecond, true, func(context.Context) (bool, error) {
			return started() == nil, nil
		})
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("webhook server did not start: %w", started()), stop())
		}
	}
	return &Environment{Cluster: c, Manager: mgr}, stop, nil
}

// StartCache starts a controller-runtime cache over c for the length of t
// (opts.Scheme defaults to c's) and waits until it is synced. setup, when
// set, runs before the cache starts, with a context that ends with the
// cache: the place to build something fed by it, such as an Authorizer.
// For a cache per test; the package's shared one is Manager.GetCache().
func (c *Cluster) StartCache(t testing.TB, opts cache.Options, setup func(ctx context.Context, c cache.Cache) error) cache.Cache {
	t.Helper()
	if opts.Scheme == nil {
		opts.Scheme = c.Scheme
	}
	cc, err := cache.New(c.Config, opts)
	if err != nil {
		t.Fatalf("testenv: new cache: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if setup != nil {
		if err := setup(ctx, cc); err != nil {
			cancel()
			t.Fatalf("testenv: set up cache: %v", err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := cc.Start(ctx); err != nil {
			t.Errorf("testenv: cache: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if !cc.WaitForCacheSync(wctx) {
		t.Fatalf("testenv: cache did not sync within 30s")
	}
	return cc
}

// How long and how often Eventually polls; tests of this package shorten
// the timeout.
var (
	eventuallyTimeout  = 30 * time.Second
	eventuallyInterval = 50 * time.Millisecond
)

// Eventually polls cond every 50ms until it reports true, and after 30s
// fails t (Fatal) with msg formatted with args and the last error cond
// returned, if any. An error does not stop the polling: it is what the
// failure says when the condition never holds.
func Eventually(t testing.TB, cond func() (bool, error), msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(eventuallyTimeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(eventuallyInterval)
	}
	if last != nil {
		t.Fatalf("timed out after %v: %s (last error: %v)", eventuallyTimeout, fmt.Sprintf(msg, args...), last)
	} else {
		t.Fatalf("timed out after %v: %s", eventuallyTimeout, fmt.Sprintf(msg, args...))
	}
}
