package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// The platform-scale scenario: 10,000 users in 2,000 workspaces of 5
// projects each. Every user holds one GlobalRoleBinding, 3
// WorkspaceRoleBindings and 6 project RoleBindings (100,000 iam bindings);
// mirrored the way the tenancy controllers mirror them, that is 10,000+
// ClusterRoleBindings and 210,000 RoleBindings for the upstream authorizer.
const (
	scaleUsers            = 10_000
	scaleWorkspaces       = 2_000
	scaleProjectsPerWS    = 5
	scaleAdmins           = 10
	scaleWorkspacesOfUser = 3
	scaleProjectsOfUser   = 6
	scaleClusterViewers   = 100
	scaleRequests         = 10_000
)

// Roles of the scale scenario, shaped after KubeSphere's built-in roles.
var (
	scaleGlobalRoles = map[string][]rbacv1.PolicyRule{
		"platform-admin": {
			rule("*", "*", "*"),
			urlRule("*", "*"),
		},
		"platform-regular": {
			rule("get,list,watch", "storage.k8s.io", "storageclasses"),
			rule("create", "authorization.k8s.io", "selfsubjectaccessreviews,selfsubjectrulesreviews"),
			rule("get,list", "iam.kubesphere.io", "globalroles,roletemplates"),
			rule("get", "iam.kubesphere.io", "users"),
		},
		"workspaces-manager": {
			rule("*", "tenant.kubesphere.io", "workspacetemplates,workspaces"),
			rule("get,list,watch", "iam.kubesphere.io", "users,globalroles"),
			rule("get,list", "", "namespaces"),
			rule("create", "authorization.k8s.io", "selfsubjectaccessreviews"),
		},
	}
	scaleClusterRoles = map[string][]rbacv1.PolicyRule{
		"authenticated": {
			urlRule("get", "/healthz,/livez,/readyz,/version,/version/,/api,/api/*,/apis,/apis/*,/openapi/*"),
		},
		"cluster-viewer": {
			rule("get,list,watch", "", "nodes,persistentvolumes,namespaces"),
			rule("get,list,watch", "storage.k8s.io", "storageclasses"),
			urlRule("get", "/metrics"),
		},
	}
	scaleWorkspaceRoles = map[string][]rbacv1.PolicyRule{
		"admin": {
			rule("*", ",apps,batch,autoscaling,networking.k8s.io", "*"),
			rule("*", "iam.kubesphere.io", "rolebindings,roles,workspacemembers"),
			rule("*", "tenant.kubesphere.io", "namespaces"),
		},
		"regular": {
			rule("create", "tenant.kubesphere.io", "namespaces"),
			rule("get,list", "iam.kubesphere.io", "workspacemembers"),
			rule("list,watch", "", "events"),
		},
		"viewer": {
			rule("get,list,watch", ",apps,batch,autoscaling,networking.k8s.io",
				"pods,services,configmaps,persistentvolumeclaims,events,deployments,statefulsets,jobs,cronjobs,ingresses,horizontalpodautoscalers"),
			rule("get", "", "pods/log"),
			rule("get", "apps", "deployments/scale"),
			rule("list", "iam.kubesphere.io", "rolebindings,workspacemembers"),
		},
	}
	scaleProjectRoles = map[string][]rbacv1.PolicyRule{
		"admin": {
			rule("*", ",apps,batch,autoscaling,networking.k8s.io", "*"),
			rule("*", "iam.kubesphere.io", "rolebindings,roles"),
		},
		"operator": {
			rule("get,list,watch,create,update,patch,delete", ",apps,batch",
				"pods,services,configmaps,persistentvolumeclaims,deployments,statefulsets,jobs,cronjobs"),
			rule("get,update,patch", "apps", "deployments/scale,statefulsets/scale"),
			rule("get", "", "pods/log"),
			rule("create", "", "pods/exec"),
			rule("get", "", "secrets", "registry-secret", "app-config"),
			rule("get,list,watch", "networking.k8s.io,autoscaling", "ingresses,horizontalpodautoscalers"),
			rule("list,watch", "", "events"),
		},
		"viewer": {
			rule("get,list,watch", ",apps,batch", "pods,services,configmaps,persistentvolumeclaims,events,deployments,statefulsets,jobs,cronjobs"),
			rule("get", "", "pods/log"),
			rule("get", "apps", "deployments/scale"),
		},
	}
)

// scaleResource is a kind of request the mix makes, with the verbs and names
// it uses.
type scaleResource struct {
	group, resource, subresource string
	verbs                        []string
	names                        []string
}

var (
	scaleNamespacedResources = []scaleResource{
		{"", "pods", "", []string{"get", "list", "watch", "create", "delete"}, []string{"app-0", "app-1", "web-7"}},
		{"", "pods", "log", []string{"get"}, []string{"app-0", "web-7"}},
		{"", "pods", "exec", []string{"create"}, []string{"app-1"}},
		{"", "services", "", []string{"get", "list", "create", "update", "delete"}, []string{"web"}},
		{"", "configmaps", "", []string{"get", "list", "create", "update", "delete"}, []string{"settings"}},
		{"", "secrets", "", []string{"get", "list", "update"}, []string{"registry-secret", "app-config", "db-password"}},
		{"", "persistentvolumeclaims", "", []string{"get", "list", "create", "delete"}, []string{"data-0"}},
		{"", "events", "", []string{"list", "watch"}, nil},
		{"apps", "deployments", "", []string{"get", "list", "watch", "create", "update", "patch", "delete"}, []string{"web", "api"}},
		{"apps", "deployments", "scale", []string{"get", "update", "patch"}, []string{"web"}},
		{"apps", "statefulsets", "", []string{"get", "list", "update"}, []string{"db"}},
		{"batch", "jobs", "", []string{"get", "list", "create", "delete"}, []string{"migrate"}},
		{"batch", "cronjobs", "", []string{"get", "list", "create"}, []string{"backup"}},
		{"networking.k8s.io", "ingresses", "", []string{"get", "list", "create", "update"}, []string{"web"}},
		{"autoscaling", "horizontalpodautoscalers", "", []string{"get", "list", "create"}, []string{"web"}},
		{"iam.kubesphere.io", "rolebindings", "", []string{"list", "create", "delete"}, []string{"someone-viewer"}},
	}
	scaleClusterResources = []scaleResource{
		{"", "nodes", "", []string{"get", "list", "watch"}, []string{"node-1"}},
		{"", "namespaces", "", []string{"get", "list", "create"}, []string{"ws-0001-p1"}},
		{"", "persistentvolumes", "", []string{"list"}, nil},
		{"storage.k8s.io", "storageclasses", "", []string{"get", "list"}, []string{"standard"}},
		{"tenant.kubesphere.io", "workspacetemplates", "", []string{"get", "list", "create", "delete"}, []string{"ws-0042"}},
		{"iam.kubesphere.io", "users", "", []string{"get", "list", "update"}, []string{"user-00042"}},
		{"iam.kubesphere.io", "globalroles", "", []string{"list"}, nil},
		{"authorization.k8s.io", "selfsubjectaccessreviews", "", []string{"create"}, nil},
	}
	scalePaths = []string{"/healthz", "/version", "/metrics", "/apis/apps/v1", "/debug/pprof/", "/openapi/v3"}
)

// scaleWorld is the scenario: the iam objects spherekit indexes, their
// native mirrors the upstream authorizer indexes, both authorizers, and the
// request mix in both authorizers' forms.
type scaleWorld struct {
	iam    []runtime.Object
	native *nativeRBAC

	spherekit *authz.Authorizer
	upstream  *rbac.RBACAuthorizer

	requests         []authz.Attributes
	upstreamRequests []authorizer.AttributesRecord

	built time.Duration
}

var (
	scaleOnce sync.Once
	scale     *scaleWorld
	scaleErr  error
)

// loadScaleWorld builds the scenario once per test binary.
func loadScaleWorld(tb testing.TB) *scaleWorld {
	tb.Helper()
	scaleOnce.Do(func() {
		start := time.Now()
		scale, scaleErr = buildScaleWorld()
		if scale != nil {
			scale.built = time.Since(start)
		}
	})
	require.NoError(tb, scaleErr)
	return scale
}

func buildScaleWorld() (*scaleWorld, error) {
	rng := rand.New(rand.NewPCG(2026, 37))
	w := &scaleWorld{}
	add := func(o runtime.Object) { w.iam = append(w.iam, o) }
	iamRef := func(kind, name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: name}
	}
	userSubject := func(name string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}
	}

	for _, name := range sortedKeys(scaleGlobalRoles) {
		add(&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: scaleGlobalRoles[name]})
	}
	for _, name := range sortedKeys(scaleClusterRoles) {
		add(&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: scaleClusterRoles[name]})
	}
	add(&iamv1beta1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "authenticated"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: user.AllAuthenticated}},
		RoleRef:    iamRef("ClusterRole", "authenticated"),
	})

	workspaces := make([]string, scaleWorkspaces)
	projects := make([][]string, scaleWorkspaces)
	var allProjects []string
	for i := range workspaces {
		ws := fmt.Sprintf("ws-%04d", i)
		workspaces[i] = ws
		wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		for _, r := range sortedKeys(scaleWorkspaceRoles) {
			add(&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ws + "-" + r, Labels: wsLabel}, Rules: scaleWorkspaceRoles[r]})
		}
		for p := range scaleProjectsPerWS {
			ns := fmt.Sprintf("%s-p%d", ws, p)
			projects[i] = append(projects[i], ns)
			allProjects = append(allProjects, ns)
			add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: wsLabel}})
			for _, r := range sortedKeys(scaleProjectRoles) {
				add(&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: r, Namespace: ns}, Rules: scaleProjectRoles[r]})
			}
		}
	}

	users := make([]string, scaleUsers)
	userProjects := make([][]string, scaleUsers)   // projects where the user holds a RoleBinding
	userWSProjects := make([][]string, scaleUsers) // every project of the user's workspaces
	admins := map[int]bool{}
	for len(admins) < scaleAdmins {
		admins[rng.IntN(scaleUsers)] = true
	}
	for u := range users {
		name := fmt.Sprintf("user-%05d", u)
		users[u] = name
		global := "platform-regular"
		switch {
		case admins[u]:
			global = "platform-admin"
		case rng.IntN(10) == 0:
			global = "workspaces-manager"
		}
		add(&iamv1beta1.GlobalRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-" + global},
			Subjects:   userSubject(name),
			RoleRef:    iamRef("GlobalRole", global),
		})

		var mine []int
		for len(mine) < scaleWorkspacesOfUser {
			if ws := rng.IntN(scaleWorkspaces); !slices.Contains(mine, ws) {
				mine = append(mine, ws)
			}
		}
		var candidates []string
		for _, ws := range mine {
			role := pickWeighted(rng, []string{"admin", "regular", "viewer"}, []int{10, 60, 30})
			wsRole := workspaces[ws] + "-" + role
			add(&iamv1beta1.WorkspaceRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name + "-" + wsRole, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspaces[ws]}},
				Subjects:   userSubject(name),
				RoleRef:    iamRef("WorkspaceRole", wsRole),
			})
			candidates = append(candidates, projects[ws]...)
		}
		userWSProjects[u] = slices.Clone(candidates)
		rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
		for _, ns := range candidates[:scaleProjectsOfUser] {
			role := pickWeighted(rng, []string{"admin", "operator", "viewer"}, []int{15, 40, 45})
			add(&iamv1beta1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name + "-" + role, Namespace: ns},
				Subjects:   userSubject(name),
				RoleRef:    iamRef("Role", role),
			})
		}
		userProjects[u] = candidates[:scaleProjectsOfUser]
	}
	for range scaleClusterViewers {
		name := users[rng.IntN(scaleUsers)]
		add(&iamv1beta1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-cluster-viewer"},
			Subjects:   userSubject(name),
			RoleRef:    iamRef("ClusterRole", "cluster-viewer"),
		})
	}

	// The request mix: 75% in a namespace (mostly the user's own projects),
	// 20% cluster-scoped resources, 5% non-resource paths.
	for range scaleRequests {
		u := rng.IntN(scaleUsers)
		a := authz.Attributes{User: authz.User{Name: users[u], Groups: []string{user.AllAuthenticated}}}
		var res scaleResource
		switch p := rng.IntN(100); {
		case p < 75:
			switch q := rng.IntN(100); {
			case q < 60:
				a.Namespace = userProjects[u][rng.IntN(len(userProjects[u]))]
			case q < 85:
				a.Namespace = userWSProjects[u][rng.IntN(len(userWSProjects[u]))]
			default:
				a.Namespace = allProjects[rng.IntN(len(allProjects))]
			}
			res = scaleNamespacedResources[rng.IntN(len(scaleNamespacedResources))]
		case p < 95:
			res = scaleClusterResources[rng.IntN(len(scaleClusterResources))]
		default:
			a.Verb = "get"
			a.NonResourcePath = scalePaths[rng.IntN(len(scalePaths))]
		}
		if a.NonResourcePath == "" {
			a.Verb = res.verbs[rng.IntN(len(res.verbs))]
			a.APIGroup, a.Resource, a.Subresource = res.group, res.resource, res.subresource
			if named := a.Verb != "list" && a.Verb != "watch" && a.Verb != "create"; named && len(res.names) > 0 {
				a.Name = res.names[rng.IntN(len(res.names))]
			}
		}
		w.requests = append(w.requests, a)
		w.upstreamRequests = append(w.upstreamRequests, upstreamAttributes(&a))
	}

	var err error
	if w.spherekit, err = authz.NewFromObjects(w.iam...); err != nil {
		return nil, fmt.Errorf("spherekit authorizer: %w", err)
	}
	if w.native, err = mirrorIAM(w.iam); err != nil {
		return nil, err
	}
	if w.upstream, err = w.native.upstream(); err != nil {
		return nil, fmt.Errorf("upstream authorizer: %w", err)
	}
	return w, nil
}

// upstreamAttributes is a in the upstream authorizer's form.
func upstreamAttributes(a *authz.Attributes) authorizer.AttributesRecord {
	r := authorizer.AttributesRecord{
		User:      &user.DefaultInfo{Name: a.User.Name, Groups: a.User.Groups},
		Verb:      a.Verb,
		Namespace: a.Namespace,
	}
	if a.NonResourcePath != "" {
		r.Path = a.NonResourcePath
		return r
	}
	r.ResourceRequest = true
	r.APIGroup, r.APIVersion, r.Resource, r.Subresource, r.Name = a.APIGroup, "v1", a.Resource, a.Subresource, a.Name
	return r
}

func pickWeighted(rng *rand.Rand, values []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return values[i]
		}
		n -= w
	}
	return values[len(values)-1]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// BenchmarkAuthorize decides the scenario's request mix with spherekit's
// authorizer (over the iam objects) and with the upstream Kubernetes RBAC
// authorizer (over their native mirrors, as kube-apiserver would). Before
// anything is timed, both must decide every request of the mix alike (the
// check TestScaleDecisionsAgree makes, once per test binary). Each call is
// timed on its own for the p50-ns and p99-ns metrics; ns/op includes those
// two clock reads. Call i decides request i modulo the mix, so both sides
// decide the same requests only for the same b.N: run with
// -benchtime 10000x, one pass over the mix each.
func BenchmarkAuthorize(b *testing.B) {
	w := loadScaleWorld(b)
	scaleAgreeOnce.Do(func() { scaleAgree = checkScaleDecisions(w) })
	if scaleAgree.err != nil {
		b.Fatal(scaleAgree.err)
	}
	if scaleAgree.mismatches > 0 {
		b.Fatalf("the authorizers decide %d of %d requests differently:\n%s", scaleAgree.mismatches, len(w.requests), strings.Join(scaleAgree.examples, "\n"))
	}
	b.Logf("both authorizers decide the %d requests alike; %d allowed", len(w.requests), scaleAgree.allowed)
	ctx := context.Background()
	wholePasses := func(b *testing.B) {
		if b.N > 1 && b.N%len(w.requests) != 0 {
			b.Logf("%d calls are not whole passes over the %d requests: the other side may decide other requests", b.N, len(w.requests))
		}
	}
	b.Run("spherekit", func(b *testing.B) {
		wholePasses(b)
		timeEach(b, func(i int) error {
			_, err := w.spherekit.Authorize(ctx, w.requests[i%len(w.requests)])
			return err
		})
	})
	b.Run("upstream-rbac", func(b *testing.B) {
		wholePasses(b)
		timeEach(b, func(i int) error {
			_, _, err := w.upstream.Authorize(ctx, &w.upstreamRequests[i%len(w.upstreamRequests)])
			return err
		})
	})
}

// timeEach runs op b.N times, timing each call on its own, and reports the
// p50-ns and p99-ns latencies beside ns/op (which includes the two clock
// reads per call).
func timeEach(b *testing.B, op func(i int) error) {
	b.Helper()
	lat := make([]time.Duration, b.N)
	goruntime.GC() // settle the scenario's garbage before timing
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		err := op(i)
		lat[i] = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
	b.ReportMetric(float64(lat[(len(lat)*99)/100]), "p99-ns")
}

// scaleDecisions is how the two authorizers decide the scale scenario's
// request mix.
type scaleDecisions struct {
	allowed, mismatches int
	// examples describe the first mismatches.
	examples []string
	err      error
}

var (
	scaleAgreeOnce sync.Once
	scaleAgree     scaleDecisions
)

// checkScaleDecisions decides every request of w's mix with both
// authorizers and counts the allowed ones and the differences.
func checkScaleDecisions(w *scaleWorld) scaleDecisions {
	ctx := context.Background()
	var r scaleDecisions
	for i := range w.requests {
		d, err := w.spherekit.Authorize(ctx, w.requests[i])
		if err != nil {
			r.err = fmt.Errorf("spherekit, request %d: %w", i, err)
			return r
		}
		up, reason, err := w.upstream.Authorize(ctx, &w.upstreamRequests[i])
		if err != nil {
			r.err = fmt.Errorf("upstream, request %d: %w", i, err)
			return r
		}
		if d.Allowed {
			r.allowed++
		}
		if d.Allowed != (up == authorizer.DecisionAllow) {
			r.mismatches++
			if len(r.examples) < 10 {
				r.examples = append(r.examples, fmt.Sprintf("request %d: spherekit allowed=%v, upstream %v (%s)\n  %s", i, d.Allowed, up, reason, d.String()))
			}
		}
	}
	return r
}

// TestScaleDecisionsAgree checks that both authorizers give the same answer
// to every request of the benchmark's mix, so BenchmarkAuthorize compares
// the same work, and that the mix is about half allowed.
func TestScaleDecisionsAgree(t *testing.T) {
	w := loadScaleWorld(t)
	t.Logf("scenario built in %v: %d iam objects; %d Roles, %d RoleBindings, %d ClusterRoles, %d ClusterRoleBindings mirrored",
		w.built.Round(time.Millisecond), len(w.iam), len(w.native.roles), len(w.native.roleBindings), len(w.native.clusterRoles), len(w.native.clusterRoleBindings))
	r := checkScaleDecisions(w)
	require.NoError(t, r.err)
	for _, e := range r.examples {
		t.Error(e)
	}
	frac := float64(r.allowed) / float64(len(w.requests))
	t.Logf("%d of %d requests allowed (%.1f%%), %d mismatches", r.allowed, len(w.requests), 100*frac, r.mismatches)
	assert.Zero(t, r.mismatches)
	assert.InDelta(t, 0.5, frac, 0.15, "the mix should be about half allowed")
}
