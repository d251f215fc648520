package authz

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

func userSubject(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func iamRef(kind, name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: name}
}

func rule(verbs, groups, resources []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources}
}

func s(v ...string) []string { return v }

// policy is a small platform: workspace ws1 with namespaces demo (and
// other in ws2), users with roles at every scope.
func policy() []runtime.Object {
	wsLabel := map[string]string{tenantv1beta1.WorkspaceLabel: "ws1"}
	return []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo", Labels: wsLabel}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws2"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "loose"}},
		&tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: "ws1"}},
		&tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: "ws2"}},

		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-admin"}, Rules: []rbacv1.PolicyRule{rule(s("*"), s("*"), s("*")), {Verbs: s("*"), NonResourceURLs: s("*")}}},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "users-viewer"}, Rules: []rbacv1.PolicyRule{rule(s("get", "list"), s("iam.kubesphere.io"), s("users"))}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root"}, Subjects: []rbacv1.Subject{userSubject("root")}, RoleRef: iamRef("GlobalRole", "platform-admin")},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "auditors"}, Subjects: []rbacv1.Subject{group("auditors")}, RoleRef: iamRef("GlobalRole", "users-viewer")},

		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws1-viewer", Labels: wsLabel}, Rules: []rbacv1.PolicyRule{rule(s("get", "list", "watch"), s("*"), s("*"))}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wendy-ws1-viewer", Labels: wsLabel}, Subjects: []rbacv1.Subject{userSubject("wendy")}, RoleRef: iamRef("WorkspaceRole", "ws1-viewer")},

		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "operator", Namespace: "demo"}, Rules: []rbacv1.PolicyRule{
			rule(s("get", "list", "update"), s("apps"), s("deployments", "deployments/scale")),
			rule(s("get"), s(""), s("pods/log")),
			{Verbs: s("get"), APIGroups: s(""), Resources: s("configmaps"), ResourceNames: s("app-config")},
			rule(s("update"), s("apps"), s("*/status")),
		}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "olga-operator", Namespace: "demo"}, Subjects: []rbacv1.Subject{userSubject("olga")}, RoleRef: iamRef("Role", "operator")},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ci", Namespace: "demo"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "deployer"}}, RoleRef: iamRef("Role", "operator")},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ext-sa", Namespace: "demo"}, Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "tools", Name: "bot"}}, RoleRef: iamRef("ClusterRole", "secret-reader")},

		&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "node-viewer"}, Rules: []rbacv1.PolicyRule{rule(s("get", "list"), s(""), s("nodes")), {Verbs: s("get"), NonResourceURLs: s("/healthz", "/metrics/*")}, {Verbs: s("GET"), NonResourceURLs: s("/static/images/*")}}},
		&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "secret-reader"}, Rules: []rbacv1.PolicyRule{rule(s("get"), s(""), s("secrets"))}},
		&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "nina-nodes"}, Subjects: []rbacv1.Subject{userSubject("nina")}, RoleRef: iamRef("ClusterRole", "node-viewer")},

		// Native RBAC, as kubectl would create it.
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "cm-editor", Namespace: "loose"}, Rules: []rbacv1.PolicyRule{rule(s("create", "delete"), s(""), s("configmaps"))}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "devs-cm", Namespace: "loose"}, Subjects: []rbacv1.Subject{group("devs")}, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "cm-editor"}},
	}
}

func TestAuthorize(t *testing.T) {
	az, err := NewFromObjects(policy()...)
	require.NoError(t, err)
	ns := func(u User, verb, group, resource, sub, name, namespace string) Attributes {
		return Attributes{User: u, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name, Namespace: namespace}
	}
	root, wendy, olga, nina := User{Name: "root"}, User{Name: "wendy"}, User{Name: "olga"}, User{Name: "nina"}
	auditor := User{Name: "alice", Groups: s("auditors")}
	dev := User{Name: "dan", Groups: s("devs")}
	deployer := User{Name: "system:serviceaccount:demo:deployer"}
	bot := User{Name: "system:serviceaccount:tools:bot"}

	tests := []struct {
		name        string
		a           Attributes
		allowed     bool
		binding     string // Ref.String() of the allowing binding
		subjectKind string
	}{
		{"global admin: anything in a namespace", ns(root, "delete", "", "pods", "", "x", "demo"), true, "GlobalRoleBinding root", rbacv1.UserKind},
		{"global admin: global scope", Attributes{User: root, Verb: "create", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: ScopeGlobal}, true, "GlobalRoleBinding root", rbacv1.UserKind},
		{"global admin: non-resource", Attributes{User: root, Verb: "get", NonResourcePath: "/debug/pprof"}, true, "GlobalRoleBinding root", rbacv1.UserKind},
		{"global role via group", Attributes{User: auditor, Verb: "list", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: ScopeGlobal}, true, "GlobalRoleBinding auditors", rbacv1.GroupKind},
		{"global role: other verb", Attributes{User: auditor, Verb: "delete", APIGroup: "iam.kubesphere.io", Resource: "users", Name: "x", Scope: ScopeGlobal}, false, "", ""},
		{"workspace role in its workspace", Attributes{User: wendy, Verb: "list", APIGroup: "iam.kubesphere.io", Resource: "users", Workspace: "ws1"}, true, "WorkspaceRoleBinding wendy-ws1-viewer", rbacv1.UserKind},
		{"workspace role reaches its namespaces", ns(wendy, "get", "", "pods", "", "p", "demo"), true, "WorkspaceRoleBinding wendy-ws1-viewer", rbacv1.UserKind},
		{"workspace role: not another workspace's namespace", ns(wendy, "get", "", "pods", "", "p", "other"), false, "", ""},
		{"workspace role: not another workspace", Attributes{User: wendy, Verb: "list", APIGroup: "", Resource: "namespaces", Workspace: "ws2"}, false, "", ""},
		{"workspace role: not global scope", Attributes{User: wendy, Verb: "list", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: ScopeGlobal}, false, "", ""},
		{"workspace role: read only", ns(wendy, "delete", "", "pods", "", "p", "demo"), false, "", ""},
		{"caller's workspace does not override the namespace label", Attributes{User: wendy, Verb: "get", Resource: "pods", Namespace: "other", Workspace: "ws1"}, false, "", ""},
		{"role binding: resource", ns(olga, "update", "apps", "deployments", "", "web", "demo"), true, "RoleBinding demo/olga-operator", rbacv1.UserKind},
		{"role binding: resource/subresource", ns(olga, "update", "apps", "deployments", "scale", "web", "demo"), true, "RoleBinding demo/olga-operator", rbacv1.UserKind},
		{"role binding: */subresource", ns(olga, "update", "apps", "statefulsets", "status", "db", "demo"), true, "RoleBinding demo/olga-operator", rbacv1.UserKind},
		{"role binding: subresource not the resource", ns(olga, "get", "", "pods", "", "p", "demo"), false, "", ""},
		{"role binding: pods/log", ns(olga, "get", "", "pods", "log", "p", "demo"), true, "RoleBinding demo/olga-operator", rbacv1.UserKind},
		{"role binding: resource without the subresource rule", ns(olga, "update", "apps", "deployments", "rollback", "web", "demo"), false, "", ""},
		{"role binding: wrong group", ns(olga, "update", "extensions", "deployments", "", "web", "demo"), false, "", ""},
		{"role binding: resourceNames match", ns(olga, "get", "", "configmaps", "", "app-config", "demo"), true, "RoleBinding demo/olga-operator", rbacv1.UserKind},
		{"role binding: resourceNames other name", ns(olga, "get", "", "configmaps", "", "other", "demo"), false, "", ""},
		{"role binding: resourceNames and no name (list)", ns(olga, "get", "", "configmaps", "", "", "demo"), false, "", ""},
		{"role binding: other namespace", ns(olga, "get", "apps", "deployments", "", "web", "loose"), false, "", ""},
		{"service account in the binding's namespace", ns(deployer, "list", "apps", "deployments", "", "", "demo"), true, "RoleBinding demo/ci", rbacv1.ServiceAccountKind},
		{"service account of another namespace by name", ns(User{Name: "system:serviceaccount:other:deployer"}, "list", "apps", "deployments", "", "", "demo"), false, "", ""},
		{"service account from another namespace, RoleBinding to ClusterRole", ns(bot, "get", "", "secrets", "", "s", "demo"), true, "RoleBinding demo/ext-sa", rbacv1.ServiceAccountKind},
		{"RoleBinding to ClusterRole is limited to its namespace", ns(bot, "get", "", "secrets", "", "s", "loose"), false, "", ""},
		{"cluster role binding: cluster scope", Attributes{User: nina, Verb: "list", Resource: "nodes"}, true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"cluster role binding reaches namespaces", ns(nina, "get", "", "nodes", "", "", "demo"), true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"cluster role binding reaches workspaces", Attributes{User: nina, Verb: "get", Resource: "nodes", Workspace: "ws1"}, true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"cluster role binding stops short of global", Attributes{User: nina, Verb: "list", Resource: "nodes", Scope: ScopeGlobal}, false, "", ""},
		{"non-resource exact", Attributes{User: nina, Verb: "get", NonResourcePath: "/healthz"}, true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"non-resource prefix", Attributes{User: nina, Verb: "get", NonResourcePath: "/metrics/cadvisor"}, true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"non-resource prefix is not the path itself without slash", Attributes{User: nina, Verb: "get", NonResourcePath: "/metrics"}, false, "", ""},
		{"non-resource wrong verb", Attributes{User: nina, Verb: "post", NonResourcePath: "/healthz"}, false, "", ""},
		// KubeSphere writes non-resource verbs as HTTP methods ("GET").
		{"non-resource verb in upper case in the rule", Attributes{User: nina, Verb: "get", NonResourcePath: "/static/images/logo.svg"}, true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"non-resource verb in upper case in the request", Attributes{User: nina, Verb: "GET", NonResourcePath: "/healthz"}, true, "ClusterRoleBinding nina-nodes", rbacv1.UserKind},
		{"non-resource upper-case rule, other verb", Attributes{User: nina, Verb: "post", NonResourcePath: "/static/images/logo.svg"}, false, "", ""},
		{"native role binding via group", ns(dev, "create", "", "configmaps", "", "", "loose"), true, "RoleBinding.rbac loose/devs-cm", rbacv1.GroupKind},
		{"native role binding: not its verbs", ns(dev, "get", "", "configmaps", "", "c", "loose"), false, "", ""},
		{"unknown user", ns(User{Name: "mallory"}, "get", "", "pods", "", "", "demo"), false, "", ""},
		{"empty user name matches no user subject", ns(User{}, "get", "", "pods", "", "", "demo"), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := az.Authorize(t.Context(), tt.a)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed, "%s", d.String())
			assert.Equal(t, tt.binding, d.Binding.String())
			assert.Equal(t, tt.subjectKind, d.Subject.Kind)
			if tt.allowed {
				assert.Contains(t, d.String(), "allowed: ")
				assert.Contains(t, d.String(), tt.binding)
			}
		})
	}
}

func TestExplainDenial(t *testing.T) {
	az, err := NewFromObjects(policy()...)
	require.NoError(t, err)
	d, err := az.Explain(t.Context(), Attributes{User: User{Name: "olga"}, Verb: "delete", APIGroup: "apps", Resource: "deployments", Name: "web", Namespace: "demo"})
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.NotEmpty(t, d.Misses)
	first := d.Misses[0]
	assert.Equal(t, "RoleBinding demo/olga-operator", first.Binding.String())
	assert.Equal(t, []string{"verb"}, first.Differs)
	assert.Equal(t, s("get", "list", "update"), first.Rule.Verbs)
	assert.Contains(t, d.String(), `denied: no binding of olga allows delete deployments.apps "web" in namespace "demo"`)
	assert.Contains(t, d.String(), "differs in verb")

	// The same request in another namespace: her rule differs in scope.
	d, err = az.Explain(t.Context(), Attributes{User: User{Name: "olga"}, Verb: "update", APIGroup: "apps", Resource: "deployments", Name: "web", Namespace: "loose"})
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.NotEmpty(t, d.Misses)
	assert.Equal(t, []string{"scope"}, d.Misses[0].Differs)
	assert.Equal(t, `in namespace "demo"`, d.Misses[0].Where)

	// Authorize leaves the misses out; a user with no bindings has none.
	d, err = az.Authorize(t.Context(), Attributes{User: User{Name: "olga"}, Verb: "delete", APIGroup: "apps", Resource: "deployments", Namespace: "demo"})
	require.NoError(t, err)
	assert.Empty(t, d.Misses)
	d, err = az.Explain(t.Context(), Attributes{User: User{Name: "mallory"}, Verb: "get", Resource: "pods", Namespace: "demo"})
	require.NoError(t, err)
	assert.Empty(t, d.Misses)
	assert.NotContains(t, d.String(), "closest")
}

func TestAuthorizeRefusesBadAttributes(t *testing.T) {
	az, err := NewFromObjects()
	require.NoError(t, err)
	tests := []struct {
		a     Attributes
		field string
	}{
		{Attributes{Resource: "pods"}, "Verb"},
		{Attributes{Verb: "get"}, "Resource"},
		{Attributes{Verb: "get", Resource: "pods", NonResourcePath: "/x"}, "NonResourcePath"},
		{Attributes{Verb: "get", NonResourcePath: "x"}, "NonResourcePath"},
		{Attributes{Verb: "get", Resource: "pods/log"}, "Resource"},
		{Attributes{Verb: "get", Resource: "pods", Scope: "Planet"}, "Scope"},
		{Attributes{Verb: "get", Resource: "pods", Scope: ScopeWorkspace}, "Workspace"},
		{Attributes{Verb: "get", Resource: "pods", Scope: ScopeNamespace}, "Namespace"},
	}
	for _, tt := range tests {
		_, err := az.Authorize(t.Context(), tt.a)
		var ie *InvalidError
		require.True(t, errors.As(err, &ie), "%+v: %v", tt.a, err)
		assert.Equal(t, tt.field, ie.Field)
	}
}

func TestNewFromObjectsRefuses(t *testing.T) {
	tests := []struct {
		name  string
		obj   runtime.Object
		field string
	}{
		{"other kind", &corev1.Pod{}, "object"},
		{"workspace binding without workspace", &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}, RoleRef: iamRef("WorkspaceRole", "r")}, "metadata.labels"},
		{"binding to the wrong kind", &iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}, RoleRef: iamRef("Role", "r")}, "roleRef.kind"},
		{"binding without a role name", &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "n"}, RoleRef: rbacv1.RoleRef{Kind: "Role"}}, "roleRef.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFromObjects(tt.obj)
			var ie *InvalidError
			require.True(t, errors.As(err, &ie), "%v", err)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

func TestDecodeObjects(t *testing.T) {
	yaml := `
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRole
metadata: {name: viewer}
rules: [{verbs: [get], apiGroups: ["*"], resources: ["*"]}]
---
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRoleBinding
metadata: {name: v}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: vic}]
roleRef: {apiGroup: iam.kubesphere.io, kind: GlobalRole, name: viewer}
---
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: lister}
  rules: [{verbs: [list], apiGroups: [""], resources: [pods]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: l}
  subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: g}]
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: lister}
`
	objs, err := DecodeObjects(strings.NewReader(yaml))
	require.NoError(t, err)
	require.Len(t, objs, 4)
	az, err := NewFromObjects(objs...)
	require.NoError(t, err)
	d, err := az.Authorize(t.Context(), Attributes{User: User{Name: "vic"}, Verb: "get", Resource: "users", APIGroup: "iam.kubesphere.io", Scope: ScopeGlobal})
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	d, err = az.Authorize(t.Context(), Attributes{User: User{Name: "x", Groups: s("g")}, Verb: "list", Resource: "pods", Namespace: "any"})
	require.NoError(t, err)
	assert.True(t, d.Allowed)

	_, err = DecodeObjects(strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\nnot: [valid"))
	var ie *InvalidError
	require.True(t, errors.As(err, &ie), "%v", err)
	assert.Equal(t, "document 2", ie.Field)
	_, err = DecodeObjects(strings.NewReader("apiVersion: nope/v1\nkind: Thing\n"))
	require.True(t, errors.As(err, &ie), "%v", err)
	assert.Equal(t, "document 1", ie.Field)
}

func TestRules(t *testing.T) {
	az, err := NewFromObjects(policy()...)
	require.NoError(t, err)
	refs := func(rs []GrantedRule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Binding.String()+" -> "+r.Role.String())
		}
		return out
	}
	// In demo wendy holds her workspace role; olga her project role;
	// nina her cluster role everywhere but the platform scope.
	assert.Equal(t, []string{"WorkspaceRoleBinding wendy-ws1-viewer -> WorkspaceRole ws1-viewer"}, refs(az.Rules(Attributes{User: User{Name: "wendy"}, Namespace: "demo"})))
	assert.Empty(t, az.Rules(Attributes{User: User{Name: "wendy"}, Namespace: "other"}))
	olga := az.Rules(Attributes{User: User{Name: "olga"}, Namespace: "demo"})
	require.Len(t, olga, 4, "the operator role's four rules")
	assert.Equal(t, "Role demo/operator", olga[0].Role.String())
	assert.Len(t, az.Rules(Attributes{User: User{Name: "nina"}}), 3)
	assert.Empty(t, az.Rules(Attributes{User: User{Name: "nina"}, Scope: ScopeGlobal}))
	assert.Len(t, az.Rules(Attributes{User: User{Name: "alice", Groups: s("auditors")}, Scope: ScopeGlobal}), 1)
}

func FuzzDecodeObjects(f *testing.F) {
	f.Add([]byte("apiVersion: iam.kubesphere.io/v1beta1\nkind: GlobalRole\nmetadata: {name: x}\nrules: [{verbs: [get]}]\n---\napiVersion: v1\nkind: List\nitems: []\n"))
	f.Add([]byte(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"b","namespace":"n"},"roleRef":{"kind":"Role","name":"r"}}`))
	f.Add([]byte("---\n---\nnull\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := DecodeObjects(bytes.NewReader(data))
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InvalidError", err)
			}
			return
		}
		// Whatever decodes is indexed or refused with a typed error.
		if _, err := NewFromObjects(objs...); err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("NewFromObjects error %v is not an *InvalidError", err)
			}
		}
	})
}
