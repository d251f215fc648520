package testenv

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Run is the body of a package's TestMain: it starts one cluster for the
// package, hands it to use (typically to keep it in a package variable),
// runs the tests, stops the cluster and exits with the tests' status.
// Provisioning and start-up happen before m.Run, so a first build of the
// binaries does not count against go test's -timeout. Progress goes to
// standard error unless opts.Progress is set.
//
//	var env *testenv.Cluster
//
//	func TestMain(m *testing.M) {
//		testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
//	}
//
// On SIGINT (Ctrl-C) or SIGTERM, Run stops the cluster, which removes its
// folder, and exits with status 128 plus the signal's number, whether the
// cluster is still starting (Start's context ends) or the tests are
// running. A second signal ends the process at once; on Linux the
// cluster's processes still die with it. When the process ends without
// Run's help (a panic, go test -timeout, SIGKILL), see the package
// documentation.
//
// For a controller-runtime manager with the package's reconcilers and
// webhooks as well, use RunWithManager.
//
// While fuzzing (go test -fuzz), Run starts no cluster: each fuzz worker is
// a test process of its own, and fuzz targets should not need one. use then
// gets nil, and NewNamespace on a nil Cluster skips the test.
func Run(m *testing.M, opts Options, use func(*Cluster)) {
	if Fuzzing() {
		if use != nil {
			use(nil)
		}
		os.Exit(m.Run())
	}
	if opts.Progress == nil {
		opts.Progress = os.Stderr
	}
	os.Exit(run(context.Background(), m, opts, func(_ context.Context, c *Cluster) (func() error, error) {
		if use != nil {
			use(c)
		}
		return nil, nil
	}))
}

// run is Run without the exit. up runs once the cluster has started, before
// the tests; the down it returns, if any, runs after them, before the
// cluster stops. The tests run in a goroutine of their own so that a signal
// can stop the cluster while they run; the process exits as soon as it is
// stopped, ending them.
func run(parent context.Context, m *testing.M, opts Options, up func(context.Context, *Cluster) (down func() error, err error)) int {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	interrupted := make(chan syscall.Signal, 1)
	go func() {
		s := (<-signals).(syscall.Signal)
		// From now on the default action applies: a second signal ends the
		// process without waiting for the cluster to stop.
		signal.Stop(signals)
		_, _ = fmt.Fprintf(os.Stderr, "testenv: %v: stopping the cluster (a second signal exits at once)\n", s)
		interrupted <- s
		cancel()
	}()

	c, err := Start(ctx, opts)
	if err != nil {
		select {
		case s := <-interrupted:
			return 128 + int(s)
		default:
		}
		_, _ = fmt.Fprintf(os.Stderr, "testenv: start cluster: %v\n", err)
		return 1
	}
	down, err := up(ctx, c)
	if err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if err := c.Stop(); err != nil {
			_, _ = fmt.Fprintf(os.Stderr, "testenv: stop cluster: %v\n", err)
		}
		select {
		case s := <-interrupted:
			return 128 + int(s)
		default:
		}
		return 1
	}
	tests := make(chan int, 1)
	go func() { tests <- m.Run() }()
	var code int
	select {
	case code = <-tests:
	case s := <-interrupted:
		code = 128 + int(s)
	}
	if down != nil {
		if err := down(); err != nil {
			_, _ = fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	if err := c.Stop(); err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "testenv: stop cluster: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Fuzzing reports whether the test binary runs as go test -fuzz (the
// coordinator or a fuzz worker). Call it from TestMain.
func Fuzzing() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// NamespaceLabel is set on every namespace NewNamespace creates, with the
// test's name (shortened to a label value) as its value.
const NamespaceLabel = "testenv.spherekit.io/test"

// NewNamespace creates a fresh namespace for t, named after the test with a
// random suffix, and deletes it when the test ends. On a nil Cluster (Run
// while fuzzing) it skips the test.
func (c *Cluster) NewNamespace(t testing.TB) string {
	t.Helper()
	if c == nil {
		t.Skip("go test -fuzz runs this binary as fuzz workers, which start no cluster; run the tests without -fuzz")
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "test-",
		Labels:       map[string]string{NamespaceLabel: labelValue(t.Name())},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Client.Create(ctx, ns); err != nil {
		t.Fatalf("testenv: create namespace: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Client.Delete(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("testenv: delete namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// CreateAndWait creates obj and polls it until ready reports true, an error,
// or ctx ends. obj holds the last state read. It returns the create error,
// ready's error, or ctx's error wrapped with the object's key.
func (c *Cluster) CreateAndWait(ctx context.Context, obj client.Object, ready func(client.Object) (bool, error)) error {
	if err := c.Client.Create(ctx, obj); err != nil {
		return fmt.Errorf("create %s: %w", client.ObjectKeyFromObject(obj), err)
	}
	return c.WaitFor(ctx, obj, ready)
}

// WaitFor polls obj until ready reports true, an error, or ctx ends.
func (c *Cluster) WaitFor(ctx context.Context, obj client.Object, ready func(client.Object) (bool, error)) error {
	key := client.ObjectKeyFromObject(obj)
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if err := c.Client.Get(ctx, key, obj); err != nil {
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return false, err
		}
		return ready(obj)
	})
	if err != nil {
		return fmt.Errorf("wait for %s: %w", key, err)
	}
	return nil
}

// labelValue shortens s to a valid label value.
func labelValue(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 63; i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_', ch == '.':
			b = append(b, ch)
		default:
			b = append(b, '_')
		}
	}
	for len(b) > 0 && !isAlnum(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && !isAlnum(b[0]) {
		b = b[1:]
	}
	return string(b)
}

func isAlnum(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
}
