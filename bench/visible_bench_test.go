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
	"k8s.io/apimachinery/pkg/api/meta"
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
		v := w.spherekit.VisibleWorkspaces(context.Background(), u)
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
// one cache scan) against the same question answered per item, asking the
// Authorizer about every workspace (perItemWorkspaces). Before anything is
// timed, both sides must return the same page and total for every user the
// benchmark cycles over.
func BenchmarkListWorkspaces(b *testing.B) {
	w := loadScaleWorld(b)
	v := loadVisibleWorld(b, w)
	all, some, _ := visibleUsers(w, 100)
	ctx := context.Background()
	q := resources.Query{SortBy: resources.SortByName, Ascending: true, Limit: 10}
	// The timed loops run the same calls sameVisible compares first.
	list := func(u authz.User, list *tenantv1beta1.WorkspaceTemplateList) (int, error) {
		return w.spherekit.ListWorkspaces(ctx, v.cache, u, q, list)
	}
	spherekit := func(u authz.User) ([]client.Object, int, error) {
		var l tenantv1beta1.WorkspaceTemplateList
		total, err := list(u, &l)
		return itemsOf(&l), total, err
	}
	perItem := func(u authz.User) ([]client.Object, int, error) {
		return perItemWorkspaces(ctx, w.spherekit, v.cache, u, q)
	}
	for _, users := range []struct {
		name string
		us   []authz.User
	}{{"member", some}, {"platform-admin", all}} {
		sameVisible(b, "ListWorkspaces/"+users.name, len(users.us), func(i int) (visibleAnswer, visibleAnswer, error) {
			u := users.us[i%len(users.us)]
			return answers(func() ([]client.Object, int, error) { return spherekit(u) }, func() ([]client.Object, int, error) { return perItem(u) })
		})
		b.Run("spherekit/"+users.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				var l tenantv1beta1.WorkspaceTemplateList
				_, err := list(users.us[i%len(users.us)], &l)
				return err
			})
		})
		b.Run("per-item-check/"+users.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				_, _, err := perItem(users.us[i%len(users.us)])
				return err
			})
		})
	}
}

// BenchmarkListProjects lists a page of 10 projects of one workspace, with
// the same agreement check as BenchmarkListWorkspaces.
func BenchmarkListProjects(b *testing.B) {
	w := loadScaleWorld(b)
	v := loadVisibleWorld(b, w)
	all, some, their := visibleUsers(w, 100)
	ctx := context.Background()
	q := resources.Query{SortBy: resources.SortByName, Ascending: true, Limit: 10}
	// The timed loops run the same calls sameVisible compares first.
	list := func(u authz.User, ws string, list *corev1.NamespaceList) (int, error) {
		return w.spherekit.ListProjects(ctx, v.cache, u, ws, q, list)
	}
	spherekit := func(u authz.User, ws string) ([]client.Object, int, error) {
		var l corev1.NamespaceList
		total, err := list(u, ws, &l)
		return itemsOf(&l), total, err
	}
	perItem := func(u authz.User, ws string) ([]client.Object, int, error) {
		return perItemProjects(ctx, w.spherekit, v.cache, u, ws, q)
	}
	for _, c := range []struct {
		name string
		us   []authz.User
		ws   func(i int) string
		// period is after how many calls the (user, workspace) pairs repeat.
		period int
	}{
		{"member", some, func(i int) string { return their[i%len(their)] }, len(some)},
		{"platform-admin", all, func(i int) string { return fmt.Sprintf("ws-%04d", i%scaleWorkspaces) }, lcm(len(all), scaleWorkspaces)},
	} {
		sameVisible(b, "ListProjects/"+c.name, c.period, func(i int) (visibleAnswer, visibleAnswer, error) {
			u, ws := c.us[i%len(c.us)], c.ws(i)
			return answers(func() ([]client.Object, int, error) { return spherekit(u, ws) }, func() ([]client.Object, int, error) { return perItem(u, ws) })
		})
		b.Run("spherekit/"+c.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				var l corev1.NamespaceList
				_, err := list(c.us[i%len(c.us)], c.ws(i), &l)
				return err
			})
		})
		b.Run("per-item-check/"+c.name, func(b *testing.B) {
			timeEach(b, func(i int) error {
				_, _, err := perItem(c.us[i%len(c.us)], c.ws(i))
				return err
			})
		})
	}
}

// visibleAnswer is what a listing answers: the page's names in order and
// the number of matches before paging.
type visibleAnswer struct {
	Page  []string
	Total int
}

// itemsOf returns the objects of a typed list (pointers into its items).
func itemsOf(list client.ObjectList) []client.Object {
	var out []client.Object
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		out = append(out, o.(client.Object))
		return nil
	})
	return out
}

// answers runs spherekit's side and the anchor and returns their answers.
func answers(spherekit, anchor func() ([]client.Object, int, error)) (s, a visibleAnswer, err error) {
	answer := func(side func() ([]client.Object, int, error)) (visibleAnswer, error) {
		page, total, err := side()
		ans := visibleAnswer{Page: []string{}, Total: total}
		for _, o := range page {
			ans.Page = append(ans.Page, o.GetName())
		}
		return ans, err
	}
	if s, err = answer(spherekit); err != nil {
		return s, a, err
	}
	a, err = answer(anchor)
	return s, a, err
}

// sameVisible fails b unless both sides answer alike for each of the
// first n calls (after which the benchmark's calls repeat), and unless some
// answers are not empty. ask returns spherekit's answer and the anchor's.
func sameVisible(b *testing.B, name string, n int, ask func(i int) (spherekit, anchor visibleAnswer, err error)) {
	b.Helper()
	nonEmpty := 0
	for i := range n {
		s, p, err := ask(i)
		if err != nil {
			b.Fatalf("%s, call %d: %v", name, i, err)
		}
		if !slices.Equal(s.Page, p.Page) || s.Total != p.Total {
			b.Fatalf("%s, call %d: spherekit answers %v of %d, per-item check %v of %d", name, i, s.Page, s.Total, p.Page, p.Total)
		}
		if s.Total > 0 {
			nonEmpty++
		}
	}
	if nonEmpty == 0 {
		b.Fatalf("%s: every answer is empty", name)
	}
	b.Logf("%s: both sides agree on %d calls (%d not empty)", name, n, nonEmpty)
}

func lcm(a, b int) int {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// perItemWorkspaces is the anchor of BenchmarkListWorkspaces: the question
// ListWorkspaces answers (a page of the workspaces VisibleWorkspaces says u
// sees, by q, and how many there are), answered without the index's
// per-user view by asking the Authorizer about each item. u sees every
// workspace if they may list workspaces on the platform (one check, the
// same for every item). Otherwise each workspace in the cache is kept when
// u holds a WorkspaceRoleBinding in it or a RoleBinding in one of its
// namespaces, which Rules answers per workspace and per namespace (it names
// the binding behind each rule u holds there). Then sort by name, cut the
// page, deep-copy it.
func perItemWorkspaces(ctx context.Context, az *authz.Authorizer, r client.Reader, u authz.User, q resources.Query) ([]client.Object, int, error) {
	all := false
	for _, res := range []string{"workspacetemplates", "workspaces"} {
		d, err := az.Authorize(ctx, authz.Attributes{User: u, Verb: "list", APIGroup: tenantv1beta1.GroupName, Resource: res, Scope: authz.ScopeGlobal})
		if err != nil {
			return nil, 0, err
		}
		all = all || d.Allowed
	}
	var list tenantv1beta1.WorkspaceTemplateList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, 0, err
	}
	var nsOf map[string][]string
	if !all {
		var namespaces corev1.NamespaceList
		if err := r.List(ctx, &namespaces, client.UnsafeDisableDeepCopy); err != nil {
			return nil, 0, err
		}
		nsOf = map[string][]string{}
		for i := range namespaces.Items {
			ns := &namespaces.Items[i]
			if ws := ns.Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
				nsOf[ws] = append(nsOf[ws], ns.Name)
			}
		}
	}
	var keep []*tenantv1beta1.WorkspaceTemplate
	for i := range list.Items {
		ws := &list.Items[i]
		if all || holdsBinding(az, authz.Attributes{User: u, Workspace: ws.Name}, "WorkspaceRoleBinding", "") ||
			slices.ContainsFunc(nsOf[ws.Name], func(ns string) bool {
				return holdsBinding(az, authz.Attributes{User: u, Namespace: ns}, "RoleBinding", ns)
			}) {
			keep = append(keep, ws)
		}
	}
	return pageOfNames(keep, q, func(ws *tenantv1beta1.WorkspaceTemplate) client.Object { return ws.DeepCopy() })
}

// perItemProjects is the anchor of BenchmarkListProjects: the question
// ListProjects answers (a page of the namespaces of ws VisibleProjects says
// u sees) answered per item: all of them if u may list namespaces in ws (one
// check for the list), otherwise each namespace of ws in the cache in which
// Rules shows u holding a RoleBinding.
func perItemProjects(ctx context.Context, az *authz.Authorizer, r client.Reader, u authz.User, ws string, q resources.Query) ([]client.Object, int, error) {
	d, err := az.Authorize(ctx, authz.Attributes{User: u, Verb: "list", Resource: "namespaces", Workspace: ws})
	if err != nil {
		return nil, 0, err
	}
	var list corev1.NamespaceList
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}); err != nil {
		return nil, 0, err
	}
	var keep []*corev1.Namespace
	for i := range list.Items {
		ns := &list.Items[i]
		if d.Allowed || holdsBinding(az, authz.Attributes{User: u, Namespace: ns.Name}, "RoleBinding", ns.Name) {
			keep = append(keep, ns)
		}
	}
	return pageOfNames(keep, q, func(ns *corev1.Namespace) client.Object { return ns.DeepCopy() })
}

// holdsBinding reports whether one of the rules a.User holds at a's scope
// comes from a binding of kind in namespace.
func holdsBinding(az *authz.Authorizer, a authz.Attributes, kind, namespace string) bool {
	return slices.ContainsFunc(az.Rules(a), func(r authz.GrantedRule) bool {
		return r.Binding.Kind == kind && r.Binding.Namespace == namespace
	})
}

// pageOfNames sorts keep by name (q must sort by name, ascending), cuts
// q's page and deep-copies it, as a listing hands out the page. It returns
// the page and the number kept.
func pageOfNames[T client.Object](keep []T, q resources.Query, deepCopy func(T) client.Object) ([]client.Object, int, error) {
	if q.SortBy != resources.SortByName || !q.Ascending || q.Limit == 0 || len(q.Names) > 0 || q.Name != "" {
		return nil, 0, fmt.Errorf("the per-item anchor only pages by name, ascending, with a limit and no name filters")
	}
	slices.SortFunc(keep, func(a, c T) int { return strings.Compare(a.GetName(), c.GetName()) })
	from := min((max(q.Page, 1)-1)*q.Limit, len(keep))
	page := make([]client.Object, 0, q.Limit)
	for _, o := range keep[from:min(from+q.Limit, len(keep))] {
		page = append(page, deepCopy(o))
	}
	return page, len(keep), nil
}
