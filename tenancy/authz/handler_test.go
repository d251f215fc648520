package authz_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/tenancy/authz"
)

// handlerPolicy is a small platform for the Handler's offline tests: a
// group that may do everything, bob and alice with one role each in shop,
// and ada, who may ask about others.
const handlerPolicy = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: ClusterRole
metadata: {name: everything-admin-role}
rules:
- {verbs: ["*"], apiGroups: ["*"], resources: ["*"]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: ClusterRoleBinding
metadata: {name: platform-admins-binding}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: platform-admins-group}]
roleRef: {apiGroup: iam.kubesphere.io, kind: ClusterRole, name: everything-admin-role}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: ClusterRole
metadata: {name: access-reviewer}
rules:
- {verbs: [create], apiGroups: [authorization.k8s.io], resources: [subjectaccessreviews]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: ClusterRoleBinding
metadata: {name: ada-reviews}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: ada}]
roleRef: {apiGroup: iam.kubesphere.io, kind: ClusterRole, name: access-reviewer}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: Role
metadata: {name: cm-reader, namespace: shop}
rules:
- {verbs: [get], apiGroups: [""], resources: [configmaps]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: RoleBinding
metadata: {name: bob-cm-reader, namespace: shop}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
roleRef: {apiGroup: iam.kubesphere.io, kind: Role, name: cm-reader}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: Role
metadata: {name: vault-reader, namespace: shop}
rules:
- {verbs: [get], apiGroups: [""], resources: [secrets]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: RoleBinding
metadata: {name: alice-vault-reader, namespace: shop}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]
roleRef: {apiGroup: iam.kubesphere.io, kind: Role, name: vault-reader}
`

// handlerSecrets are the names of bindings and roles bob holds no part in:
// nothing the Handler tells bob may mention them.
var handlerSecrets = []string{"platform-admins-binding", "everything-admin-role", "alice-vault-reader", "vault-reader", "ada-reviews", "access-reviewer"}

// The callers of the offline tests, by the X-User header.
var handlerUsers = map[string]authz.User{
	"bob": {Name: "bob", Groups: []string{"developers"}},
	"ada": {Name: "ada", Groups: []string{"auditors"}},
}

func offlineAuthorizer(t testing.TB) *authz.Authorizer {
	t.Helper()
	objs, err := authz.DecodeObjects(strings.NewReader(handlerPolicy))
	require.NoError(t, err)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	return az
}

// headerCaller names the caller by the X-User header, from handlerUsers.
func headerCaller(r *http.Request) (authz.User, error) {
	name := r.Header.Get("X-User")
	if name == "nameless" {
		return authz.User{Groups: []string{"developers"}}, nil
	}
	u, ok := handlerUsers[name]
	if !ok {
		return authz.User{}, errors.New("unknown caller")
	}
	return u, nil
}

func offlineHandler(t testing.TB) http.Handler {
	t.Helper()
	h, err := offlineAuthorizer(t).Handler(authz.HandlerOptions{Caller: headerCaller})
	require.NoError(t, err)
	return h
}

// serveReview posts body to h as caller and returns the status and body.
func serveReview(h http.Handler, method, caller string, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, "/reviews", bytes.NewReader(body))
	req.Header.Set("X-User", caller)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// sarJSON is a SubjectAccessReview about user and groups asking to verb
// resource in shop.
func sarJSON(user string, groups []string, verb, resource string) string {
	b, err := json.Marshal(authorizationv1.SubjectAccessReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SubjectAccessReview"},
		Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: groups, ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: verb, Resource: resource, Name: "x", Namespace: "shop",
		}},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestHandlerRequiresCaller(t *testing.T) {
	h, err := offlineAuthorizer(t).Handler(authz.HandlerOptions{})
	var invalid *authz.InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "Caller", invalid.Field)
	assert.Nil(t, h)
}

// TestHandlerCallersOffline checks who a question is answered for, and that a
// caller without the right to ask about others learns nothing about them.
func TestHandlerCallersOffline(t *testing.T) {
	h := offlineHandler(t)
	escalate := sarJSON("bob", []string{"platform-admins-group"}, "get", "secrets")
	tests := []struct {
		name    string
		caller  string
		method  string
		body    string
		code    int
		allowed []bool // per question, for 200 and 201
		// user and groups the answer's spec names, for a single question
		user    string
		groups  []string
		reason  string   // in the (first) answer's reason
		missing []string // in no part of the answer
	}{
		{name: "self with another group's name gets their own answer", caller: "bob", body: escalate, code: 201,
			allowed: []bool{false}, user: "bob", groups: []string{"developers"}, reason: "RoleBinding shop/bob-cm-reader", missing: handlerSecrets},
		{name: "self by empty user, other groups claimed", caller: "bob", body: sarJSON("", []string{"platform-admins-group"}, "get", "secrets"), code: 403, missing: handlerSecrets},
		{name: "self by empty user and no groups", caller: "bob", body: sarJSON("", nil, "get", "configmaps"), code: 201,
			allowed: []bool{true}, user: "bob", groups: []string{"developers"}, reason: "RoleBinding shop/bob-cm-reader", missing: handlerSecrets},
		{name: "self by empty user and own groups", caller: "bob", body: sarJSON("", []string{"developers"}, "get", "configmaps"), code: 201,
			allowed: []bool{true}, user: "bob", groups: []string{"developers"}},
		{name: "self by name, allowed", caller: "bob", body: sarJSON("bob", nil, "get", "configmaps"), code: 201,
			allowed: []bool{true}, user: "bob", groups: []string{"developers"}, reason: "RoleBinding shop/bob-cm-reader"},
		{name: "another user without the right", caller: "bob", body: sarJSON("alice", nil, "get", "secrets"), code: 403,
			reason: "cannot create resource \"subjectaccessreviews\"", missing: append([]string{"alice"}, handlerSecrets...)},
		{name: "a list hiding one question about another", caller: "bob",
			body: `{"apiVersion":"v1","kind":"List","items":[` + sarJSON("bob", nil, "get", "configmaps") + `,` + sarJSON("alice", nil, "get", "secrets") + `]}`,
			code: 403, missing: handlerSecrets},
		{name: "reviewer asks about another user", caller: "ada", body: sarJSON("alice", nil, "get", "secrets"), code: 201,
			allowed: []bool{true}, user: "alice", reason: "RoleBinding shop/alice-vault-reader"},
		{name: "reviewer's question about other groups is answered as asked", caller: "ada", body: escalate, code: 201,
			allowed: []bool{true}, user: "bob", groups: []string{"platform-admins-group"}, reason: "ClusterRoleBinding platform-admins-binding"},
		{name: "reviewer's list", caller: "ada",
			body: `{"apiVersion":"v1","kind":"List","metadata":{},"items":[` + sarJSON("alice", nil, "get", "secrets") + `,` + sarJSON("alice", nil, "delete", "secrets") + `]}`,
			code: 200, allowed: []bool{true, false}},
		{name: "unknown field", caller: "bob",
			body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"bob","grups":["x"],"resourceAttributes":{"verb":"get","resource":"pods"}}}`,
			code: 400, reason: `unknown field "spec.grups"`},
		{name: "unknown field in a list item", caller: "bob",
			body: `{"apiVersion":"v1","kind":"List","items":[{"spec":{"resourceAttributes":{"verb":"get","resource":"pods"},"userName":"alice"}}]}`,
			code: 400},
		{name: "field in the wrong case", caller: "bob",
			body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","Spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}`,
			code: 400},
		{name: "duplicate field", caller: "bob",
			body: `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"bob","user":"alice","resourceAttributes":{"verb":"get","resource":"pods"}}}`,
			code: 400},
		{name: "no verb", caller: "bob", body: sarJSON("bob", nil, "", "pods"), code: 400, reason: "Verb"},
		{name: "not a review", caller: "bob", body: `{"kind":"Pod"}`, code: 400},
		{name: "not JSON", caller: "bob", body: `{`, code: 400},
		{name: "unknown caller", caller: "mallory", body: sarJSON("", nil, "get", "pods"), code: 401},
		{name: "caller without a name", caller: "nameless", body: sarJSON("", nil, "get", "pods"), code: 401},
		{name: "GET", caller: "bob", method: http.MethodGet, code: 405},
		{name: "body over 1 MiB", caller: "bob", body: `{"kind":"List","items":[],"metadata":{"continue":"` + strings.Repeat("x", 1<<20) + `"}}`, code: 413},
		{name: "over 1000 questions", caller: "ada", body: `{"kind":"List","items":[` + strings.TrimSuffix(strings.Repeat(sarJSON("alice", nil, "get", "secrets")+",", 1001), ",") + `]}`, code: 400, reason: "at most 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			code, body := serveReview(h, method, tt.caller, []byte(tt.body))
			require.Equal(t, tt.code, code, "%s", body)
			for _, s := range tt.missing {
				assert.NotContains(t, string(body), s)
			}
			if code >= 300 {
				var st metav1.Status
				require.NoError(t, json.Unmarshal(body, &st))
				assert.Equal(t, "Status", st.Kind)
				assert.Equal(t, int32(code), st.Code)
				assert.Contains(t, st.Message, tt.reason)
				return
			}
			var answers []authorizationv1.SubjectAccessReview
			if code == http.StatusOK {
				var list struct {
					Items []authorizationv1.SubjectAccessReview `json:"items"`
				}
				require.NoError(t, json.Unmarshal(body, &list))
				answers = list.Items
			} else {
				var sar authorizationv1.SubjectAccessReview
				require.NoError(t, json.Unmarshal(body, &sar))
				answers = []authorizationv1.SubjectAccessReview{sar}
				assert.Equal(t, tt.user, sar.Spec.User)
				assert.Equal(t, tt.groups, sar.Spec.Groups)
			}
			require.Len(t, answers, len(tt.allowed))
			for i, a := range answers {
				assert.Equal(t, tt.allowed[i], a.Status.Allowed, "question %d: %s", i, a.Status.Reason)
			}
			assert.Contains(t, answers[0].Status.Reason, tt.reason)
		})
	}
}

// FuzzHandlerBody posts arbitrary bodies as bob, who may not ask about
// others: the Handler never panics, answers only the documented codes, and
// never tells bob about bindings or roles that are not his.
func FuzzHandlerBody(f *testing.F) {
	for _, s := range []string{
		sarJSON("bob", []string{"platform-admins-group"}, "get", "secrets"),
		sarJSON("", []string{"platform-admins-group"}, "get", "secrets"),
		sarJSON("alice", nil, "get", "secrets"),
		sarJSON("bob", nil, "get", "configmaps"),
		`{"apiVersion":"v1","kind":"List","items":[` + sarJSON("bob", []string{"platform-admins-group"}, "*", "*") + `]}`,
		`{"kind":"SubjectAccessReview","spec":{"user":"bob","groups":["platform-admins-group"],"extra":{"k":["v"]},"nonResourceAttributes":{"verb":"get","path":"/x"}}}`,
		`{"kind":"SubjectAccessReview","spec":{"groups":["developers"],"resourceAttributes":{"verb":"get","resource":"pods"}}}`,
		`{"kind":"SubjectAccessReview","metadata":{"annotations":{"authz.spherekit.io/scope":"Global"}},"spec":{"resourceAttributes":{"verb":"list","group":"iam.kubesphere.io","resource":"users"}}}`,
		`{"kind":"SubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods"},"nonResourceAttributes":{"verb":"get","path":"/"}}}`,
		`{"kind":"SubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods"}},"extra":1}`,
		`{"kind":"List","items":null}`, `{"kind":"List","items":[null]}`, `{"kind":"List","items":[{}]}`,
		`{}`, `null`, `[]`, `"x"`, ``, `{"kind":1}`,
	} {
		f.Add([]byte(s))
	}
	h := offlineHandler(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		code, out := serveReview(h, http.MethodPost, "bob", body)
		switch code {
		case http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q: %s", code, body, out)
		}
		if code != http.StatusOK && code != http.StatusCreated {
			var st metav1.Status
			if err := json.Unmarshal(out, &st); err != nil || st.Kind != "Status" {
				t.Fatalf("status %d without a Status body (%v): %s", code, err, out)
			}
			// An error may quote the request, and nothing else.
			for _, s := range handlerSecrets {
				if strings.Contains(st.Message, s) && !bytes.Contains(body, []byte(s)) {
					t.Fatalf("answer to bob names %q, which is not his: body %q, answer %s", s, body, out)
				}
			}
			return
		}
		var answers []authorizationv1.SubjectAccessReview
		if code == http.StatusOK {
			var list struct {
				Items []authorizationv1.SubjectAccessReview `json:"items"`
			}
			if err := json.Unmarshal(out, &list); err != nil {
				t.Fatalf("decode answer: %v", err)
			}
			answers = list.Items
		} else {
			var sar authorizationv1.SubjectAccessReview
			if err := json.Unmarshal(out, &sar); err != nil {
				t.Fatalf("decode answer: %v", err)
			}
			answers = append(answers, sar)
		}
		for _, a := range answers {
			// Every answer is about bob as he is...
			if a.Spec.User != "bob" || len(a.Spec.Groups) != 1 || a.Spec.Groups[0] != "developers" || len(a.Spec.Extra) != 0 {
				t.Fatalf("an answer to bob is about %q %v %v: body %q", a.Spec.User, a.Spec.Groups, a.Spec.Extra, body)
			}
			// ...and its reason names only his bindings, and what he asked.
			asked, err := json.Marshal(a.Spec)
			if err != nil {
				t.Fatal(err)
			}
			asked = append(asked, []byte(a.Annotations[authz.WorkspaceAnnotation])...)
			for _, s := range handlerSecrets {
				if strings.Contains(a.Status.Reason, s) && !bytes.Contains(asked, []byte(s)) {
					t.Fatalf("answer to bob names %q, which is not his: body %q, reason %s", s, body, a.Status.Reason)
				}
			}
		}
	})
}

// The Handler reads no more than 1 MiB, whatever the client sends.
func TestHandlerBodyLimit(t *testing.T) {
	h := offlineHandler(t)
	req := httptest.NewRequest(http.MethodPost, "/reviews", io.MultiReader(strings.NewReader(`{"kind":"`), infinite{}))
	req.Header.Set("X-User", "bob")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

// infinite reads as endless x.
type infinite struct{}

func (infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
