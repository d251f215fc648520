package controllers_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/spherekit/spherekit/network"
	"github.com/spherekit/spherekit/network/controllers"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// benchWorkers is the parallelism of both rows: the controllers'
// MaxConcurrentReconciles and the floor's writers.
const benchWorkers = 16

// BenchmarkIsolationConvergence is issue 11's scenario: 1,000 projects in
// 100 workspaces (SPHEREKIT_BENCH_WORKSPACES changes the 100; ten projects
// each) are switched to isolated by annotating their workspaces, and the
// clock stops when every project has its nsnp-network-isolate. The floor
// writes the same 1,000 policies (the spherekit row's, captured) directly
// with as many writers as the controllers have workers. Each row runs on a
// fresh API-only cluster; run both:
//
//	go test ./network/controllers -run '^$' -bench IsolationConvergence -benchtime 1x
func BenchmarkIsolationConvergence(b *testing.B) {
	workspaces := 100
	if s := os.Getenv("SPHEREKIT_BENCH_WORKSPACES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("SPHEREKIT_BENCH_WORKSPACES=%q: want a positive number", s)
		}
		workspaces = n
	}
	const perWorkspace = 10
	var written []*networkingv1.NetworkPolicy
	b.Run("spherekit", func(b *testing.B) {
		for range b.N {
			written = benchIsolation(b, workspaces, perWorkspace, nil)
		}
	})
	b.Run("floor", func(b *testing.B) {
		if written == nil {
			b.Fatal("the floor writes what the spherekit row wrote: run both")
		}
		for range b.N {
			benchIsolation(b, workspaces, perWorkspace, written)
		}
	})
}

// benchIsolation runs one row on a fresh cluster: with floor nil, the
// network controllers isolate the workspaces; otherwise floor's policies
// are created directly. It returns the isolation policies in place at the
// end.
func benchIsolation(b *testing.B, workspaces, perWorkspace int, floor []*networkingv1.NetworkPolicy) []*networkingv1.NetworkPolicy {
	b.StopTimer()
	ctx := context.Background()
	c, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Stop() }()
	// No client-side rate limit on either row: the API server is the limit.
	cfg := rest.CopyConfig(c.Config)
	cfg.QPS, cfg.Burst = 2000, 4000
	cl, err := client.New(cfg, client.Options{Scheme: c.Scheme})
	must(b, err)
	projects := workspaces * perWorkspace
	wsName := func(i int) string { return fmt.Sprintf("ws-%04d", i) }
	projName := func(i int) string { return fmt.Sprintf("proj-%05d", i) }
	must(b, parallel(ctx, workspaces, func(ctx context.Context, i int) error {
		return cl.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsName(i)}})
	}))
	must(b, parallel(ctx, projects, func(ctx context.Context, i int) error {
		return cl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: projName(i),
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsName(i / perWorkspace), network.NamespaceLabel: projName(i)}}})
	}))

	if floor == nil {
		mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: c.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
		must(b, err)
		must(b, controllers.SetupWithManager(ctx, mgr, controllers.Options{Controller: controller.Options{
			MaxConcurrentReconciles: benchWorkers, SkipNameValidation: ptrTo(true)}}))
		mctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { must(b, mgr.Start(mctx)) })
		defer func() { cancel(); wg.Wait() }()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			b.Fatal("cache never synced")
		}
		b.StartTimer()
		must(b, parallel(ctx, workspaces, func(ctx context.Context, i int) error {
			ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsName(i)}}
			patch := client.RawPatch("application/merge-patch+json",
				[]byte(`{"metadata":{"annotations":{"`+network.IsolateAnnotation+`":"`+network.IsolateEnabled+`"}}}`))
			return cl.Patch(ctx, ws, patch)
		}))
	} else {
		b.StartTimer()
		must(b, parallel(ctx, len(floor), func(ctx context.Context, i int) error {
			np := floor[i].DeepCopy()
			np.ResourceVersion, np.UID, np.CreationTimestamp, np.ManagedFields = "", "", metav1.Time{}, nil
			return client.IgnoreAlreadyExists(cl.Create(ctx, np))
		}))
	}
	var end []*networkingv1.NetworkPolicy
	must(b, wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		var list networkingv1.NetworkPolicyList
		if err := cl.List(ctx, &list); err != nil {
			return false, err
		}
		end = end[:0]
		for i := range list.Items {
			if list.Items[i].Name == network.IsolationPolicyName {
				end = append(end, &list.Items[i])
			}
		}
		return len(end) == projects, nil
	}))
	b.StopTimer()
	b.ReportMetric(float64(projects), "policies")
	for _, np := range end {
		want := network.IsolationPolicy(network.IsolationInput{Project: np.Namespace, Workspace: wsOf(np.Namespace, perWorkspace, wsName), Mode: network.IsolationWorkspace})
		if !equalSpecs(np.Spec, want.Spec) {
			b.Fatalf("%s: policy differs from KubeSphere's:\n%s", np.Namespace, dump(np.Spec))
		}
	}
	return end
}

func wsOf(project string, perWorkspace int, wsName func(int) string) string {
	var i int
	_, _ = fmt.Sscanf(project, "proj-%05d", &i)
	return wsName(i / perWorkspace)
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

func ptrTo[T any](v T) *T { return &v }

// parallel runs fn(i) for i in [0,n) on benchWorkers workers and returns the
// first error.
func parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	var wg sync.WaitGroup
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	for range benchWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed() {
					return
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
