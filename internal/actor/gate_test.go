package actor_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/internal/actor"
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/tenancy/authz"
)

const policy = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {kubesphere.io/workspace: retail}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: Role
metadata: {name: viewer, namespace: shop}
rules:
- {verbs: [get, list], apiGroups: [apps], resources: [deployments]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: RoleBinding
metadata: {name: bob-viewer, namespace: shop}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
roleRef: {apiGroup: iam.kubesphere.io, kind: Role, name: viewer}
`

func deployments(verb string) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: "apps", Resource: "deployments", Namespace: "shop", Scope: authz.ScopeNamespace}
}

func TestGate(t *testing.T) {
	objs, err := authz.DecodeObjects(strings.NewReader(policy))
	require.NoError(t, err)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	ctx := context.Background()

	nobody, err := actor.New(nil, az)
	require.NoError(t, err)
	bob, err := actor.New(&authz.User{Name: "bob"}, az)
	require.NoError(t, err)

	cases := []struct {
		name     string
		gate     actor.Gate
		requests []authz.Attributes
		refusal  string // empty: allowed
	}{
		{"nobody is never refused", nobody, []authz.Attributes{deployments("delete")}, ""},
		{"nobody, no request", nobody, nil, ""},
		{"allowed", bob, []authz.Attributes{deployments("get"), deployments("list")}, ""},
		{"the first denied request is named", bob, []authz.Attributes{deployments("get"), deployments("delete"), deployments("update")}, "delete deployments.apps"},
		{"no request cannot be checked", bob, nil, "names no request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.gate.Check(ctx, tc.requests...)
			if tc.refusal == "" {
				require.NoError(t, err)
				return
			}
			var fe *fielderr.Forbidden
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "bob", fe.User)
			assert.Contains(t, fe.Reason, tc.refusal)
			assert.ErrorIs(t, err, fielderr.ErrForbidden)
		})
	}

	ok, err := bob.Allowed(ctx, deployments("update"))
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, bob.Acting())
	assert.True(t, bob.Is("bob"))
	assert.False(t, bob.Is("alice"))
	assert.False(t, nobody.Acting())
	assert.False(t, nobody.Is(""))

	// CheckEach stops at the first error of its callback, after an
	// allowing decision.
	calls := 0
	stop := errors.New("stale")
	err = bob.CheckEach(ctx, func(_ context.Context, d *authz.Decision) error {
		calls++
		assert.True(t, d.Allowed)
		return stop
	}, deployments("get"), deployments("list"))
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}

func TestNewNeedsAnAuthorizerForAUser(t *testing.T) {
	_, err := actor.New(&authz.User{Name: "bob"}, nil)
	var ie *fielderr.Invalid
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "Authorizer", ie.Field)
}

func TestNewCopiesTheUser(t *testing.T) {
	objs, err := authz.DecodeObjects(strings.NewReader(policy))
	require.NoError(t, err)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	u := &authz.User{Name: "bob", Groups: []string{"g"}}
	g, err := actor.New(u, az)
	require.NoError(t, err)
	u.Name, u.Groups[0] = "alice", "admins"
	assert.True(t, g.Is("bob"), "a later change to the caller's user does not reach the gate")
}
