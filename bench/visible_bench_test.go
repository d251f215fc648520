package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/resources"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/testenv"
)

// visibleWorld is the scale scenario's 2,000 workspaces (as
// WorkspaceTemplates) and 10,000 namespaces in a real kube-apiserver, read
// through a real controller-runtime cache, as a portal would list them.
type visibleWorld struct {
	cluster *testenv.Cluster
	cache   cache.Cache
	stop    context.CancelFunc
	done    chan struct{}
}

var (
	visibleOnce sync.Once
	visible     *visibleWorld
	visibleErr  error
)

// TestMain stops the cluster the listing benchmarks start, if they ran.
func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	code := m.Run()
	if visible != nil {
		visible.stop()
		<-visible.done
		if err := visible.cluster.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop cluster: %v\n", err)
		}
	}
	os.Exit(code)
}

func loadVisibleWorld(tb testing.TB, w *scaleWorld) *visibleWorld {
	tb.Helper()
	visibleOnce.Do(func() { visible, visibleErr = buildVisibleWorld(w) })
	require.NoError(tb, visibleErr)
	return visible
}

func buildVisibleWorld(w *scaleWorld) (*visibleWorld, error) {
	ctx := context.Background()
	cluster, err := testenv.Start(ctx, testenv.Options{Progress: os.Stderr})
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(cluster.Config)
	cfg.QPS, cfg.Burst = 5000, 5000
	c, err := client.New(cfg, client.Options{Scheme: cluster.Scheme})
	if err != nil {
		return nil, err
	}
	var objs []client.Object
	seen := map[string]bool{}
	for _, o := range w.iam {
		if ns, ok := o.(*corev1.Namespace); ok {
			ws := ns.Labels[tenantv1beta1.WorkspaceLabel]
			if !seen[ws] {
				seen[ws] = true
				objs = append(objs, &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws,
					Annotations: map[string]string{tenantv1beta1.AliasNameAnnotation: "Team " + strings.TrimPrefix(ws, "ws-")}}})
			}
			objs = append(objs, ns.DeepCopy())
		}
	}
	start := time.Now()
	work := make(chan client.Object)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for o := range work {
				if err := c.Create(ctx, o); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, o := range objs {
		work <- o
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	fmt.Fprintf(os.Stderr, "created %d workspaces and namespaces in %v\n", len(objs), time.Since(start).Round(time.Millisecond))

	ch, err := cache.New(cfg, cache.Options{Scheme: cluster.Scheme, DefaultTransform: resources.StripForCache})
	if err != nil {
		return nil, err
	}
	cctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Start(cctx) }()
	if !ch.WaitForCacheSync(ctx) {
		stop()
		return nil, fmt.Errorf("cache did not start")
	}
	for _, l := range []client.ObjectList{&tenantv1beta1.WorkspaceTemplateList{}, &corev1.NamespaceList{}} {
		if err := ch.List(ctx, l); err != nil { // starts and syncs the informer
			stop()
			return nil, err
		}
	}
	return &visibleWorld{cluster: cluster, cache: ch, stop: stop, done: done}, nil
}

// visibleUsers picks the scenario's users who see everything and up to n
// who see only their own workspaces, with a workspace each of the latter
// holds a binding in.
func visibleUsers(w *scaleWorld, n int) (all []authz.User, some []authz.User, their []string) {
	for i := range scaleUsers {
		u := authz.User{Name: fmt.Sprintf("user-%05d", i)}
		v := w.spherekit.VisibleWorkspaces(u)
		switch {
		case v.All && len(all) < n:
			all = append(all, u)
		case !v.All && len(v.Names) > 0 && len(some) < n:
			some = append(some, u)
			their = append(their, v.Names[0])
		}
	}
	return all, some, their
}

// BenchmarkListWorkspaces lists a page of 10 workspaces by name for users
// of the 10k-user, 2k-workspace, 10k-namespace scenario: spherekit's
// ListWorkspaces (the index says which workspaces; a few cache lookups or
// one cache scan) against checking every workspace with Authorize, the
// per-item filtering consoles do.
func BenchmarkListWorkspaces(b *testing.B) {
	w := loadScaleWorld(b)
	v := loadVisibleWorld(b, w)
	all, some, _ := visibleUsers(w, 100)
	ctx := context.Background()
	q := resources.Query{SortBy: resources.SortByName, Ascending: true, Limit: 10}
	for _, users := range []struct {
		name string
		us   []authz.User
	}{{"member", some}, {"platform-admin", all}} {
		b.Run("spherekit/"+users.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				var list tenantv1beta1.WorkspaceTemplateList
				_, err := w.spherekit.ListWorkspaces(ctx, v.cache, users.us[i%len(users.us)], q, &list)
				return err
			})
		})
		b.Run("per-item-check/"+users.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				perItemWorkspaces(ctx, b, w.spherekit, v.cache, users.us[i%len(users.us)], 10)
				return nil
			})
		})
	}
}

// BenchmarkListProjects lists a page of 10 projects of one workspace.
func BenchmarkListProjects(b *testing.B) {
	w := loadScaleWorld(b)
	v := loadVisibleWorld(b, w)
	all, some, their := visibleUsers(w, 100)
	ctx := context.Background()
	q := resources.Query{SortBy: resources.SortByName, Ascending: true, Limit: 10}
	for _, c := range []struct {
		name string
		us   []authz.User
		ws   func(i int) string
	}{
		{"member", some, func(i int) string { return their[i%len(their)] }},
		{"platform-admin", all, func(i int) string { return fmt.Sprintf("ws-%04d", i%scaleWorkspaces) }},
	} {
		b.Run("spherekit/"+c.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				var list corev1.NamespaceList
				_, err := w.spherekit.ListProjects(ctx, v.cache, c.us[i%len(c.us)], c.ws(i), q, &list)
				return err
			})
		})
		b.Run("per-item-check/"+c.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				perItemProjects(ctx, b, w.spherekit, v.cache, c.us[i%len(c.us)], c.ws(i), 10)
				return nil
			})
		})
	}
}

// perItemWorkspaces is the anchor: list every workspace from the cache,
// keep those Authorize lets u get, sort by name, copy the first page.
func perItemWorkspaces(ctx context.Context, b *testing.B, az *authz.Authorizer, r client.Reader, u authz.User, limit int) []runtime.Object {
	var list tenantv1beta1.WorkspaceTemplateList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		b.Fatal(err)
	}
	var keep []*tenantv1beta1.WorkspaceTemplate
	for i := range list.Items {
		ws := &list.Items[i]
		d, err := az.Authorize(ctx, authz.Attributes{User: u, Verb: "get", APIGroup: tenantv1beta1.GroupName, Resource: "workspacetemplates", Name: ws.Name, Workspace: ws.Name})
		if err != nil {
			b.Fatal(err)
		}
		if d.Allowed {
			keep = append(keep, ws)
		}
	}
	slices.SortFunc(keep, func(a, c *tenantv1beta1.WorkspaceTemplate) int { return strings.Compare(a.Name, c.Name) })
	var out []runtime.Object
	for _, ws := range keep[:min(limit, len(keep))] {
		out = append(out, ws.DeepCopy())
	}
	return out
}

// perItemProjects is the anchor for projects: list the workspace's
// namespaces by label from the cache, keep those Authorize lets u get.
func perItemProjects(ctx context.Context, b *testing.B, az *authz.Authorizer, r client.Reader, u authz.User, ws string, limit int) []runtime.Object {
	var list corev1.NamespaceList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}); err != nil {
		b.Fatal(err)
	}
	var keep []*corev1.Namespace
	for i := range list.Items {
		ns := &list.Items[i]
		d, err := az.Authorize(ctx, authz.Attributes{User: u, Verb: "get", Resource: "namespaces", Name: ns.Name, Namespace: ns.Name})
		if err != nil {
			b.Fatal(err)
		}
		if d.Allowed {
			keep = append(keep, ns)
		}
	}
	slices.SortFunc(keep, func(a, c *corev1.Namespace) int { return strings.Compare(a.Name, c.Name) })
	var out []runtime.Object
	for _, ns := range keep[:min(limit, len(keep))] {
		out = append(out, ns.DeepCopy())
	}
	return out
}
