package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
)

// onboarding is the shape of BenchmarkOnboarding: workspaces, each with a
// manager and projects, each project with members drawn from a user pool.
type onboarding struct {
	workspaces, projects, members, users int
}

// objects is the number of end objects one onboarding leaves: per workspace
// its template, the Workspace, 4 workspace roles and their 4 native
// ClusterRoles, the manager's binding; per project the namespace, 3 roles and
// their 3 native Roles, the member bindings and their native mirrors, and the
// manager's workspace binding mirrored into it.
func (o onboarding) objects() int {
	perProject := 1 + 3 + 3 + 2*o.members + 1
	return o.workspaces * (1 + 1 + 4 + 4 + 1 + o.projects*perProject)
}

func (o onboarding) user(i int) string { return "user-" + strconv.Itoa(i%o.users) }

func benchScale() onboarding {
	o := onboarding{workspaces: 1000, projects: 5, members: 3, users: 200}
	if s := os.Getenv("SPHEREKIT_BENCH_WORKSPACES"); s != "" {
		n, err := strconv.Atoi(s)
		if err == nil && n > 0 {
			o.workspaces = n
		}
	}
	return o
}

// writeCounter counts the mutating requests made through a rest.Config.
type writeCounter struct {
	n      atomic.Int64
	mu     sync.Mutex
	byPath map[string]int
}

func (w *writeCounter) wrap(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 2000, 4000
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.n.Add(1)
				if os.Getenv("SPHEREKIT_BENCH_DEBUG") != "" {
					parts := strings.Split(r.URL.Path, "/")
					key := r.Method
					for i, p := range parts {
						if p == "namespaces" && i+2 < len(parts) {
							continue
						}
						if i > 0 && parts[i-1] == "namespaces" && i+1 < len(parts) {
							continue
						}
						if len(p) > 0 && (i == len(parts)-1 || i == len(parts)-2) && p != "status" {
							if i == len(parts)-1 && r.Method != http.MethodPost {
								continue
							}
						}
						key += "/" + p
					}
					w.mu.Lock()
					if w.byPath == nil {
						w.byPath = map[string]int{}
					}
					w.byPath[key]++
					w.mu.Unlock()
				}
			}
			return rt.RoundTrip(r)
		})
	}
	return cfg
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkOnboarding onboards 1,000 workspaces x 5 projects x 3 members
// (SPHEREKIT_BENCH_WORKSPACES changes the first figure) on a fresh API-only
// testenv cluster each, three ways in one run:
//
//   - spherekit: tenancy.Client operations with the tenancy controllers
//     deriving the rest, timed until every object exists;
//   - floor: the very end objects the spherekit row left (same names, same
//     content: rules, labels, annotations, owner references), each written
//     directly by one create, no reconcilers;
//   - spherekit+restart: the same as spherekit with kube-apiserver killed
//     and restarted halfway through the operations.
//
// Each reports wall time (ns/op) and API writes per end object, and checks
// that the end state is exactly the expected objects, by kind and name, none
// missing and none extra (endObjects), so every row gives the same answer.
// The floor needs the spherekit row's objects: run the two together.
//
//	go test ./tenancy -run '^$' -bench Onboarding -benchtime 1x -timeout 2h
func BenchmarkOnboarding(b *testing.B) {
	o := benchScale()
	b.Logf("onboarding %d workspaces x %d projects x %d members: %d end objects", o.workspaces, o.projects, o.members, o.objects())
	var end map[endObject]client.Object
	b.Run("spherekit", func(b *testing.B) { benchOnboard(b, o, spherekitOnboard, false, &end) })
	b.Run("floor", func(b *testing.B) {
		if end == nil {
			b.Fatal("the floor writes the end objects the spherekit row left; run both: -bench 'Onboarding/(spherekit|floor)$'")
		}
		benchOnboard(b, o, floorOnboard(end), false, nil)
	})
	b.Run("spherekit+restart", func(b *testing.B) { benchOnboard(b, o, spherekitOnboard, true, nil) })
}

// onboardFunc onboards o on c through cfg. It calls start once its set-up
// (controllers running, caches synced, users processed) is done: the clock
// and the write count start there.
type onboardFunc func(ctx context.Context, tb testing.TB, c *testenv.Cluster, cfg *rest.Config, o onboarding, start, halfway func()) error

// benchOnboard runs an onboarding b.N times, each on a fresh cluster, and
// checks its end state. With capture set, it keeps the end objects of the
// last run there.
func benchOnboard(b *testing.B, o onboarding, run onboardFunc, restart bool, capture *map[endObject]client.Object) {
	for range b.N {
		b.StopTimer()
		ctx := context.Background()
		c, err := testenv.Start(ctx, testenv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		counter := &writeCounter{}
		cfg := counter.wrap(c.Config)
		setup, err := client.New(c.Config, client.Options{Scheme: c.Scheme})
		if err != nil {
			b.Fatal(err)
		}
		for i := range o.users {
			u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: o.user(i)}, Spec: iamv1beta1.UserSpec{Email: o.user(i) + "@example.com"}}
			if err := setup.Create(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
		var cpu cpuMeter
		halfway := func() {}
		if restart {
			halfway = func() {
				if err := c.RestartAPIServer(ctx); err != nil {
					b.Error(err)
				}
			}
		}
		start := func() {
			counter.n.Store(0)
			counter.mu.Lock()
			counter.byPath = nil
			counter.mu.Unlock()
			cpu = startCPU(c)
			if path := os.Getenv("SPHEREKIT_BENCH_SERVER_PROFILE"); path != "" {
				go profileServer(ctx, b, c, path+"."+strings.ReplaceAll(b.Name(), "/", "-"))
			}
			b.StartTimer()
		}
		if err := run(ctx, b, c, cfg, o, start, halfway); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(counter.n.Load())/float64(o.objects()), "writes/object")
		cpu.report(b)
		if counter.byPath != nil {
			b.Logf("writes by path: %v", counter.byPath)
			logServerRequests(ctx, b, c)
		}
		if err := verifyOnboarded(ctx, setup, o); err != nil {
			b.Error(err)
		} else if capture != nil {
			if *capture, err = captureEnd(ctx, setup, o); err != nil {
				b.Error(err)
			}
		}
		_ = c.Stop()
		b.StartTimer()
	}
}

// parallel runs fn(i) for i in [0,n) on 16 workers, retrying each call until
// it succeeds or ctx ends, as a portal retries failed requests.
func parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
					return fn(ctx, i) == nil, nil
				})
				if err != nil {
					errs <- fmt.Errorf("item %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func spherekitOnboard(ctx context.Context, tb testing.TB, c *testenv.Cluster, cfg *rest.Config, o onboarding, start, halfway func()) error {
	// The portal's manager is set up as the SDK recommends for a cache the
	// resources API and the controllers share: managed fields stripped
	// (resources.StripForCache).
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: c.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: cache.Options{DefaultTransform: resources.StripForCache}})
	if err != nil {
		return err
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := controllers.SetupWithManager(mctx, mgr, controllers.Options{Controller: controller.Options{MaxConcurrentReconciles: 4, SkipNameValidation: ptr.To(true)}}); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			tb.Log(err)
		}
	}()
	cl, err := client.New(cfg, client.Options{Scheme: c.Scheme})
	if err != nil {
		return err
	}
	// The portal embeds the controllers: its Client reads from the
	// manager's cache and writes to the API server.
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return fmt.Errorf("caches did not sync")
	}
	tc, err := tenancy.NewClient(mgr.GetClient(), tenancy.ClientOptions{})
	if err != nil {
		return err
	}
	if _, err := tc.EnsureDefaults(ctx, tenancy.EnsureDefaultsOptions{}); err != nil {
		return err
	}
	// The users exist before onboarding starts: let the controllers finish
	// with them (and the defaults) first.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		var users iamv1beta1.UserList
		if err := cl.List(ctx, &users); err != nil {
			return false, err
		}
		for _, u := range users.Items {
			if u.Status.State != iamv1beta1.UserActive {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	start()
	began := time.Now()
	opTimeout := time.Hour
	if d, err := time.ParseDuration(os.Getenv("SPHEREKIT_ONBOARD_TIMEOUT")); err == nil {
		opTimeout = d
	}
	opCtx, opCancel := context.WithTimeout(ctx, opTimeout)
	defer opCancel()
	var once sync.Once
	err = parallel(opCtx, o.workspaces, func(ctx context.Context, i int) error {
		if i == o.workspaces/2 {
			once.Do(halfway)
		}
		ws := "ws-" + strconv.Itoa(i)
		if _, err := tc.CreateWorkspace(ctx, ws, tenancy.CreateWorkspaceOptions{Manager: o.user(i)}); err != nil && !isAlreadyExists(err) {
			return err
		}
		if _, err := tc.WaitForWorkspace(ctx, ws); err != nil {
			return err
		}
		for p := range o.projects {
			project := ws + "-p" + strconv.Itoa(p)
			if _, err := tc.CreateProject(ctx, ws, project, tenancy.CreateProjectOptions{}); err != nil && !isAlreadyExists(err) {
				return err
			}
			if _, err := tc.WaitForProject(ctx, project); err != nil {
				return err
			}
			for m := range o.members {
				role := []string{"admin", "operator", "viewer"}[m%3]
				if err := tc.AddMember(ctx, tenancy.Project(project), o.user(i*o.projects*o.members+p*o.members+m+1), role); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return errors.Join(err, fmt.Errorf("end state: %w", verifyOnboarded(ctx, cl, o)))
	}
	// Converged when every end object exists. The manager's cache tells
	// (it holds an object only after the API server has stored it, so it
	// can only tell late) without listing everything from the API server
	// every second, which would load the server the row is timing;
	// benchOnboard confirms the end state against the API server after the
	// clock stops.
	opsDone := time.Since(began)
	polls := 0
	err = wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		polls++
		return verifyOnboarded(ctx, mgr.GetClient(), o) == nil, nil
	})
	tb.Logf("operations returned after %s; every end object in the cache after %s (%d checks)", opsDone.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), polls)
	return err
}

// floorOnboard is the floor: it creates the end objects in end (captured
// from a spherekit run of the same shape) directly, one create each, on 16
// workers by workspace, owners and namespaces first.
func floorOnboard(end map[endObject]client.Object) onboardFunc {
	return func(ctx context.Context, _ testing.TB, c *testenv.Cluster, cfg *rest.Config, o onboarding, start, _ func()) error {
		cl, err := client.New(cfg, client.Options{Scheme: c.Scheme})
		if err != nil {
			return err
		}
		for i := range o.workspaces {
			for _, k := range o.endObjects(i) {
				if end[k] == nil {
					return fmt.Errorf("no captured %s", k)
				}
			}
		}
		start()
		return parallel(ctx, o.workspaces, func(ctx context.Context, i int) error {
			for _, k := range o.endObjects(i) {
				if err := cl.Create(ctx, end[k].DeepCopyObject().(client.Object)); err != nil && !isAlreadyExists(err) {
					return err
				}
			}
			return nil
		})
	}
}

// endObject names one end object of an onboarding: its kind (one of
// endKinds), namespace and name.
type endObject struct {
	kind, namespace, name string
}

func (k endObject) String() string {
	if k.namespace != "" {
		return k.kind + " " + k.namespace + "/" + k.name
	}
	return k.kind + " " + k.name
}

// endKinds are the kinds of an onboarding's end objects, how to list them,
// and, for kinds other objects of the cluster share, the name prefix of the
// ones the onboarding owns.
var endKinds = []struct {
	kind   string
	list   func() client.ObjectList
	opts   []client.ListOption
	prefix string
}{
	{"WorkspaceTemplate", func() client.ObjectList { return &tenantv1beta1.WorkspaceTemplateList{} }, nil, ""},
	{"Workspace", func() client.ObjectList { return &tenantv1beta1.WorkspaceList{} }, nil, ""},
	{"WorkspaceRole", func() client.ObjectList { return &iamv1beta1.WorkspaceRoleList{} }, nil, ""},
	{"ClusterRole", func() client.ObjectList { return &rbacv1.ClusterRoleList{} }, nil, "kubesphere:iam:workspace:"},
	{"WorkspaceRoleBinding", func() client.ObjectList { return &iamv1beta1.WorkspaceRoleBindingList{} }, nil, ""},
	{"Namespace", func() client.ObjectList { return &corev1.NamespaceList{} }, []client.ListOption{client.HasLabels{tenantv1beta1.WorkspaceLabel}}, ""},
	{"iam Role", func() client.ObjectList { return &iamv1beta1.RoleList{} }, nil, ""},
	{"Role", func() client.ObjectList { return &rbacv1.RoleList{} }, nil, "kubesphere:iam:"},
	{"iam RoleBinding", func() client.ObjectList { return &iamv1beta1.RoleBindingList{} }, nil, ""},
	{"RoleBinding", func() client.ObjectList { return &rbacv1.RoleBindingList{} }, nil, "kubesphere:iam:"},
}

// endObjects are the end objects onboarding workspace i leaves, owners and
// namespaces before what they hold: its template, the Workspace, 4
// workspace roles and their native ClusterRoles, the manager's binding; per
// project the namespace, 3 roles and their native Roles, the member
// bindings and their native RoleBindings, and the manager's workspace
// binding mirrored into it.
func (o onboarding) endObjects(i int) []endObject {
	ws := "ws-" + strconv.Itoa(i)
	out := []endObject{{"WorkspaceTemplate", "", ws}, {"Workspace", "", ws}}
	for _, role := range []string{"admin", "regular", "self-provisioner", "viewer"} {
		name := iamv1beta1.WorkspaceRoleName(ws, role)
		out = append(out, endObject{"WorkspaceRole", "", name}, endObject{"ClusterRole", "", "kubesphere:iam:workspace:" + name})
	}
	managerBinding := iamv1beta1.ManagerBindingName(ws)
	out = append(out, endObject{"WorkspaceRoleBinding", "", managerBinding})
	for p := range o.projects {
		project := ws + "-p" + strconv.Itoa(p)
		out = append(out, endObject{"Namespace", "", project})
		for _, role := range []string{"admin", "operator", "viewer"} {
			out = append(out, endObject{"iam Role", project, role}, endObject{"Role", project, "kubesphere:iam:" + role})
		}
		for m := range o.members {
			role := []string{"admin", "operator", "viewer"}[m%3]
			name := iamv1beta1.MemberBindingName(o.user(i*o.projects*o.members+p*o.members+m+1), role)
			out = append(out, endObject{"iam RoleBinding", project, name}, endObject{"RoleBinding", project, "kubesphere:iam:" + name})
		}
		out = append(out, endObject{"RoleBinding", project, "kubesphere:iam:workspace:" + managerBinding})
	}
	return out
}

// listEnd lists the objects of the end kinds on c that belong to an
// onboarding (by endKinds' prefixes), by name.
func listEnd(ctx context.Context, c client.Client) (map[endObject]client.Object, error) {
	found := map[endObject]client.Object{}
	for _, k := range endKinds {
		list := k.list()
		if err := c.List(ctx, list, k.opts...); err != nil {
			return nil, err
		}
		err := meta.EachListItem(list, func(o runtime.Object) error {
			obj := o.(client.Object)
			if strings.HasPrefix(obj.GetName(), k.prefix) {
				found[endObject{k.kind, obj.GetNamespace(), obj.GetName()}] = obj
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

// verifyOnboarded checks that the end objects on c are exactly o's
// (endObjects): the same kinds and names, none missing, none extra.
func verifyOnboarded(ctx context.Context, c client.Client, o onboarding) error {
	found, err := listEnd(ctx, c)
	if err != nil {
		return err
	}
	var missing, extra []string
	want := 0
	for i := range o.workspaces {
		for _, k := range o.endObjects(i) {
			want++
			if found[k] == nil {
				missing = append(missing, k.String())
			}
			delete(found, k)
		}
	}
	for k := range found {
		extra = append(extra, k.String())
	}
	if want != o.objects() {
		return fmt.Errorf("endObjects lists %d objects, objects() counts %d", want, o.objects())
	}
	if len(missing) > 0 || len(extra) > 0 {
		slices.Sort(missing)
		slices.Sort(extra)
		return fmt.Errorf("end state: %d of %d objects missing %v, %d extra %v", len(missing), want, first(missing, 5), len(extra), first(extra, 5))
	}
	return nil
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// captureEnd returns o's end objects on c as a client creates them: without
// what the API server sets (uid, resourceVersion, creation time, generation,
// managedFields). Owner references are kept as they are: an API-only
// cluster runs no garbage collector to act on them.
func captureEnd(ctx context.Context, c client.Client, o onboarding) (map[endObject]client.Object, error) {
	found, err := listEnd(ctx, c)
	if err != nil {
		return nil, err
	}
	end := make(map[endObject]client.Object, o.objects())
	for i := range o.workspaces {
		for _, k := range o.endObjects(i) {
			obj := found[k]
			if obj == nil {
				return nil, fmt.Errorf("capture: no %s", k)
			}
			obj = obj.DeepCopyObject().(client.Object)
			obj.SetUID("")
			obj.SetResourceVersion("")
			obj.SetCreationTimestamp(metav1.Time{})
			obj.SetGeneration(0)
			obj.SetManagedFields(nil)
			end[k] = obj
		}
	}
	return end, nil
}

// TestOnboardingSurvivesAPIServerRestart is the reliability half of
// BenchmarkOnboarding at a size CI runs: kube-apiserver is stopped and
// started again halfway through onboarding, and the end state still has
// exactly the expected objects, none missing, none duplicated.
func TestOnboardingSurvivesAPIServerRestart(t *testing.T) {
	o := onboarding{workspaces: 6, projects: 2, members: 3, users: 20}
	ctx := context.Background()
	c, err := testenv.Start(ctx, testenv.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	setup, err := client.New(c.Config, client.Options{Scheme: c.Scheme})
	require.NoError(t, err)
	for i := range o.users {
		u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: o.user(i)}, Spec: iamv1beta1.UserSpec{Email: o.user(i) + "@example.com"}}
		require.NoError(t, setup.Create(ctx, u))
	}
	restarted := false
	halfway := func() {
		require.NoError(t, c.RestartAPIServer(ctx))
		restarted = true
	}
	cfg := (&writeCounter{}).wrap(c.Config)
	require.NoError(t, spherekitOnboard(ctx, t, c, cfg, o, func() {}, halfway))
	assert.True(t, restarted)
	assert.NoError(t, verifyOnboarded(ctx, setup, o))
}

// logServerRequests logs the API server's own request and watch-event
// counters (its /metrics), when SPHEREKIT_BENCH_DEBUG asks for detail.
func logServerRequests(ctx context.Context, tb testing.TB, c *testenv.Cluster) {
	rc, err := rest.RESTClientFor(restConfigForMetrics(c.Config))
	if err != nil {
		tb.Log(err)
		return
	}
	raw, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		tb.Log(err)
		return
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(l, "apiserver_request_total{") && !strings.HasPrefix(l, "apiserver_watch_events_total{") && !strings.HasPrefix(l, "apiserver_watch_events_sizes_sum{") {
			continue
		}
		f := strings.Fields(l)
		if n, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil && n >= 100 {
			lines = append(lines, l)
		}
	}
	// Benchmark logs keep ten lines: write the counters out whole.
	fmt.Fprintf(os.Stderr, "%s: API server counters:\n%s\n", tb.Name(), strings.Join(lines, "\n"))
}

func restConfigForMetrics(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.GroupVersion = &corev1.SchemeGroupVersion
	cfg.APIPath = "/api"
	cfg.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	return cfg
}

// profileServer writes a 30-second CPU profile of kube-apiserver to path.
func profileServer(ctx context.Context, tb testing.TB, c *testenv.Cluster, path string) {
	rc, err := rest.RESTClientFor(restConfigForMetrics(c.Config))
	if err != nil {
		tb.Log(err)
		return
	}
	raw, err := rc.Get().AbsPath("/debug/pprof/profile").Param("seconds", "30").Timeout(time.Minute).DoRaw(ctx)
	if err != nil {
		tb.Log(err)
		return
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		tb.Log(err)
	}
}

// cpuMeter measures the CPU time kube-apiserver, etcd and this process
// (the client and, for spherekit, the controllers) spend while the clock
// runs: on a machine with few cores, wall time follows their sum.
type cpuMeter struct {
	pids  map[string]int
	start map[string]time.Duration
}

// startCPU finds c's kube-apiserver (by its port) and etcd (by the client
// URL the API server was given) in /proc and reads their CPU times. Where
// /proc cannot tell, it measures nothing.
func startCPU(c *testenv.Cluster) cpuMeter {
	m := cpuMeter{pids: map[string]int{"client": os.Getpid()}, start: map[string]time.Duration{}}
	port := c.Config.Host[strings.LastIndex(c.Config.Host, ":")+1:]
	port = strings.TrimSuffix(port, "/")
	procs, _ := os.ReadDir("/proc")
	etcdURL := ""
	cmdlines := map[int][]string{}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + p.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		cmdlines[pid] = args
		if slices.Contains(args, "--secure-port="+port) {
			m.pids["apiserver"] = pid
			for _, a := range args {
				if v, ok := strings.CutPrefix(a, "--etcd-servers="); ok {
					etcdURL = v
				}
			}
		}
	}
	for pid, args := range cmdlines {
		if etcdURL != "" && strings.HasSuffix(args[0], "etcd") && slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, etcdURL) }) {
			m.pids["etcd"] = pid
		}
	}
	for name, pid := range m.pids {
		if t, ok := processCPU(pid); ok {
			m.start[name] = t
		}
	}
	return m
}

// report adds each process's CPU seconds since startCPU to b's metrics.
func (m cpuMeter) report(b *testing.B) {
	for name, pid := range m.pids {
		t, ok := processCPU(pid)
		if _, started := m.start[name]; ok && started {
			b.ReportMetric((t - m.start[name]).Seconds(), name+"-cpu-s")
		}
	}
}

// processCPU reads a process's user plus system CPU time from
// /proc/<pid>/stat (in clock ticks of 1/100 s, Linux's USER_HZ).
func processCPU(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}
