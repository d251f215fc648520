package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

var (
	differentialRequests = flag.Int("differential.requests", 20_000, "requests TestDifferentialAgainstUpstreamRBAC decides with both authorizers")
	differentialSeed     = flag.Uint64("differential.seed", 1, "seed of TestDifferentialAgainstUpstreamRBAC's random worlds")
)

// requestsPerWorld is how many requests each random set of roles and
// bindings answers before the next one is drawn.
const requestsPerWorld = 200

// Small vocabularies, so random rules and requests meet often.
var (
	diffNamespaces   = []string{"ns-a", "ns-b", "ns-c"}
	diffRuleVerbs    = []string{"get", "list", "create", "delete", "*"}
	diffRuleGroups   = []string{"", "apps", "x.io", "*"}
	diffRuleRes      = []string{"pods", "deployments", "secrets", "*", "pods/log", "deployments/scale", "*/scale", "*/status", "pods/*"}
	diffRuleNames    = []string{"a", "b"}
	diffRuleURLs     = []string{"/healthz", "/api/*", "/apis/apps", "*", "/logs/*", "/ap*"}
	diffRoleNames    = []string{"r0", "r1", "r2"}
	diffClusterRoles = []string{"c0", "c1", "c2", "c3"}

	diffUsers = []string{
		"alice", "bob",
		"system:serviceaccount:ns-a:default", "system:serviceaccount:ns-a:robot", "system:serviceaccount:ns-b:robot",
	}
	diffGroups       = []string{"devs", "ops", "system:serviceaccounts", "system:serviceaccounts:ns-a", "system:authenticated"}
	diffSANames      = []string{"default", "robot"}
	diffReqVerbs     = []string{"get", "list", "create", "delete", "patch", "escalate"}
	diffReqGroups    = []string{"", "apps", "x.io", "y.io"}
	diffReqResources = []string{"pods", "deployments", "secrets", "configmaps"}
	diffReqSubs      = []string{"log", "scale", "status", "exec"}
	diffReqNames     = []string{"a", "b", "c"}
	diffReqNS        = []string{"ns-a", "ns-b", "ns-c", "ns-z"}
	diffPaths        = []string{"/healthz", "/healthz/ping", "/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/logs", "/logs/", "/logs/x", "/metrics", "/"}
)

// TestDifferentialAgainstUpstreamRBAC draws random native RBAC worlds and
// requests and requires spherekit's authorizer and the upstream Kubernetes
// RBAC authorizer to agree on every allow and deny.
func TestDifferentialAgainstUpstreamRBAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(*differentialSeed, 0x5eed))
	ctx := context.Background()
	start := time.Now()
	total, allowed, mismatches := 0, 0, 0
	for total < *differentialRequests {
		world := randomRBAC(rng)
		sk, err := authz.NewFromObjects(world.objects()...)
		require.NoError(t, err)
		up, err := world.upstream()
		require.NoError(t, err)
		for range min(requestsPerWorld, *differentialRequests-total) {
			total++
			a := randomRequest(rng)
			d, err := sk.Authorize(ctx, a)
			require.NoError(t, err, "request %+v", a)
			ua := upstreamAttributes(&a)
			ud, reason, _ := up.Authorize(ctx, &ua)
			if d.Allowed {
				allowed++
			}
			if d.Allowed == (ud == authorizer.DecisionAllow) {
				continue
			}
			mismatches++
			if mismatches <= 5 {
				explained, _ := sk.Explain(ctx, a)
				t.Errorf("mismatch on %s\n  spherekit allowed=%v: %s\n  upstream %v: %s\n  objects:\n%s",
					describeRequest(&a), d.Allowed, explained.String(), decisionName(ud), reason, world.dump())
			}
		}
	}
	frac := float64(allowed) / float64(total)
	t.Logf("%d requests over %d worlds in %v: %.1f%% allowed, %d mismatches",
		total, (total+requestsPerWorld-1)/requestsPerWorld, time.Since(start).Round(time.Millisecond), 100*frac, mismatches)
	assert.Zero(t, mismatches)
	assert.True(t, frac > 0.1 && frac < 0.9, "allowed fraction %.3f should be well inside (0.1, 0.9) for the test to mean something", frac)
}

// randomRBAC draws a few Roles and RoleBindings per namespace and a few
// ClusterRoles and ClusterRoleBindings. Some bindings refer to roles that do
// not exist (r2 is never created in ns-c, c3 never at all).
func randomRBAC(rng *rand.Rand) *nativeRBAC {
	n := &nativeRBAC{}
	for _, name := range diffClusterRoles[:3] {
		n.clusterRoles = append(n.clusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: randomRules(rng, true)})
	}
	for _, ns := range diffNamespaces {
		roles := diffRoleNames
		if ns == "ns-c" {
			roles = roles[:2]
		}
		for _, name := range roles {
			n.roles = append(n.roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: randomRules(rng, false)})
		}
		for i := range 3 + rng.IntN(4) {
			ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: pick(rng, diffRoleNames)}
			if rng.IntN(2) == 0 {
				ref = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: pick(rng, diffClusterRoles)}
			}
			n.roleBindings = append(n.roleBindings, &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rb%d", i), Namespace: ns},
				Subjects:   randomSubjects(rng),
				RoleRef:    ref,
			})
		}
	}
	for i := range 2 + rng.IntN(3) {
		n.clusterRoleBindings = append(n.clusterRoleBindings, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crb%d", i)},
			Subjects:   randomSubjects(rng),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: pick(rng, diffClusterRoles)},
		})
	}
	return n
}

// randomRules draws 1-3 rules: resource rules, and in cluster roles also
// non-resource rules and (rarely) rules with both.
func randomRules(rng *rand.Rand, cluster bool) []rbacv1.PolicyRule {
	rules := make([]rbacv1.PolicyRule, 1+rng.IntN(4))
	for i := range rules {
		r := rbacv1.PolicyRule{Verbs: pickN(rng, diffRuleVerbs, 1+rng.IntN(3))}
		kind := rng.IntN(10)
		if !cluster {
			kind = 0
		}
		if kind < 7 || kind == 9 {
			r.APIGroups = pickN(rng, diffRuleGroups, 1+rng.IntN(3))
			r.Resources = pickN(rng, diffRuleRes, 1+rng.IntN(3))
			if rng.IntN(10) < 3 {
				r.ResourceNames = pickN(rng, diffRuleNames, 1+rng.IntN(2))
			}
		}
		if kind >= 7 {
			r.NonResourceURLs = pickN(rng, diffRuleURLs, 1+rng.IntN(2))
		}
		rules[i] = r
	}
	return rules
}

// randomSubjects draws 1-3 subjects: users (some spelled as service account
// user names), groups, service accounts with and without a namespace.
func randomSubjects(rng *rand.Rand) []rbacv1.Subject {
	subjects := make([]rbacv1.Subject, 1+rng.IntN(4))
	for i := range subjects {
		switch rng.IntN(3) {
		case 0:
			subjects[i] = rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: pick(rng, diffUsers)}
		case 1:
			subjects[i] = rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: pick(rng, diffGroups)}
		default:
			s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: pick(rng, diffSANames)}
			if rng.IntN(2) == 0 {
				s.Namespace = pick(rng, diffNamespaces)
			}
			subjects[i] = s
		}
	}
	return subjects
}

// randomRequest draws a resource request (in a namespace or cluster-scoped,
// with or without subresource and name) or a non-resource request (rarely
// with a namespace) by a random user with random groups.
func randomRequest(rng *rand.Rand) authz.Attributes {
	a := authz.Attributes{User: authz.User{Name: pick(rng, diffUsers), Groups: pickN(rng, diffGroups, 1+rng.IntN(3))}}
	if rng.IntN(5) == 0 {
		a.Verb = pick(rng, []string{"get", "post", "delete"})
		a.NonResourcePath = pick(rng, diffPaths)
		if rng.IntN(10) == 0 {
			a.Namespace = pick(rng, diffReqNS)
		}
		return a
	}
	a.Verb = pick(rng, diffReqVerbs)
	a.APIGroup = pick(rng, diffReqGroups)
	a.Resource = pick(rng, diffReqResources)
	if rng.IntN(10) < 3 {
		a.Subresource = pick(rng, diffReqSubs)
	}
	if rng.IntN(2) == 0 {
		a.Name = pick(rng, diffReqNames)
	}
	if rng.IntN(10) < 7 {
		a.Namespace = pick(rng, diffReqNS)
	}
	return a
}

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }

// pickN draws n distinct elements of from.
func pickN[T any](rng *rand.Rand, from []T, n int) []T {
	if n == 0 {
		return nil
	}
	idx := rng.Perm(len(from))[:n]
	out := make([]T, n)
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

func describeRequest(a *authz.Attributes) string {
	var b strings.Builder
	fmt.Fprintf(&b, "user=%q groups=%q verb=%q", a.User.Name, a.User.Groups, a.Verb)
	if a.NonResourcePath != "" {
		fmt.Fprintf(&b, " path=%q", a.NonResourcePath)
	} else {
		fmt.Fprintf(&b, " apiGroup=%q resource=%q subresource=%q name=%q", a.APIGroup, a.Resource, a.Subresource, a.Name)
	}
	fmt.Fprintf(&b, " namespace=%q", a.Namespace)
	return b.String()
}

func decisionName(d authorizer.Decision) string {
	switch d {
	case authorizer.DecisionAllow:
		return "Allow"
	case authorizer.DecisionDeny:
		return "Deny"
	default:
		return "NoOpinion"
	}
}

// dump renders n one object a line.
func (n *nativeRBAC) dump() string {
	var b strings.Builder
	line := func(kind string, o any) {
		j, _ := json.Marshal(o)
		fmt.Fprintf(&b, "    %s %s\n", kind, j)
	}
	for _, o := range n.clusterRoles {
		line("ClusterRole", o)
	}
	for _, o := range n.clusterRoleBindings {
		line("ClusterRoleBinding", o)
	}
	for _, o := range n.roles {
		line("Role", o)
	}
	for _, o := range n.roleBindings {
		line("RoleBinding", o)
	}
	return b.String()
}

// TestDifferentialIAMAgainstMirrors draws random iam worlds (GlobalRoles,
// WorkspaceRoles, iam ClusterRoles and Roles and their bindings, over
// namespaces in two workspaces and one outside any) and requires spherekit's
// authorizer over the iam objects to agree with the upstream authorizer over
// the native objects the tenancy controllers mirror them to, for every
// namespace, cluster and non-resource request (workspace-scope requests have
// no native counterpart).
func TestDifferentialIAMAgainstMirrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(*differentialSeed, 0x1a3))
	ctx := context.Background()
	start := time.Now()
	total, allowed, mismatches := 0, 0, 0
	for total < *differentialRequests {
		objs := randomIAM(rng)
		sk, err := authz.NewFromObjects(objs...)
		require.NoError(t, err)
		native, err := mirrorIAM(objs)
		require.NoError(t, err)
		up, err := native.upstream()
		require.NoError(t, err)
		for range min(requestsPerWorld, *differentialRequests-total) {
			total++
			a := randomRequest(rng)
			if a.Namespace != "" {
				a.Namespace = pick(rng, iamDiffNamespaces)
			}
			d, err := sk.Authorize(ctx, a)
			require.NoError(t, err, "request %+v", a)
			ua := upstreamAttributes(&a)
			ud, reason, _ := up.Authorize(ctx, &ua)
			if d.Allowed {
				allowed++
			}
			if d.Allowed == (ud == authorizer.DecisionAllow) {
				continue
			}
			mismatches++
			if mismatches <= 5 {
				explained, _ := sk.Explain(ctx, a)
				var b strings.Builder
				for _, o := range objs {
					j, _ := json.Marshal(o)
					fmt.Fprintf(&b, "    %T %s\n", o, j)
				}
				t.Errorf("mismatch on %s\n  spherekit allowed=%v: %s\n  upstream %v: %s\n  iam objects:\n%s",
					describeRequest(&a), d.Allowed, explained.String(), decisionName(ud), reason, b.String())
			}
		}
	}
	frac := float64(allowed) / float64(total)
	t.Logf("%d requests over %d worlds in %v: %.1f%% allowed, %d mismatches",
		total, (total+requestsPerWorld-1)/requestsPerWorld, time.Since(start).Round(time.Millisecond), 100*frac, mismatches)
	assert.Zero(t, mismatches)
	assert.True(t, frac > 0.1 && frac < 0.9, "allowed fraction %.3f should be well inside (0.1, 0.9) for the test to mean something", frac)
}

// Namespaces of the iam worlds: two workspaces of two projects, and ns-c in
// no workspace.
var (
	iamDiffWorkspaces = map[string][]string{"ws-1": {"ns-a", "ns-b"}, "ws-2": {"ns-d"}}
	iamDiffNamespaces = []string{"ns-a", "ns-b", "ns-c", "ns-d"}
)

func randomIAM(rng *rand.Rand) []runtime.Object {
	var objs []runtime.Object
	iamRef := func(kind, name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: name}
	}
	for _, ws := range sortedKeys(iamDiffWorkspaces) {
		for _, ns := range iamDiffWorkspaces[ws] {
			objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}})
		}
		for _, r := range []string{"admin", "viewer"} {
			objs = append(objs, &iamv1beta1.WorkspaceRole{
				ObjectMeta: metav1.ObjectMeta{Name: ws + "-" + r, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}},
				Rules:      randomRules(rng, false),
			})
		}
		for i := range 1 + rng.IntN(3) {
			// Service account subjects without a namespace included: the
			// mirror drops them and authz matches them to nobody.
			subjects := randomSubjects(rng)
			objs = append(objs, &iamv1beta1.WorkspaceRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-wrb%d", ws, i), Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}},
				Subjects:   subjects,
				RoleRef:    iamRef("WorkspaceRole", ws+"-"+pick(rng, []string{"admin", "viewer", "missing"})),
			})
		}
	}
	objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns-c"}})
	for _, name := range []string{"g0", "g1"} {
		objs = append(objs, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: randomRules(rng, true)})
	}
	for i := range 1 + rng.IntN(2) {
		objs = append(objs, &iamv1beta1.GlobalRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("grb%d", i)},
			Subjects:   randomSubjects(rng),
			RoleRef:    iamRef("GlobalRole", pick(rng, []string{"g0", "g1", "g2"})),
		})
	}
	for _, name := range []string{"c0", "c1"} {
		objs = append(objs, &iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: randomRules(rng, true)})
	}
	for i := range 1 + rng.IntN(2) {
		objs = append(objs, &iamv1beta1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crb%d", i)},
			Subjects:   randomSubjects(rng),
			RoleRef:    iamRef("ClusterRole", pick(rng, []string{"c0", "c1", "c2"})),
		})
	}
	for _, ns := range iamDiffNamespaces {
		objs = append(objs, &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r0", Namespace: ns}, Rules: randomRules(rng, false)})
		for i := range 1 + rng.IntN(3) {
			ref := iamRef("Role", pick(rng, []string{"r0", "r1"}))
			if rng.IntN(3) == 0 {
				ref = iamRef("ClusterRole", pick(rng, []string{"c0", "c1", "c2"}))
			}
			objs = append(objs, &iamv1beta1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rb%d", i), Namespace: ns},
				Subjects:   randomSubjects(rng),
				RoleRef:    ref,
			})
		}
	}
	return objs
}

// TestWorkspaceBindingServiceAccountWithoutNamespace: a WorkspaceRoleBinding
// naming a ServiceAccount without a namespace (the CRD refuses one now;
// older objects may hold one) grants nothing, in authz as in KubeSphere.
// NamespaceReconciler used to copy the subject into a RoleBinding in every
// project, where Kubernetes read it as the project's own service account and
// allowed what authz denied; the mirror now drops it, so both deny.
func TestWorkspaceBindingServiceAccountWithoutNamespace(t *testing.T) {
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "ws-1"}
	objs := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns-a", Labels: ws}},
		&iamv1beta1.WorkspaceRole{
			ObjectMeta: metav1.ObjectMeta{Name: "ws-1-viewer", Labels: ws},
			Rules:      []rbacv1.PolicyRule{rule("get,list", "", "pods")},
		},
		&iamv1beta1.WorkspaceRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "ci-ws-1-viewer", Labels: ws},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ci"}},
			RoleRef:    rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "ws-1-viewer"},
		},
	}
	sk, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	native, err := mirrorIAM(objs)
	require.NoError(t, err)
	up, err := native.upstream()
	require.NoError(t, err)

	ctx := context.Background()
	a := authz.Attributes{
		User:      authz.User{Name: "system:serviceaccount:ns-a:ci", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:ns-a"}},
		Verb:      "list",
		Resource:  "pods",
		Namespace: "ns-a",
	}
	ua := upstreamAttributes(&a)
	ud, reason, err := up.Authorize(ctx, &ua)
	require.NoError(t, err)
	assert.NotEqual(t, authorizer.DecisionAllow, ud, "the mirrored RoleBinding must not grant it: %s", reason)
	d, err := sk.Explain(ctx, a)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "authz: %s", d.String())
}
