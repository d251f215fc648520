package authz_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/testenv"
)

// startAuthorizer runs a cache over the test cluster and an Authorizer fed
// by it, for the length of the test.
func startAuthorizer(t *testing.T, opts authz.Options) *authz.Authorizer {
	az, _ := startAuthorizerAndCache(t, opts)
	return az
}

func startAuthorizerAndCache(t *testing.T, opts authz.Options) (*authz.Authorizer, cache.Cache) {
	t.Helper()
	var az *authz.Authorizer
	c := env.StartCache(t, cache.Options{}, func(ctx context.Context, c cache.Cache) (err error) {
		az, err = authz.NewFromCache(logr.NewContext(ctx, logr.Discard()), c, opts)
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, az.WaitForSync(ctx))
	return az, c
}

func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		require.NoError(t, env.Client.Create(context.Background(), o), "create %T %s", o, o.GetName())
	}
}

// eventually is testenv.Eventually for a condition without an error: the
// Authorizer follows the cluster through its informers.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}

func rules(verbs, groups, resources []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources}
}

func l(v ...string) []string { return v }

// TestMatchesKubernetesRBAC creates native RBAC objects in a real API server
// and checks that the cache-fed Authorizer decides every request exactly as
// the API server's own RBAC authorizer does (asked with
// SubjectAccessReviews): every rule form and every subject kind.
func TestMatchesKubernetesRBAC(t *testing.T) {
	ns := env.NewNamespace(t)
	other := env.NewNamespace(t)
	p := "t-" + ns + "-" // cluster-scoped names unique to this test
	create(t,
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: ns}, Rules: []rbacv1.PolicyRule{
			rules(l("get", "list"), l(""), l("pods", "pods/log")),
			rules(l("update"), l("apps"), l("*/scale")),
			{Verbs: l("get"), APIGroups: l(""), Resources: l("configmaps"), ResourceNames: l("cfg")},
			rules(l("*"), l("batch"), l("jobs")),
		}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb", Namespace: ns}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "r"},
			Subjects: []rbacv1.Subject{
				{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: p + "ursula"},
				{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: p + "team"},
				{Kind: rbacv1.ServiceAccountKind, Name: "builder", Namespace: ns},
			}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: p + "cr"}, Rules: []rbacv1.PolicyRule{
			rules(l("get", "watch"), l("*"), l("secrets")),
			{Verbs: l("get"), NonResourceURLs: l("/spherekit-test/exact", "/spherekit-test/prefix/*")},
		}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rb-cr", Namespace: other}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: p + "cr"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "builder", Namespace: ns}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "crb"}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: p + "cr"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: p + "carl"}}},
	)
	az := startAuthorizer(t, authz.Options{NativeRBAC: true})
	ursula, carl := p+"ursula", p+"carl"
	teamMember := authz.User{Name: p + "tess", Groups: l(p + "team")}
	sa := authz.User{Name: "system:serviceaccount:" + ns + ":builder"}
	res := func(u authz.User, verb, group, resource, sub, name, namespace string) authz.Attributes {
		return authz.Attributes{User: u, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name, Namespace: namespace}
	}
	requests := []authz.Attributes{
		res(authz.User{Name: ursula}, "get", "", "pods", "", "p", ns),
		res(authz.User{Name: ursula}, "list", "", "pods", "", "", ns),
		res(authz.User{Name: ursula}, "delete", "", "pods", "", "p", ns),
		res(authz.User{Name: ursula}, "get", "", "pods", "log", "p", ns),
		res(authz.User{Name: ursula}, "get", "", "pods", "exec", "p", ns),
		res(authz.User{Name: ursula}, "get", "", "pods", "", "p", other),
		res(authz.User{Name: ursula}, "update", "apps", "deployments", "scale", "d", ns),
		res(authz.User{Name: ursula}, "update", "apps", "deployments", "", "d", ns),
		res(authz.User{Name: ursula}, "update", "", "deployments", "scale", "d", ns),
		res(authz.User{Name: ursula}, "get", "", "configmaps", "", "cfg", ns),
		res(authz.User{Name: ursula}, "get", "", "configmaps", "", "other", ns),
		res(authz.User{Name: ursula}, "list", "", "configmaps", "", "", ns),
		res(authz.User{Name: ursula}, "deletecollection", "batch", "jobs", "", "", ns),
		res(authz.User{Name: ursula}, "create", "batch", "cronjobs", "", "", ns),
		res(teamMember, "list", "", "pods", "", "", ns),
		res(teamMember, "create", "", "pods", "", "", ns),
		res(authz.User{Name: p + "tess"}, "list", "", "pods", "", "", ns),
		res(sa, "get", "", "pods", "", "p", ns),
		res(sa, "get", "", "secrets", "", "s", other),
		res(sa, "get", "", "secrets", "", "s", ns),
		res(authz.User{Name: "system:serviceaccount:" + other + ":builder"}, "get", "", "pods", "", "p", ns),
		res(authz.User{Name: carl}, "get", "", "secrets", "", "s", ns),
		res(authz.User{Name: carl}, "watch", "", "secrets", "", "", ""),
		res(authz.User{Name: carl}, "list", "", "secrets", "", "", ""),
		res(authz.User{Name: carl}, "get", "custom.example.com", "secrets", "", "s", other),
		{User: authz.User{Name: carl}, Verb: "get", NonResourcePath: "/spherekit-test/exact"},
		{User: authz.User{Name: carl}, Verb: "get", NonResourcePath: "/spherekit-test/prefix/deeper/still"},
		{User: authz.User{Name: carl}, Verb: "get", NonResourcePath: "/spherekit-test/prefix"},
		{User: authz.User{Name: carl}, Verb: "post", NonResourcePath: "/spherekit-test/exact"},
		{User: authz.User{Name: ursula}, Verb: "get", NonResourcePath: "/spherekit-test/exact"},
	}
	// The informers may lag the creates; the last object created must be
	// visible before comparing.
	eventually(t, func() bool {
		d, err := az.Authorize(context.Background(), authz.Attributes{User: authz.User{Name: carl}, Verb: "get", Resource: "secrets", Namespace: ns})
		return err == nil && d.Allowed
	}, "the Authorizer never saw the ClusterRoleBinding")

	allowed := 0
	for _, a := range requests {
		t.Run(fmt.Sprintf("%s %s %s/%s %s", a.User.Name, a.Verb, a.Resource, a.Subresource, a.NonResourcePath), func(t *testing.T) {
			d, err := az.Explain(context.Background(), a)
			require.NoError(t, err)
			want := apiServerAllows(t, a)
			assert.Equal(t, want, d.Allowed, "the API server says %v; spherekit: %s", want, d.String())
			if d.Allowed {
				allowed++
			}
		})
	}
	assert.Greater(t, allowed, 5, "the table should exercise allows as well as denials")
	assert.Less(t, allowed, len(requests)-5)
}

// apiServerAllows asks the API server's RBAC authorizer about a.
func apiServerAllows(t *testing.T, a authz.Attributes) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: a.User.Name, Groups: a.User.Groups}}
	if a.NonResourcePath != "" {
		sar.Spec.NonResourceAttributes = &authorizationv1.NonResourceAttributes{Verb: a.Verb, Path: a.NonResourcePath}
	} else {
		sar.Spec.ResourceAttributes = &authorizationv1.ResourceAttributes{Verb: a.Verb, Group: a.APIGroup, Resource: a.Resource, Subresource: a.Subresource, Name: a.Name, Namespace: a.Namespace}
	}
	require.NoError(t, env.Client.Create(context.Background(), sar))
	return sar.Status.Allowed
}

// TestFollowsIAMObjects drives the KubeSphere scopes through iam objects in
// the cluster: global, workspace (through a namespace's label) and namespace
// bindings take effect, change and go away as the objects do.
func TestFollowsIAMObjects(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := context.Background()
	p := "t-" + ns + "-"
	ws := p + "ws"
	az := startAuthorizer(t, authz.Options{})
	wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: ws}
	nsObj := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ns}, nsObj))
	nsObj.Labels[tenantv1beta1.WorkspaceLabel] = ws
	require.NoError(t, env.Client.Update(ctx, nsObj))

	iamRef := func(kind, name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: name}
	}
	subj := func(name string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}
	}
	gr := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: p + "users-viewer"}, Rules: []rbacv1.PolicyRule{rules(l("list"), l("iam.kubesphere.io"), l("users"))}}
	wr := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ws + "-viewer", Labels: wsLabel}, Rules: []rbacv1.PolicyRule{rules(l("get", "list"), l("*"), l("*"))}}
	r := &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "deleter", Namespace: ns}, Rules: []rbacv1.PolicyRule{rules(l("delete"), l(""), l("pods"))}}
	create(t, gr, wr, r,
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "gina"}, Subjects: subj(p + "gina"), RoleRef: iamRef("GlobalRole", gr.Name)},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "wes", Labels: wsLabel}, Subjects: subj(p + "wes"), RoleRef: iamRef("WorkspaceRole", wr.Name)},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dora", Namespace: ns}, Subjects: subj(p + "dora"), RoleRef: iamRef("Role", "deleter")},
	)
	gina, wes, dora := authz.User{Name: p + "gina"}, authz.User{Name: p + "wes"}, authz.User{Name: p + "dora"}
	tests := []struct {
		name    string
		a       authz.Attributes
		allowed bool
	}{
		{"global binding at global scope", authz.Attributes{User: gina, Verb: "list", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: authz.ScopeGlobal}, true},
		{"global binding, other verb", authz.Attributes{User: gina, Verb: "create", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: authz.ScopeGlobal}, false},
		{"workspace binding in the workspace", authz.Attributes{User: wes, Verb: "list", Resource: "namespaces", Workspace: ws}, true},
		{"workspace binding in its namespace", authz.Attributes{User: wes, Verb: "get", Resource: "pods", Name: "p", Namespace: ns}, true},
		{"workspace binding is read-only", authz.Attributes{User: wes, Verb: "delete", Resource: "pods", Name: "p", Namespace: ns}, false},
		{"namespace binding", authz.Attributes{User: dora, Verb: "delete", Resource: "pods", Name: "p", Namespace: ns}, true},
		{"namespace binding, other namespace", authz.Attributes{User: dora, Verb: "delete", Resource: "pods", Name: "p", Namespace: "default"}, false},
	}
	eventually(t, func() bool {
		d, _ := az.Authorize(ctx, tests[len(tests)-2].a)
		return d.Allowed
	}, "the Authorizer never saw the RoleBinding")
	for _, tt := range tests {
		eventually(t, func() bool {
			d, err := az.Authorize(ctx, tt.a)
			require.NoError(t, err)
			return d.Allowed == tt.allowed
		}, "%s: want allowed=%v", tt.name, tt.allowed)
	}

	// The namespace leaves the workspace: the workspace binding no longer
	// reaches it.
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ns}, nsObj))
	delete(nsObj.Labels, tenantv1beta1.WorkspaceLabel)
	require.NoError(t, env.Client.Update(ctx, nsObj))
	eventually(t, func() bool {
		d, _ := az.Authorize(ctx, tests[3].a)
		return !d.Allowed
	}, "a namespace that left the workspace still grants the workspace role")

	// A rule taken away from the role, and a binding deleted.
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(r), r))
	r.Rules[0].Verbs = l("get")
	require.NoError(t, env.Client.Update(ctx, r))
	eventually(t, func() bool {
		d, _ := az.Authorize(ctx, tests[5].a)
		return !d.Allowed
	}, "a removed rule still allows")
	require.NoError(t, env.Client.Delete(ctx, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "gina"}}))
	eventually(t, func() bool {
		d, _ := az.Authorize(ctx, tests[0].a)
		return !d.Allowed
	}, "a deleted binding still allows")
}

// TestAdapters checks the Kubernetes authorizer.Authorizer adapter and the
// SubjectAccessReview handler over a cache-fed Authorizer.
func TestAdapters(t *testing.T) {
	ns := env.NewNamespace(t)
	p := "t-" + ns + "-"
	create(t,
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", Namespace: ns}, Rules: []rbacv1.PolicyRule{rules(l("get"), l(""), l("configmaps"))}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rita", Namespace: ns}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: p + "rita"}}},
	)
	reviewer := createReviewer(t, p+"reviewer")
	az := startAuthorizer(t, authz.Options{})
	ka := az.Kubernetes()
	attrs := func(verb string) authorizer.AttributesRecord {
		return authorizer.AttributesRecord{User: &user.DefaultInfo{Name: p + "rita"}, Verb: verb, Resource: "configmaps", Name: "c", Namespace: ns, ResourceRequest: true}
	}
	eventually(t, func() bool {
		d, _, err := ka.Authorize(context.Background(), attrs("get"))
		return err == nil && d == authorizer.DecisionAllow
	}, "the adapter never allowed")
	d, reason, err := ka.Authorize(context.Background(), attrs("delete"))
	require.NoError(t, err)
	assert.Equal(t, authorizer.DecisionNoOpinion, d)
	assert.Contains(t, reason, "denied")

	h, err := az.Handler(authz.HandlerOptions{Caller: func(*http.Request) (authz.User, error) { return reviewer, nil }})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body any) (*http.Response, []byte) {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var out bytes.Buffer
		_, err = out.ReadFrom(resp.Body)
		require.NoError(t, err)
		return resp, out.Bytes()
	}
	review := func(verb string) authorizationv1.SubjectAccessReview {
		return authorizationv1.SubjectAccessReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SubjectAccessReview"},
			Spec: authorizationv1.SubjectAccessReviewSpec{User: p + "rita", ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: verb, Resource: "configmaps", Name: "c", Namespace: ns,
			}},
		}
	}
	// The reviewer's right to ask about others comes through the cache too.
	var resp *http.Response
	var body []byte
	eventually(t, func() bool {
		resp, body = post(review("get"))
		return resp.StatusCode == http.StatusCreated
	}, "the reviewer was never allowed to ask about rita")
	var got authorizationv1.SubjectAccessReview
	require.NoError(t, json.Unmarshal(body, &got))
	assert.True(t, got.Status.Allowed)
	assert.Contains(t, got.Status.Reason, "RoleBinding "+ns+"/rita")

	resp, body = post(map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{review("get"), review("delete")}})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var list struct {
		Items []authorizationv1.SubjectAccessReview `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Items, 2)
	assert.True(t, list.Items[0].Status.Allowed)
	assert.False(t, list.Items[1].Status.Allowed)
	assert.Contains(t, list.Items[1].Status.Reason, "differs in verb")

	bad := review("")
	resp, body = post(bad)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	assert.Contains(t, string(body), "Verb")
	resp, _ = post(map[string]any{"kind": "Pod"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// Asking about someone else needs the right to.
	mallory, err := az.Handler(authz.HandlerOptions{Caller: func(*http.Request) (authz.User, error) {
		return authz.User{Name: p + "mallory"}, nil
	}})
	require.NoError(t, err)
	guarded := httptest.NewServer(mallory)
	defer guarded.Close()
	b, err := json.Marshal(review("get"))
	require.NoError(t, err)
	gresp, err := http.Post(guarded.URL, "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	_ = gresp.Body.Close()
	assert.Equal(t, http.StatusForbidden, gresp.StatusCode)
}

// createReviewer creates a cluster role allowing to create
// subjectaccessreviews and binds name to it: the right a caller of the
// Handler needs to ask about others.
func createReviewer(t *testing.T, name string) authz.User {
	t.Helper()
	create(t,
		&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{rules(l("create"), l("authorization.k8s.io"), l("subjectaccessreviews"))}},
		&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}},
	)
	return authz.User{Name: name}
}

// TestHandlerCallers serves SubjectAccessReviews from a cache-fed
// Authorizer: a caller is answered about themselves as they are, whatever
// groups they claim, and about others only with the right to ask.
func TestHandlerCallers(t *testing.T) {
	ns := env.NewNamespace(t)
	p := "t-" + ns + "-"
	admins, adminsBinding, adminRole := p+"platform-admins-group", p+"platform-admins", p+"everything"
	bob := authz.User{Name: p + "bob", Groups: l(p + "developers")}
	alice := p + "alice"
	create(t,
		&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: adminRole}, Rules: []rbacv1.PolicyRule{rules(l("*"), l("*"), l("*"))}},
		&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: adminsBinding}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "ClusterRole", Name: adminRole},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: admins}}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "cm-reader", Namespace: ns}, Rules: []rbacv1.PolicyRule{rules(l("get"), l(""), l("configmaps"))}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bob-cm", Namespace: ns}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "cm-reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: bob.Name}}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "vault", Namespace: ns}, Rules: []rbacv1.PolicyRule{rules(l("get"), l(""), l("secrets"))}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice-vault", Namespace: ns}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "vault"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: alice}}},
	)
	ada := createReviewer(t, p+"ada")
	az := startAuthorizer(t, authz.Options{})
	callers := map[string]authz.User{"bob": bob, "ada": ada}
	h, err := az.Handler(authz.HandlerOptions{Caller: func(r *http.Request) (authz.User, error) {
		u, ok := callers[r.Header.Get("X-User")]
		if !ok {
			return authz.User{}, fmt.Errorf("unknown caller %q", r.Header.Get("X-User"))
		}
		return u, nil
	}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(caller, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(body)))
		require.NoError(t, err)
		req.Header.Set("X-User", caller)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var out bytes.Buffer
		_, err = out.ReadFrom(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, out.String()
	}
	question := func(user string, groups []string, verb, resource string) string {
		b, err := json.Marshal(authorizationv1.SubjectAccessReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SubjectAccessReview"},
			Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: groups, ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: verb, Resource: resource, Name: "x", Namespace: ns,
			}},
		})
		require.NoError(t, err)
		return string(b)
	}
	escalate := question(bob.Name, l(admins), "get", "secrets")

	// Denials mean something only once the Authorizer has seen every
	// binding: wait until each one allows what it grants.
	for _, q := range []struct{ caller, body string }{
		{"ada", escalate},
		{"ada", question(alice, nil, "get", "secrets")},
		{"bob", question(bob.Name, nil, "get", "configmaps")},
	} {
		eventually(t, func() bool {
			code, body := post(q.caller, q.body)
			return code == http.StatusCreated && strings.Contains(body, `"allowed":true`)
		}, "%s never allowed %s", q.caller, q.body)
	}

	tests := []struct {
		name     string
		caller   string
		body     string
		code     int
		allowed  bool
		groups   []string
		contains []string
		missing  []string
	}{
		{name: "bob claims the admins' group", caller: "bob", body: escalate, code: http.StatusCreated, groups: bob.Groups,
			contains: l("RoleBinding " + ns + "/bob-cm"), missing: l(adminsBinding, adminRole, admins)},
		{name: "bob about himself", caller: "bob", body: question("", nil, "get", "configmaps"), code: http.StatusCreated, allowed: true, groups: bob.Groups,
			contains: l("RoleBinding " + ns + "/bob-cm")},
		{name: "bob about alice", caller: "bob", body: question(alice, nil, "get", "secrets"), code: http.StatusForbidden,
			contains: l(`"reason":"Forbidden"`, "subjectaccessreviews"), missing: l(alice, "alice-vault", "vault")},
		{name: "bob about the admins' group", caller: "bob", body: question("", l(admins), "get", "secrets"), code: http.StatusForbidden,
			missing: l(adminsBinding, adminRole)},
		{name: "ada about alice", caller: "ada", body: question(alice, nil, "get", "secrets"), code: http.StatusCreated, allowed: true,
			contains: l("RoleBinding " + ns + "/alice-vault")},
		{name: "ada about bob in the admins' group, as asked", caller: "ada", body: escalate, code: http.StatusCreated, allowed: true, groups: l(admins),
			contains: l("ClusterRoleBinding " + adminsBinding)},
		{name: "unknown field", caller: "bob", code: http.StatusBadRequest, contains: l(`"reason":"BadRequest"`, "unknown field"),
			body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods","namespace":"` + ns + `"},"group":["` + admins + `"]}}`},
		{name: "unknown caller", caller: "eve", body: question("", nil, "get", "configmaps"), code: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(tt.caller, tt.body)
			require.Equal(t, tt.code, code, body)
			for _, s := range tt.contains {
				assert.Contains(t, body, s)
			}
			for _, s := range tt.missing {
				assert.NotContains(t, body, s)
			}
			if code != http.StatusCreated {
				return
			}
			var got authorizationv1.SubjectAccessReview
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Equal(t, tt.allowed, got.Status.Allowed, got.Status.Reason)
			assert.Equal(t, tt.groups, got.Spec.Groups)
		})
	}
}

// TestListWorkspacesAndProjects lists what users see through the cache,
// with resources-API filtering, sorting and paging.
func TestListWorkspacesAndProjects(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := context.Background()
	p := "t-" + ns + "-"
	wsA, wsB, wsC := p+"a", p+"b", p+"c"
	for _, ws := range []string{wsA, wsB, wsC} {
		create(t, &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws, Annotations: map[string]string{tenantv1beta1.AliasNameAnnotation: "Team " + ws[len(ws)-1:]}}})
		t.Cleanup(func() {
			_ = env.Client.Delete(context.Background(), &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}})
		})
	}
	projA1, projA2 := env.NewNamespace(t), env.NewNamespace(t)
	for _, n := range []string{projA1, projA2} {
		nsObj := &corev1.Namespace{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: n}, nsObj))
		nsObj.Labels[tenantv1beta1.WorkspaceLabel] = wsA
		require.NoError(t, env.Client.Update(ctx, nsObj))
	}
	subj := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: p + "lee"}}
	create(t,
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: wsC + "-regular", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsC}}, Rules: []rbacv1.PolicyRule{rules(l("get"), l("*"), l("*"))}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "lee-c", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsC}}, Subjects: subj,
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: wsC + "-regular"}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: projA2}, Rules: []rbacv1.PolicyRule{rules(l("get"), l("*"), l("*"))}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "lee", Namespace: projA2}, Subjects: subj,
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "viewer"}},
	)
	az, c := startAuthorizerAndCache(t, authz.Options{})
	lee := authz.User{Name: p + "lee"}
	names := func(items []tenantv1beta1.WorkspaceTemplate) []string {
		var out []string
		for _, i := range items {
			out = append(out, i.Name)
		}
		return out
	}
	eventually(t, func() bool { return len(az.VisibleWorkspaces(ctx, lee).Names) == 2 }, "lee should see two workspaces, sees %v", az.VisibleWorkspaces(ctx, lee))

	tests := []struct {
		name  string
		q     resources.Query
		want  []string
		total int
	}{
		{"everything lee sees, by name", resources.Query{SortBy: resources.SortByName, Ascending: true}, l(wsA, wsC), 2},
		{"descending", resources.Query{SortBy: resources.SortByName}, l(wsC, wsA), 2},
		{"second page of one", resources.Query{SortBy: resources.SortByName, Ascending: true, Limit: 1, Page: 2}, l(wsC), 2},
		{"by alias", resources.Query{Name: "Team c"}, l(wsC), 1},
		{"names outside what lee sees are dropped", resources.Query{Names: l(wsB, wsC)}, l(wsC), 1},
		{"only invisible names", resources.Query{Names: l(wsB)}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list tenantv1beta1.WorkspaceTemplateList
			total, err := az.ListWorkspaces(ctx, c, lee, tt.q, &list)
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(list.Items))
			assert.Equal(t, tt.total, total)
		})
	}

	var projects corev1.NamespaceList
	total, err := az.ListProjects(ctx, c, lee, wsA, resources.Query{}, &projects)
	require.NoError(t, err)
	require.Equal(t, 1, total)
	assert.Equal(t, projA2, projects.Items[0].Name, "lee sees only the project he is a member of")

	// A platform admin sees every workspace, and every project of one.
	create(t,
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: p + "admin"}, Rules: []rbacv1.PolicyRule{rules(l("*"), l("*"), l("*"))}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "ada"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: p + "ada"}},
			RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: p + "admin"}},
	)
	ada := authz.User{Name: p + "ada"}
	eventually(t, func() bool { return az.VisibleWorkspaces(ctx, ada).All }, "ada should see all workspaces")
	var all tenantv1beta1.WorkspaceTemplateList
	_, err = az.ListWorkspaces(ctx, c, ada, resources.Query{Name: p}, &all)
	require.NoError(t, err)
	assert.ElementsMatch(t, l(wsA, wsB, wsC), names(all.Items))
	total, err = az.ListProjects(ctx, c, ada, wsA, resources.Query{SortBy: resources.SortByName, Ascending: true}, &projects)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
}

// TestResourcesHandlerAuthorized serves the resources API with this
// package's Authorizer deciding: a member reads their project, and is
// refused, with the reason, elsewhere.
func TestResourcesHandlerAuthorized(t *testing.T) {
	ns := env.NewNamespace(t)
	p := "t-" + ns + "-"
	create(t,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: ns}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "cm-reader", Namespace: ns}, Rules: []rbacv1.PolicyRule{rules(l("get", "list"), l(""), l("configmaps"))}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "rosa", Namespace: ns}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "cm-reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: p + "rosa"}}},
	)
	az, c := startAuthorizerAndCache(t, authz.Options{})
	h, err := resources.NewHandler(resources.HandlerOptions{
		Reader: c, Mapper: env.Client.RESTMapper(), Scheme: env.Scheme,
		Authorizer: az.ResourcesAuthorizer(func(r *http.Request) (authz.User, error) {
			return authz.User{Name: r.Header.Get("X-Remote-User")}, nil
		}),
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+resources.PathPrefix+path, nil)
		require.NoError(t, err)
		req.Header.Set("X-Remote-User", p+"rosa")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	eventually(t, func() bool {
		code, _ := get("/namespaces/" + ns + "/configmaps")
		return code == http.StatusOK
	}, "rosa never got to list configmaps")
	code, body := get("/namespaces/" + ns + "/configmaps?name=sett")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"totalItems":1`)
	code, body = get("/namespaces/" + ns + "/secrets")
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, body, "denied: no binding of "+p+"rosa allows list secrets")
	code, _ = get("/namespaces/default/configmaps")
	assert.Equal(t, http.StatusForbidden, code)
}
