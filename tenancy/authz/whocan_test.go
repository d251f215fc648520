package authz

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

func TestWhoCan(t *testing.T) {
	az, err := NewFromObjects(policy()...)
	require.NoError(t, err)
	tests := []struct {
		name string
		a    Attributes
		want Subjects
	}{
		{"list deployments in demo", Attributes{Verb: "list", APIGroup: "apps", Resource: "deployments", Namespace: "demo"},
			Subjects{Users: s("olga", "root", "system:serviceaccount:demo:deployer", "wendy")}},
		{"update deployments in other: ws1's viewer and demo's operator do not reach it", Attributes{Verb: "update", APIGroup: "apps", Resource: "deployments", Namespace: "other"},
			Subjects{Users: s("root")}},
		{"create configmaps in loose", Attributes{Verb: "create", Resource: "configmaps", Namespace: "loose"},
			Subjects{Users: s("root"), Groups: s("devs")}},
		{"get a named configmap", Attributes{Verb: "get", Resource: "configmaps", Name: "app-config", Namespace: "demo"},
			Subjects{Users: s("olga", "root", "system:serviceaccount:demo:deployer", "wendy")}},
		{"get secrets in demo through a ClusterRole bound in the namespace", Attributes{Verb: "get", Resource: "secrets", Namespace: "demo"},
			Subjects{Users: s("root", "system:serviceaccount:tools:bot", "wendy")}},
		{"get users on the platform", Attributes{Verb: "get", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: ScopeGlobal},
			Subjects{Users: s("root"), Groups: s("auditors")}},
		{"list nodes in the cluster", Attributes{Verb: "list", Resource: "nodes", Scope: ScopeCluster},
			Subjects{Users: s("nina", "root")}},
		{"list everything in workspace ws1", Attributes{Verb: "list", APIGroup: "tenant.kubesphere.io", Resource: "workspaces", Workspace: "ws1", Scope: ScopeWorkspace},
			Subjects{Users: s("root", "wendy")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := az.WhoCan(context.Background(), tt.a)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err = az.WhoCan(context.Background(), Attributes{Resource: "pods"})
	var ie *InvalidError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "Verb", ie.Field)
}

// TestWhoCanAgreesWithAuthorize checks WhoCan against Authorize for every
// subject of every binding, over requests at every scope, with a rego
// override in the mix, before and after bindings change.
func TestWhoCanAgreesWithAuthorize(t *testing.T) {
	ctx := context.Background()
	objs := append(policy(),
		globalRole("rego-events", `package authz
default allow = false
allow if {
	input.User.Name == "rita"
	input.Resource == "events"
}`),
		globalBinding("rego-events", "rego-events", userSubject("rita"), userSubject("rob")),
	)
	az, err := NewFromObjects(objs...)
	require.NoError(t, err)
	requests := []Attributes{
		{Verb: "list", APIGroup: "apps", Resource: "deployments", Namespace: "demo"},
		{Verb: "list", Resource: "events", Namespace: "demo"},
		{Verb: "list", Resource: "events", Namespace: "loose"},
		{Verb: "create", Resource: "configmaps", Namespace: "loose"},
		{Verb: "get", Resource: "secrets", Namespace: "other"},
		{Verb: "get", Resource: "secrets", Namespace: "demo"},
		{Verb: "list", Resource: "nodes", Scope: ScopeCluster},
		{Verb: "get", APIGroup: "iam.kubesphere.io", Resource: "users", Scope: ScopeGlobal},
		{Verb: "watch", APIGroup: "apps", Resource: "deployments", Workspace: "ws1", Scope: ScopeWorkspace},
		{Verb: "get", NonResourcePath: "/healthz"},
	}
	check := func(t *testing.T) {
		t.Helper()
		az.mu.RLock()
		var keys []subjectKey
		for _, b := range az.ix.bindings {
			for _, s := range b.subjects {
				if k, ok := keyOf(s, b.ref.Namespace); ok && !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		az.mu.RUnlock()
		require.NotEmpty(t, keys)
		for _, a := range requests {
			who, err := az.WhoCan(ctx, a)
			require.NoError(t, err)
			for _, k := range keys {
				u := User{Name: k.name}
				listed := slices.Contains(who.Users, k.name)
				if k.group {
					u = User{Groups: []string{k.name}}
					listed = slices.Contains(who.Groups, k.name)
				}
				a.User = u
				d, err := az.Authorize(ctx, a)
				require.NoError(t, err)
				assert.Equal(t, d.Allowed, listed, "%+v for %+v: %s", a, k, d.String())
			}
		}
	}
	check(t)
	// rob loses his binding and wendy's moves to another role (events
	// only); olga's operator role is deleted.
	require.NoError(t, az.update(nil, globalBinding("rego-events", "rego-events", userSubject("rita"))))
	ws1 := map[string]string{"kubesphere.io/workspace": "ws1"}
	require.NoError(t, az.update(nil, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws1-events", Labels: ws1},
		Rules: []rbacv1.PolicyRule{rule(s("list"), s(""), s("events"))}}))
	require.NoError(t, az.update(nil, &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wendy-ws1-viewer", Labels: ws1},
		Subjects: []rbacv1.Subject{userSubject("wendy")}, RoleRef: iamRef("WorkspaceRole", "ws1-events")}))
	require.NoError(t, az.update(&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "operator", Namespace: "demo"}}, nil))
	check(t)
}

// update applies a change to az's index as its cache source would.
func (az *Authorizer) update(old, obj runtime.Object) error {
	az.mu.Lock()
	defer az.mu.Unlock()
	if old != nil {
		if err := az.ix.remove(old); err != nil {
			return err
		}
	}
	if obj != nil {
		return az.ix.upsert(obj)
	}
	return nil
}

// BenchmarkWhoCan asks who may list events in one namespace of a platform
// with 10,000 users and 10,000 namespaces (100 workspaces of 100; every
// user holds KubeSphere's platform-regular GlobalRoleBinding, two users a
// role in each namespace, one a role in each workspace), through WhoCan
// and through the anchor, the per-alert approach of listing every user and
// authorizing each. Both must give the same users first.
func BenchmarkWhoCan(b *testing.B) {
	const users, namespaces, perWorkspace = 10_000, 10_000, 100
	ctx := context.Background()
	objs := []runtime.Object{
		globalRole("platform-admin", "", rule(s("*"), s("*"), s("*"))),
		globalRole("platform-regular", "", rule(s("get"), s("iam.kubesphere.io"), s("users"))),
		globalBinding("admin", "platform-admin", userSubject("admin")),
	}
	name := func(i int) string { return "user-" + strconv.Itoa(i) }
	for i := range users {
		objs = append(objs, globalBinding(name(i)+"-regular", "platform-regular", userSubject(name(i))))
	}
	for w := range namespaces / perWorkspace {
		ws := "ws-" + strconv.Itoa(w)
		label := map[string]string{"kubesphere.io/workspace": ws}
		objs = append(objs,
			&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ws + "-viewer", Labels: label}, Rules: []rbacv1.PolicyRule{rule(s("get", "list"), s("*"), s("*"))}},
			&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ws + "-viewer", Labels: label}, Subjects: []rbacv1.Subject{userSubject(name(w))}, RoleRef: iamRef("WorkspaceRole", ws+"-viewer")})
	}
	for n := range namespaces {
		ns := "ns-" + strconv.Itoa(n)
		objs = append(objs,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"kubesphere.io/workspace": "ws-" + strconv.Itoa(n/perWorkspace)}}},
			&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: ns}, Rules: []rbacv1.PolicyRule{rule(s("get", "list"), s(""), s("events", "pods"))}},
			&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns}, Subjects: []rbacv1.Subject{userSubject(name(n))}, RoleRef: iamRef("Role", "viewer")},
			&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: ns}, Subjects: []rbacv1.Subject{userSubject(name((n * 7919) % users))}, RoleRef: iamRef("Role", "viewer")})
	}
	az, err := NewFromObjects(objs...)
	require.NoError(b, err)
	a := Attributes{Verb: "list", Resource: "events", Namespace: "ns-4242"}
	everyUser := func() []string {
		var out []string
		for i := -1; i < users; i++ {
			u := "admin"
			if i >= 0 {
				u = name(i)
			}
			a := a
			a.User = User{Name: u}
			if d, err := az.Authorize(ctx, a); err == nil && d.Allowed {
				out = append(out, u)
			}
		}
		slices.Sort(out)
		return out
	}
	who, err := az.WhoCan(ctx, a)
	require.NoError(b, err)
	require.Equal(b, everyUser(), who.Users, "both give the same users")
	require.Len(b, who.Users, 4, "the admin, the workspace's viewer and the namespace's two")
	b.Run("whocan", func(b *testing.B) {
		for b.Loop() {
			if _, err := az.WhoCan(ctx, a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("every-user", func(b *testing.B) {
		for b.Loop() {
			everyUser()
		}
	})
}
