package authz

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

func TestWhatIf(t *testing.T) {
	az, err := NewFromObjects(policy()...)
	require.NoError(t, err)

	t.Run("new binding", func(t *testing.T) {
		got, err := az.WhatIf(t.Context(), Change{Apply: []runtime.Object{&iamv1beta1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "pat-operator", Namespace: "demo"},
			Subjects:   []rbacv1.Subject{userSubject("pat")},
			RoleRef:    iamRef("Role", "operator"),
		}}})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "pat", got[0].Subject.Name)
		assert.Empty(t, got[0].Lost)
		assert.Contains(t, got[0].Gained, Permission{Scope: ScopeNamespace, Namespace: "demo", Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale"})
		assert.Contains(t, got[0].Gained, Permission{Scope: ScopeNamespace, Namespace: "demo", Verb: "get", Resource: "configmaps", Name: "app-config"})
	})

	t.Run("binding for someone who already has it all", func(t *testing.T) {
		got, err := az.WhatIf(t.Context(), Change{Apply: []runtime.Object{&iamv1beta1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "root-operator", Namespace: "demo"},
			Subjects:   []rbacv1.Subject{userSubject("root")},
			RoleRef:    iamRef("Role", "operator"),
		}}})
		require.NoError(t, err)
		assert.Empty(t, got, "the platform admin gains nothing")
	})

	t.Run("rule removed from a role affects every subject bound to it", func(t *testing.T) {
		narrowed := &iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "operator", Namespace: "demo"}, Rules: []rbacv1.PolicyRule{
			rule(s("get", "list", "update"), s("apps"), s("deployments", "deployments/scale")),
		}}
		got, err := az.WhatIf(t.Context(), Change{Apply: []runtime.Object{narrowed}})
		require.NoError(t, err)
		var names []string
		for _, c := range got {
			names = append(names, c.Subject.Kind+":"+c.Subject.Name)
			assert.Empty(t, c.Gained)
			assert.Contains(t, c.Lost, Permission{Scope: ScopeNamespace, Namespace: "demo", Verb: "get", Resource: "pods", Subresource: "log"})
		}
		assert.ElementsMatch(t, []string{"User:olga", "ServiceAccount:deployer"}, names)
	})

	t.Run("deleted binding", func(t *testing.T) {
		got, err := az.WhatIf(t.Context(), Change{Delete: []runtime.Object{&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "nina-nodes"}}}})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "nina", got[0].Subject.Name)
		assert.Contains(t, got[0].Lost, Permission{Verb: "get", NonResourceURL: "/healthz"})
		assert.Contains(t, got[0].Lost, Permission{Scope: ScopeCluster, Verb: "list", Resource: "nodes"})
	})

	t.Run("the authorizer itself is unchanged", func(t *testing.T) {
		d, err := az.Authorize(t.Context(), Attributes{User: User{Name: "nina"}, Verb: "list", Resource: "nodes"})
		require.NoError(t, err)
		assert.True(t, d.Allowed)
	})

	t.Run("a change it cannot index", func(t *testing.T) {
		_, err := az.WhatIf(t.Context(), Change{Apply: []runtime.Object{&corev1.Pod{}}})
		var ie *InvalidError
		require.True(t, errors.As(err, &ie), "%v", err)
		assert.Contains(t, err.Error(), "change.Apply[0]")
	})
}

func TestCanGrant(t *testing.T) {
	objs := append(policy(),
		// A workspace admin who may bind any workspace role in ws1.
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws1-admin", Labels: map[string]string{"kubesphere.io/workspace": "ws1"}}, Rules: []rbacv1.PolicyRule{
			rule(s("*"), s("*"), s("*")),
		}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "adam-ws1-admin", Labels: map[string]string{"kubesphere.io/workspace": "ws1"}}, Subjects: []rbacv1.Subject{userSubject("adam")}, RoleRef: iamRef("WorkspaceRole", "ws1-admin")},
		&iamv1beta1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "binder"}, Rules: []rbacv1.PolicyRule{{Verbs: s("bind"), APIGroups: s("iam.kubesphere.io"), Resources: s("roles"), ResourceNames: s("operator")}}},
		&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bea-binder"}, Subjects: []rbacv1.Subject{userSubject("bea")}, RoleRef: iamRef("ClusterRole", "binder")},
	)
	az, err := NewFromObjects(objs...)
	require.NoError(t, err)
	operator := Ref{Kind: "Role", Namespace: "demo", Name: "operator"}
	inDemo := Grant{Scope: ScopeNamespace, Namespace: "demo"}

	tests := []struct {
		name    string
		granter string
		role    Ref
		g       Grant
		allowed bool
		byVerb  string
	}{
		{"a workspace admin holds * (so bind) on roles in its namespaces", "adam", operator, inDemo, true, "bind"},
		{"holds every rule of the role", "olga", Ref{Kind: "Role", Namespace: "demo", Name: "operator"}, inDemo, true, ""},
		{"workspace admin cannot grant a global role", "adam", Ref{Kind: "GlobalRole", Name: "platform-admin"}, Grant{Scope: ScopeGlobal}, false, ""},
		{"viewer cannot grant operator", "wendy", operator, inDemo, false, ""},
		{"bind verb on the role", "bea", operator, inDemo, true, "bind"},
		{"platform admin grants anything", "root", Ref{Kind: "GlobalRole", Name: "platform-admin"}, Grant{Scope: ScopeGlobal}, true, "bind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := az.CanGrant(t.Context(), User{Name: tt.granter}, tt.role, tt.g)
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, c.Allowed, "%s", c)
			assert.Equal(t, tt.byVerb, c.ByVerb)
			if !tt.allowed {
				assert.NotEmpty(t, c.Missing)
				assert.Contains(t, c.String(), "the granter lacks")
			}
		})
	}

	c, err := az.CanGrant(t.Context(), User{Name: "wendy"}, operator, inDemo)
	require.NoError(t, err)
	assert.Contains(t, c.Missing, Permission{Scope: ScopeNamespace, Namespace: "demo", Verb: "update", APIGroup: "apps", Resource: "deployments"})
	assert.NotContains(t, c.Missing, Permission{Scope: ScopeNamespace, Namespace: "demo", Verb: "get", APIGroup: "apps", Resource: "deployments"}, "she may get deployments")

	_, err = az.CanGrant(t.Context(), User{Name: "adam"}, Ref{Kind: "Role", Namespace: "demo", Name: "nope"}, inDemo)
	var ie *InvalidError
	require.True(t, errors.As(err, &ie))
	assert.Equal(t, "role", ie.Field)
	_, err = az.CanGrant(t.Context(), User{Name: "adam"}, Ref{Kind: "Pod", Name: "x"}, inDemo)
	require.True(t, errors.As(err, &ie))
	assert.Equal(t, "role.Kind", ie.Field)
	_, err = az.CanGrant(t.Context(), User{Name: "adam"}, operator, Grant{Scope: ScopeNamespace})
	require.True(t, errors.As(err, &ie))
	assert.Equal(t, "Namespace", ie.Field)
}
