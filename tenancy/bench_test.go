package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

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
//   - floor: the end objects written directly by a client, no reconcilers;
//   - spherekit: tenancy.Client operations with the tenancy controllers
//     deriving the rest, timed until every object exists;
//   - spherekit+restart: the same with kube-apiserver killed and restarted
//     halfway through the operations.
//
// Each reports wall time (ns/op), API writes per end object, and checks the
// end state has exactly the expected objects, none missing or duplicated.
//
//	go test ./tenancy -run '^$' -bench Onboarding -benchtime 1x -timeout 2h
func BenchmarkOnboarding(b *testing.B) {
	o := benchScale()
	b.Logf("onboarding %d workspaces x %d projects x %d members: %d end objects", o.workspaces, o.projects, o.members, o.objects())
	b.Run("floor", func(b *testing.B) { benchOnboard(b, o, floorOnboard, false) })
	b.Run("spherekit", func(b *testing.B) { benchOnboard(b, o, spherekitOnboard, false) })
	b.Run("spherekit+restart", func(b *testing.B) { benchOnboard(b, o, spherekitOnboard, true) })
}

// onboardFunc onboards o on c through cfg. It calls start once its set-up
// (controllers running, caches synced, users processed) is done: the clock
// and the write count start there.
type onboardFunc func(ctx context.Context, tb testing.TB, c *testenv.Cluster, cfg *rest.Config, o onboarding, start, halfway func()) error

func benchOnboard(b *testing.B, o onboarding, run onboardFunc, restart bool) {
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
			b.StartTimer()
		}
		if err := run(ctx, b, c, cfg, o, start, halfway); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(counter.n.Load())/float64(o.objects()), "writes/object")
		if counter.byPath != nil {
			b.Logf("writes by path: %v", counter.byPath)
		}
		if err := verifyOnboarded(ctx, setup, o); err != nil {
			b.Error(err)
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
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: c.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
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
	if err := tc.EnsureDefaults(ctx); err != nil {
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
	// Converged when every end object exists.
	return wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Minute, true, func(ctx context.Context) (bool, error) {
		return verifyOnboarded(ctx, cl, o) == nil, nil
	})
}

func floorOnboard(ctx context.Context, _ testing.TB, c *testenv.Cluster, cfg *rest.Config, o onboarding, start, _ func()) error {
	cl, err := client.New(cfg, client.Options{Scheme: c.Scheme})
	if err != nil {
		return err
	}
	start()
	allRules := []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
	create := func(ctx context.Context, obj client.Object) error {
		if err := cl.Create(ctx, obj); err != nil && !isAlreadyExists(err) {
			return err
		}
		return nil
	}
	return parallel(ctx, o.workspaces, func(ctx context.Context, i int) error {
		ws := "ws-" + strconv.Itoa(i)
		wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		objs := []client.Object{
			&tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}, Spec: tenantv1beta1.WorkspaceTemplateSpec{Template: tenantv1beta1.WorkspaceTemplateBody{Spec: tenantv1beta1.WorkspaceSpec{Manager: o.user(i)}}}},
			&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}, Spec: tenantv1beta1.WorkspaceSpec{Manager: o.user(i)}},
		}
		for _, role := range []string{"admin", "regular", "self-provisioner", "viewer"} {
			name := iamv1beta1.WorkspaceRoleName(ws, role)
			objs = append(objs,
				&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: wsLabel}, Rules: allRules},
				&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "kubesphere:iam:workspace:" + name}, Rules: allRules})
		}
		admin := iamv1beta1.WorkspaceRoleName(ws, "admin")
		managerBinding := iamv1beta1.MemberBindingName(o.user(i), admin)
		subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: o.user(i)}}
		objs = append(objs, &iamv1beta1.WorkspaceRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: managerBinding, Labels: wsLabel},
			Subjects:   subject, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: admin},
		})
		for p := range o.projects {
			project := ws + "-p" + strconv.Itoa(p)
			objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: project, Labels: wsLabel}})
			for _, role := range []string{"admin", "operator", "viewer"} {
				objs = append(objs,
					&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: project}, Rules: allRules},
					&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "kubesphere:iam:" + role, Namespace: project}, Rules: allRules})
			}
			for m := range o.members {
				role := []string{"admin", "operator", "viewer"}[m%3]
				user := o.user(i*o.projects*o.members + p*o.members + m + 1)
				name := iamv1beta1.MemberBindingName(user, role)
				s := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
				objs = append(objs,
					&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: project}, Subjects: s, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: role}},
					&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "kubesphere:iam:" + name, Namespace: project}, Subjects: s, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "kubesphere:iam:" + role}})
			}
			objs = append(objs, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "kubesphere:iam:workspace:" + managerBinding, Namespace: project},
				Subjects:   subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "kubesphere:iam:workspace:" + admin},
			})
		}
		for _, obj := range objs {
			if err := create(ctx, obj); err != nil {
				return err
			}
		}
		return nil
	})
}

// verifyOnboarded checks that exactly the expected end objects exist.
func verifyOnboarded(ctx context.Context, c client.Client, o onboarding) error {
	projects := o.workspaces * o.projects
	var (
		tpls  tenantv1beta1.WorkspaceTemplateList
		wss   tenantv1beta1.WorkspaceList
		wrs   iamv1beta1.WorkspaceRoleList
		wrbs  iamv1beta1.WorkspaceRoleBindingList
		crs   rbacv1.ClusterRoleList
		nss   corev1.NamespaceList
		roles iamv1beta1.RoleList
		rrs   rbacv1.RoleList
		rbs   iamv1beta1.RoleBindingList
		rrbs  rbacv1.RoleBindingList
	)
	checks := []struct {
		list client.ObjectList
		opts []client.ListOption
		want int
	}{
		{&tpls, nil, o.workspaces},
		{&wss, nil, o.workspaces},
		{&wrs, nil, 4 * o.workspaces},
		{&wrbs, nil, o.workspaces},
		{&nss, []client.ListOption{client.HasLabels{tenantv1beta1.WorkspaceLabel}}, projects},
		{&roles, nil, 3 * projects},
		{&rbs, nil, o.members * projects},
	}
	for _, ch := range checks {
		if err := c.List(ctx, ch.list, ch.opts...); err != nil {
			return err
		}
		items, err := metaItems(ch.list)
		if err != nil {
			return err
		}
		if len(items) != ch.want {
			return fmt.Errorf("%T: %d, want %d", ch.list, len(items), ch.want)
		}
	}
	// Native mirrors, by their name prefix.
	if err := c.List(ctx, &crs); err != nil {
		return err
	}
	if n := countPrefix(crs.Items, "kubesphere:iam:workspace:"); n != 4*o.workspaces {
		return fmt.Errorf("mirrored workspace ClusterRoles: %d, want %d", n, 4*o.workspaces)
	}
	if err := c.List(ctx, &rrs); err != nil {
		return err
	}
	if n := countPrefix(rrs.Items, "kubesphere:iam:"); n != 3*projects {
		return fmt.Errorf("mirrored Roles: %d, want %d", n, 3*projects)
	}
	if err := c.List(ctx, &rrbs); err != nil {
		return err
	}
	if n := countPrefix(rrbs.Items, "kubesphere:iam:"); n != (o.members+1)*projects {
		return fmt.Errorf("mirrored RoleBindings: %d, want %d", n, (o.members+1)*projects)
	}
	return nil
}

func countPrefix[T any, PT interface {
	*T
	GetName() string
}](items []T, prefix string) int {
	n := 0
	for i := range items {
		if name := PT(&items[i]).GetName(); len(name) >= len(prefix) && name[:len(prefix)] == prefix {
			n++
		}
	}
	return n
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
