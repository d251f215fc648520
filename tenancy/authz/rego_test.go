package authz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
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

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// kubeSpherePolicies are the rego overrides KubeSphere v4.1.3 ships on its
// authenticated and platform-admin GlobalRoles, by role name, read from
// testdata as YAML so the folded scalar of platform-admin's reads as
// KubeSphere reads it.
func kubeSpherePolicies(tb testing.TB) map[string]string {
	tb.Helper()
	data, err := os.ReadFile("testdata/kubesphere-rego-overrides.yaml")
	require.NoError(tb, err)
	objs, err := DecodeObjects(bytes.NewReader(data))
	require.NoError(tb, err)
	out := map[string]string{}
	for _, o := range objs {
		gr, ok := o.(*iamv1beta1.GlobalRole)
		require.True(tb, ok, "%T", o)
		out[gr.Name] = gr.Annotations[iamv1beta1.RegoOverrideAnnotation]
		require.NotEmpty(tb, out[gr.Name], gr.Name)
	}
	return out
}

func withOverride(policy string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Annotations: map[string]string{iamv1beta1.RegoOverrideAnnotation: policy}}
}

func globalRole(name, policy string, rules ...rbacv1.PolicyRule) *iamv1beta1.GlobalRole {
	meta := withOverride(policy)
	if policy == "" {
		meta = metav1.ObjectMeta{}
	}
	meta.Name = name
	return &iamv1beta1.GlobalRole{ObjectMeta: meta, Rules: rules}
}

func globalBinding(name, role string, subjects ...rbacv1.Subject) *iamv1beta1.GlobalRoleBinding {
	return &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects, RoleRef: iamRef("GlobalRole", role)}
}

// request parses an HTTP request into attributes for u, as a portal would.
func request(t *testing.T, u User, method, target string) Attributes {
	t.Helper()
	path, rawQuery, _ := strings.Cut(target, "?")
	q, err := url.ParseQuery(rawQuery)
	require.NoError(t, err)
	ri, err := ParseRequestInfo(method, path, q)
	require.NoError(t, err)
	return ri.Attributes(u)
}

// TestRegoOverrideKubeSphereAuthenticated evaluates KubeSphere's own
// authenticated override: the role has no rules, so everything allowed is
// the override's doing.
func TestRegoOverrideKubeSphereAuthenticated(t *testing.T) {
	az, err := NewFromObjects(
		globalRole("authenticated", kubeSpherePolicies(t)["authenticated"]),
		globalBinding("authenticated", "authenticated", group("system:authenticated")),
	)
	require.NoError(t, err)
	alice := User{Name: "alice", Groups: []string{"system:authenticated"}}
	tests := []struct {
		name, method, target string
		allowed              bool
	}{
		{"own user", "GET", "/kapis/iam.kubesphere.io/v1beta1/users/alice", true},
		{"own user, update", "PUT", "/apis/iam.kubesphere.io/v1beta1/users/alice", true},
		{"another user", "GET", "/kapis/iam.kubesphere.io/v1beta1/users/bob", false},
		{"list users", "GET", "/kapis/iam.kubesphere.io/v1beta1/users", false},
		{"own workspace membership", "GET", "/kapis/iam.kubesphere.io/v1beta1/workspaces/ws1/workspacemembers/alice", true},
		{"own cluster membership, 4.x path", "GET", "/clusters/host/kapis/iam.kubesphere.io/v1beta1/clustermembers/alice", true},
		{"own membership, delete", "DELETE", "/kapis/iam.kubesphere.io/v1beta1/workspaces/ws1/workspacemembers/alice", false},
		{"someone else's membership", "GET", "/kapis/iam.kubesphere.io/v1beta1/namespaces/demo/namespacemembers/bob", false},
		{"/api", "GET", "/api", true},
		{"/api/v1", "GET", "/api/v1", true},
		{"/api/v1 in a cluster, 4.x path", "GET", "/clusters/member/api/v1", true},
		{"/api/v1 in a cluster, 3.x path", "GET", "/api/clusters/member/v1", true},
		{"/apis", "GET", "/apis", false},
		{"POST /api", "POST", "/api", false},
		{"tenant API of KubeSphere", "GET", "/kapis/tenant.kubesphere.io/v1beta1/workspaces", true},
		{"tenant API of KubeSphere, 4.x path", "GET", "/clusters/host/kapis/tenant.kubesphere.io/v1beta1/workspaces/ws1/namespaces", true},
		{"tenant API of KubeSphere, write", "POST", "/kapis/tenant.kubesphere.io/v1beta1/workspaces", false},
		{"tenant CRDs through the Kubernetes API", "GET", "/apis/tenant.kubesphere.io/v1beta1/workspacetemplates", false},
		{"own kubectl pod exec", "POST", "/api/v1/namespaces/kubesphere-system/pods/ks-managed-kubectl-alice/exec", true},
		{"own kubectl pod exec, get", "GET", "/api/v1/namespaces/kubesphere-system/pods/ks-managed-kubectl-alice/exec", true},
		{"someone else's kubectl pod", "POST", "/api/v1/namespaces/kubesphere-system/pods/ks-managed-kubectl-bob/exec", false},
		{"kubectl pod elsewhere", "POST", "/api/v1/namespaces/demo/pods/ks-managed-kubectl-alice/exec", false},
		{"kubectl pod, delete", "DELETE", "/api/v1/namespaces/kubesphere-system/pods/ks-managed-kubectl-alice", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := request(t, alice, tt.method, tt.target)
			d, err := az.Explain(t.Context(), a)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed, d.String())
			assert.Equal(t, tt.allowed, d.Override, "allowed by the override")
			if tt.allowed {
				assert.Equal(t, "GlobalRole authenticated", d.Role.String())
				assert.Contains(t, d.String(), "its rego override ("+iamv1beta1.RegoOverrideAnnotation+") allows it")
				return
			}
			require.Len(t, d.OverrideMisses, 1)
			assert.NoError(t, d.OverrideMisses[0].Err)
			assert.Contains(t, d.String(), "GlobalRole authenticated on the platform: its rego override does not allow it")
		})
	}
	// Attributes built by hand say nothing of /kapis, so they count as a
	// Kubernetes API request: the tenant rule does not apply.
	d, err := az.Authorize(t.Context(), Attributes{User: alice, Verb: "list", APIGroup: "tenant.kubesphere.io", Resource: "workspacetemplates", Scope: ScopeGlobal})
	require.NoError(t, err)
	assert.False(t, d.Allowed, d.String())
	// No binding, no override.
	d, err = az.Authorize(t.Context(), request(t, User{Name: "alice"}, "GET", "/kapis/iam.kubesphere.io/v1beta1/users/alice"))
	require.NoError(t, err)
	assert.False(t, d.Allowed, d.String())
}

// TestRegoOverrideKubeSphereAdmin evaluates platform-admin's override alone
// (no rules): any request at the cluster, workspace or namespace scope, and
// nothing at the global scope or on non-resource paths.
func TestRegoOverrideKubeSphereAdmin(t *testing.T) {
	az, err := NewFromObjects(
		globalRole("platform-admin", kubeSpherePolicies(t)["platform-admin"]),
		globalBinding("admin", "platform-admin", userSubject("admin")),
	)
	require.NoError(t, err)
	admin := User{Name: "admin"}
	tests := []struct {
		method, target string
		allowed        bool
	}{
		{"DELETE", "/api/v1/nodes/n1", true},
		{"DELETE", "/clusters/member/api/v1/namespaces/demo/pods/p", true},
		{"POST", "/kapis/tenant.kubesphere.io/v1beta1/workspaces/ws1/namespaces", true},
		{"GET", "/apis/apps/v1/namespaces/demo/deployments", true},
		{"POST", "/kapis/iam.kubesphere.io/v1beta1/users", false},
		{"DELETE", "/apis/iam.kubesphere.io/v1beta1/globalroles/x", false},
		{"GET", "/kapis/tenant.kubesphere.io/v1beta1/workspaces", false},
		{"GET", "/healthz", false},
	}
	for _, tt := range tests {
		d, err := az.Authorize(t.Context(), request(t, admin, tt.method, tt.target))
		require.NoError(t, err)
		assert.Equal(t, tt.allowed, d.Allowed, "%s %s: %s", tt.method, tt.target, d.String())
		assert.Equal(t, tt.allowed, d.Override, "%s %s", tt.method, tt.target)
	}
}

// TestRegoOverrideOrder checks where overrides sit in the decision order:
// per binding, before that role's rules, at every level, after the rules
// of roles bound earlier.
func TestRegoOverrideOrder(t *testing.T) {
	allowAll := "package authz\ndefault allow = false\nallow { true }"
	ws := map[string]string{"kubesphere.io/workspace": "ws1"}
	objs := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo", Labels: ws}},
		// Both the override and the rule allow: the override is first.
		globalRole("both", allowAll, rule(s("get"), s(""), s("nodes"))),
		globalBinding("both", "both", userSubject("bo")),
		// The override says no: the rule still allows.
		globalRole("rule-only", "package authz\ndefault allow = false", rule(s("get"), s(""), s("nodes"))),
		globalBinding("rule-only", "rule-only", userSubject("rita")),
		// Overrides on workspace, cluster and namespace roles count there.
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws1-anything", Labels: ws, Annotations: map[string]string{iamv1beta1.RegoOverrideAnnotation: allowAll}}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wes", Labels: ws}, Subjects: []rbacv1.Subject{userSubject("wes")}, RoleRef: iamRef("WorkspaceRole", "ws1-anything")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "anything", Namespace: "demo", Annotations: map[string]string{iamv1beta1.RegoOverrideAnnotation: allowAll}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "nora", Namespace: "demo"}, Subjects: []rbacv1.Subject{userSubject("nora")}, RoleRef: iamRef("Role", "anything")},
		&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "anything", Annotations: map[string]string{iamv1beta1.RegoOverrideAnnotation: allowAll}}},
		&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "cleo"}, Subjects: []rbacv1.Subject{userSubject("cleo")}, RoleRef: iamRef("ClusterRole", "anything")},
		// Native RBAC roles carry no overrides in KubeSphere.
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "native", Annotations: map[string]string{iamv1beta1.RegoOverrideAnnotation: allowAll}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "nat"}, Subjects: []rbacv1.Subject{userSubject("nat")}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "native"}},
		// A global rule allowing comes before a workspace override.
		globalRole("viewer", "", rule(s("get"), s("*"), s("*"))),
		globalBinding("wes-viewer", "viewer", userSubject("wes")),
	}
	az, err := NewFromObjects(objs...)
	require.NoError(t, err)
	nodes := func(u string) Attributes { return Attributes{User: User{Name: u}, Verb: "get", Resource: "nodes"} }
	inDemo := func(u, verb string) Attributes {
		return Attributes{User: User{Name: u}, Verb: verb, Resource: "pods", Namespace: "demo"}
	}
	tests := []struct {
		name     string
		a        Attributes
		allowed  bool
		override bool
		role     string
	}{
		{"override before the role's rules", nodes("bo"), true, true, "GlobalRole both"},
		{"a false override leaves the rules", nodes("rita"), true, false, "GlobalRole rule-only"},
		{"a workspace role's override in its workspace", inDemo("wes", "delete"), true, true, "WorkspaceRole ws1-anything"},
		{"a global rule before a workspace override", inDemo("wes", "get"), true, false, "GlobalRole viewer"},
		{"a workspace role's override at cluster scope", nodes("wes"), true, false, "GlobalRole viewer"},
		{"a workspace role's override is not consulted outside", Attributes{User: User{Name: "wes"}, Verb: "delete", Resource: "nodes"}, false, false, ""},
		{"a project role's override in its namespace", inDemo("nora", "delete"), true, true, "Role demo/anything"},
		{"a project role's override is not consulted elsewhere", Attributes{User: User{Name: "nora"}, Verb: "delete", Resource: "pods", Namespace: "other"}, false, false, ""},
		{"a cluster role's override", inDemo("cleo", "delete"), true, true, "ClusterRole anything"},
		{"a cluster role's override not at global scope", Attributes{User: User{Name: "cleo"}, Verb: "get", Resource: "users", Scope: ScopeGlobal}, false, false, ""},
		{"native roles have no override", nodes("nat"), false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := az.Authorize(t.Context(), tt.a)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed, d.String())
			assert.Equal(t, tt.override, d.Override, d.String())
			if tt.allowed {
				assert.Equal(t, tt.role, d.Role.String())
				assert.Equal(t, tt.override, d.Rule.Verbs == nil, "a rule or the override")
			}
		})
	}
}

// TestRegoOverrideMalformed: a policy that cannot decide is a denial for
// that role's override, never an error or a panic; the role's rules still
// count, and Explain says why the override did not allow.
func TestRegoOverrideMalformed(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		// errText is in the OverrideMiss's error; "" for a policy that
		// evaluates to something other than true.
		errText string
	}{
		{"syntax error", "package authz\nallow = true {", "does not compile"},
		{"not Rego", "{\"allow\": true}", "does not compile"},
		{"Rego v1 syntax without the import", "package authz\nallow if { true }", "does not compile"},
		{"unsafe built-in http.send", "package authz\nallow { http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1\"}).status_code == 200 }", "does not compile"},
		{"unsafe built-in opa.runtime", "package authz\nallow { opa.runtime().env.HOME != \"\" }", "does not compile"},
		{"unknown function", "package authz\nallow { no_such_function(1) }", "does not compile"},
		{"too large", "package authz\nallow { true }\n# " + strings.Repeat("x", maxPolicyBytes), "longer than"},
		{"conflicting values", "package authz\nallow = true { true }\nallow = false { true }", "fails"},
		{"another package", "package other\nallow { true }", ""},
		{"no allow", "package authz\ndeny { true }", ""},
		{"allow not a boolean", "package authz\nallow = \"yes\" { true }", ""},
		{"allow a set", "package authz\nallow[x] { x := 1 }", ""},
		{"empty module", "package authz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			az, err := NewFromObjects(
				globalRole("broken", tt.policy, rule(s("get"), s(""), s("nodes"))),
				globalBinding("b", "broken", userSubject("u")),
			)
			require.NoError(t, err)
			u := User{Name: "u"}
			d, err := az.Explain(t.Context(), Attributes{User: u, Verb: "delete", Resource: "nodes"})
			require.NoError(t, err)
			assert.False(t, d.Allowed, d.String())
			require.Len(t, d.OverrideMisses, 1, d.String())
			m := d.OverrideMisses[0]
			assert.Equal(t, "GlobalRole broken", m.Role.String())
			if tt.errText == "" {
				assert.NoError(t, m.Err)
				assert.Contains(t, d.String(), "its rego override does not allow it")
			} else {
				require.Error(t, m.Err)
				assert.Contains(t, m.Err.Error(), tt.errText)
				assert.Contains(t, d.String(), "its rego override cannot decide, so it denies: ")
			}
			// The role's rules are still consulted.
			d, err = az.Authorize(t.Context(), Attributes{User: u, Verb: "get", Resource: "nodes"})
			require.NoError(t, err)
			assert.True(t, d.Allowed, d.String())
			assert.False(t, d.Override)
		})
	}
}

// TestRegoOverrideBoundedByContext: evaluation stops when the request's
// context ends, and the override then denies.
func TestRegoOverrideBoundedByContext(t *testing.T) {
	// About 10^10 steps: far longer than the deadline, little memory.
	slow := `package authz
allow {
  xs := numbers.range(1, 100000)
  some i, j
  xs[i] * xs[j] < 0
}`
	az, err := NewFromObjects(globalRole("slow", slow), globalBinding("b", "slow", userSubject("u")))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	d, err := az.Explain(ctx, Attributes{User: User{Name: "u"}, Verb: "get", Resource: "nodes"})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 10*time.Second, "evaluation should stop at the deadline")
	assert.False(t, d.Allowed)
	require.Len(t, d.OverrideMisses, 1)
	require.Error(t, d.OverrideMisses[0].Err)
	assert.Contains(t, d.OverrideMisses[0].Err.Error(), "cancel")
}

// TestRegoOverrideInput checks the input document field by field against
// KubeSphere's AttributesRecord names, for a resource and a non-resource
// request.
func TestRegoOverrideInput(t *testing.T) {
	check := `package authz
allow {
  input.User.Name == "ann"
  input.User.UID == ""
  input.User.Groups == ["g1", "g2"]
  input.User.Extra == {"scopes": ["a"]}
  input.Verb == "update"
  input.Cluster == "member"
  input.Workspace == "ws1"
  input.Namespace == "demo"
  input.APIGroup == "apps"
  input.APIVersion == ""
  input.Resource == "deployments"
  input.Subresource == "scale"
  input.Name == "web"
  input.KubernetesRequest == true
  input.ResourceRequest == true
  input.Path == ""
  input.ResourceScope == "Namespace"
}
allow {
  input.User.Name == "ann"
  input.User.Groups == null
  input.User.Extra == null
  input.Verb == "GET"
  input.Cluster == "member"
  input.ResourceRequest == false
  input.KubernetesRequest == false
  input.Path == "/healthz"
  input.ResourceScope == ""
  input.Resource == ""
}`
	az, err := NewFromObjects(globalRole("check", check), globalBinding("b", "check", userSubject("ann")))
	require.NoError(t, err)
	a := request(t, User{Name: "ann", Groups: []string{"g1", "g2"}, Extra: map[string][]string{"scopes": {"a"}}}, "PUT",
		"/clusters/member/apis/apps/v1/workspaces/ws1/namespaces/demo/deployments/web/scale")
	d, err := az.Explain(t.Context(), a)
	require.NoError(t, err)
	assert.True(t, d.Allowed, d.String())

	d, err = az.Explain(t.Context(), request(t, User{Name: "ann"}, "GET", "/clusters/member/healthz"))
	require.NoError(t, err)
	assert.True(t, d.Allowed, d.String())
}

// TestRegoOverrideCache: one compiled policy per distinct text, shared by
// the roles carrying it and dropped with the last of them; WhatIf sees a
// changed override as a changed role.
func TestRegoOverrideCache(t *testing.T) {
	p1, p2 := "package authz\nallow { input.Verb == \"get\" }", "package authz\nallow { input.Verb == \"list\" }"
	az, err := NewFromObjects(globalRole("a", p1), globalRole("b", p1), globalRole("c", p2))
	require.NoError(t, err)
	ix := az.ix
	require.Len(t, ix.overrides.byText, 2)
	assert.Same(t, ix.roles[Ref{iamGroup, kindGlobalRole, "", "a"}].override, ix.roles[Ref{iamGroup, kindGlobalRole, "", "b"}].override)

	require.NoError(t, ix.upsert(globalRole("a", p2)))
	assert.Equal(t, map[string]int{p1: 1, p2: 2}, ix.overrides.refs)
	require.NoError(t, ix.remove(globalRole("b", "")))
	assert.Equal(t, map[string]int{p2: 2}, ix.overrides.refs)
	assert.Len(t, ix.overrides.byText, 1)
	require.NoError(t, ix.upsert(globalRole("c", "")))
	require.NoError(t, ix.remove(globalRole("a", "")))
	assert.Empty(t, ix.overrides.refs)
	assert.Empty(t, ix.overrides.byText)
}

// TestRegoOverrideConcurrent decides through shared compiled policies from
// many goroutines (run with -race).
func TestRegoOverrideConcurrent(t *testing.T) {
	az, err := NewFromObjects(
		globalRole("authenticated", kubeSpherePolicies(t)["authenticated"]),
		globalBinding("authenticated", "authenticated", group("system:authenticated")),
	)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			for j := range 50 {
				name := fmt.Sprintf("u%d", i)
				other := name
				if j%2 == 1 {
					other = "someone-else"
				}
				d, err := az.Authorize(context.Background(), Attributes{User: User{Name: name, Groups: []string{"system:authenticated"}}, Verb: "get", APIGroup: iamGroup, Resource: "users", Name: other, Scope: ScopeGlobal})
				if err == nil && d.Allowed != (j%2 == 0) {
					err = fmt.Errorf("%s asking for %s: allowed %v", name, other, d.Allowed)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCanGrantRoleWithOverride: what an override allows cannot be listed,
// so granting a role carrying one needs bind or escalate on it.
func TestCanGrantRoleWithOverride(t *testing.T) {
	az, err := NewFromObjects(
		globalRole("admin", "", rule(s("*"), s("*"), s("*"))),
		globalBinding("root", "admin", userSubject("root")),
		globalRole("tiny", "package authz\nallow { true }", rule(s("get"), s(""), s("nodes"))),
		globalRole("binder", "", rbacv1.PolicyRule{Verbs: s("bind"), APIGroups: s(iamGroup), Resources: s("globalroles"), ResourceNames: s("tiny")}, rule(s("get"), s(""), s("nodes"))),
		globalBinding("bea", "binder", userSubject("bea")),
		globalRole("nodes", "", rule(s("get"), s(""), s("nodes"))),
		globalBinding("nick", "nodes", userSubject("nick")),
	)
	require.NoError(t, err)
	tiny := Ref{Kind: kindGlobalRole, Name: "tiny"}
	g := Grant{Scope: ScopeGlobal}
	c, err := az.CanGrant(t.Context(), User{Name: "nick"}, tiny, g)
	require.NoError(t, err)
	assert.False(t, c.Allowed, "holding the role's rules is not enough")
	assert.True(t, c.RegoOverride)
	assert.Contains(t, c.String(), "rego override")
	c, err = az.CanGrant(t.Context(), User{Name: "bea"}, tiny, g)
	require.NoError(t, err)
	assert.True(t, c.Allowed)
	assert.Equal(t, "bind", c.ByVerb)
	c, err = az.CanGrant(t.Context(), User{Name: "root"}, tiny, g)
	require.NoError(t, err)
	assert.True(t, c.Allowed)
}

// FuzzRegoOverride compiles and evaluates arbitrary policies for arbitrary
// requests: Authorize never errs or panics on them, and decides the same
// twice.
func FuzzRegoOverride(f *testing.F) {
	ks := kubeSpherePolicies(f)
	f.Add(ks["authenticated"], "GET", "/kapis/iam.kubesphere.io/v1beta1/users/u")
	f.Add(ks["platform-admin"], "DELETE", "/clusters/c/api/v1/nodes/n")
	f.Add("package authz\nallow { input.User.Groups[_] == \"x\" }", "GET", "/api")
	f.Add("package authz\nallow = 1/0", "GET", "/healthz")
	f.Add("package authz\nimport rego.v1\nallow if input.Verb == \"GET\"", "GET", "/api/v1")
	f.Add("package authz\nallow { walk(input, [p, v]); v == \"u\" }", "PUT", "/apis/apps/v1/namespaces/n/deployments/d")
	f.Fuzz(func(t *testing.T, policy, method, path string) {
		if len(policy) > 4096 {
			return
		}
		ri, err := ParseRequestInfo(method, path, nil)
		if err != nil {
			return
		}
		a := ri.Attributes(User{Name: "u", Groups: []string{"x"}})
		if a.validate() != nil {
			return
		}
		az, err := NewFromObjects(globalRole("r", policy), globalBinding("b", "r", userSubject("u")))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		d1, err := az.Explain(ctx, a)
		if err != nil {
			t.Fatalf("Explain: %v", err)
		}
		d2, err := az.Authorize(ctx, a)
		if err != nil {
			t.Fatalf("Authorize: %v", err)
		}
		if d1.Allowed != d2.Allowed && ctx.Err() == nil {
			t.Fatalf("Explain allowed %v, Authorize %v", d1.Allowed, d2.Allowed)
		}
		if d1.Allowed != d1.Override {
			t.Fatalf("a role without rules allowed by something other than its override: %s", d1.String())
		}
		if !d1.Allowed && len(d1.OverrideMisses) != 1 {
			t.Fatalf("a denial should name the override: %s", d1.String())
		}
		var ie *InvalidError
		if errors.As(err, &ie) {
			t.Fatal(ie)
		}
	})
}

// BenchmarkRegoOverride decides the same question through a role without
// an override (the path every other decision takes, which must stay free of
// allocations) and through KubeSphere's authenticated override, allowed and
// denied. Before timing, each case checks its answer.
func BenchmarkRegoOverride(b *testing.B) {
	az, err := NewFromObjects(
		globalRole("authenticated", kubeSpherePolicies(b)["authenticated"]),
		globalBinding("authenticated", "authenticated", group("system:authenticated")),
		globalRole("self", "", rbacv1.PolicyRule{Verbs: s("get"), APIGroups: s(iamGroup), Resources: s("users"), ResourceNames: s("bob")}),
		globalBinding("bob", "self", userSubject("bob")),
	)
	require.NoError(b, err)
	user := func(name string) Attributes {
		return Attributes{User: User{Name: name}, Verb: "get", APIGroup: iamGroup, Resource: "users", Name: "alice", Scope: ScopeGlobal}
	}
	alice := user("alice")
	alice.User.Groups = []string{"system:authenticated"}
	bob := user("bob")
	bob.Name = "bob"
	mallory := user("mallory")
	mallory.User.Groups = []string{"system:authenticated"}
	for _, bc := range []struct {
		name              string
		a                 Attributes
		allowed, override bool
	}{
		{"rules only", bob, true, false},
		{"override allows", alice, true, true},
		{"override denies", mallory, false, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			d, err := az.Authorize(ctx, bc.a)
			require.NoError(b, err)
			require.Equal(b, bc.allowed, d.Allowed, d.String())
			require.Equal(b, bc.override, d.Override, d.String())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := az.Authorize(ctx, bc.a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
