package tenancy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/spherekit/spherekit/tenancy"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// cacheAuthorizer is an Authorizer over a cache of the test cluster, for
// the length of the test.
func cacheAuthorizer(t *testing.T) *authz.Authorizer {
	t.Helper()
	var az *authz.Authorizer
	env.StartCache(t, cache.Options{}, func(ctx context.Context, c cache.Cache) (err error) {
		az, err = authz.NewFromCache(ctx, c, authz.Options{})
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, az.WaitForSync(ctx))
	return az
}

// TestOnBehalfOfRefusesEscalation acts for users of a workspace: nobody may
// grant more than they hold, and a viewer may not grant at all.
func TestOnBehalfOfRefusesEscalation(t *testing.T) {
	ctx := context.Background()
	manager := newUser(t, "mgr")
	ws := newWorkspace(t, manager)
	viewer, newcomer := newUser(t, "viewer"), newUser(t, "new")
	require.NoError(t, tc.AddMember(ctx, tenancy.Workspace(ws), viewer, "viewer"))
	proj := newProject(t, ws, "")
	az := cacheAuthorizer(t)

	as := func(u string) *tenancy.Client {
		c, err := tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: u}, Authorizer: az})
		require.NoError(t, err)
		return c
	}
	// The Authorizer follows the cluster; wait until it knows the viewer.
	eventually(t, func() bool {
		d, err := az.Authorize(ctx, authz.Attributes{User: authz.User{Name: viewer}, Verb: "get", Resource: "pods", Namespace: proj})
		return err == nil && d.Allowed
	}, "the authorizer never saw the viewer's workspace role")

	err := as(viewer).AddMember(ctx, tenancy.Project(proj), newcomer, "viewer")
	var fe *tenancy.ForbiddenError
	require.True(t, errors.As(err, &fe), "a viewer granting: %v", err)
	assert.ErrorIs(t, err, tenancy.ErrForbidden)
	assert.Equal(t, viewer, fe.User)
	assert.Contains(t, fe.Reason, "rolebindings")
	_, found, _ := memberOf(ctx, proj, newcomer)
	assert.False(t, found, "nothing is written when refused")

	require.NoError(t, as(manager).AddMember(ctx, tenancy.Project(proj), newcomer, "operator"), "the workspace admin grants a project role")
	err = as(manager).AddMember(ctx, tenancy.Platform(), newcomer, "platform-admin")
	require.True(t, errors.As(err, &fe), "a workspace admin granting platform-admin: %v", err)
	err = as(manager).RemoveMember(ctx, tenancy.Workspace(ws), viewer)
	require.NoError(t, err, "the workspace admin removes a member")
	// A project operator may view members but not remove them.
	err = as(newcomer).RemoveMember(ctx, tenancy.Project(proj), manager)
	require.ErrorIs(t, err, tenancy.ErrForbidden)

	_, err = tenancy.NewClient(env.Client, tenancy.ClientOptions{OnBehalfOf: &authz.User{Name: "x"}})
	var ie *tenancy.InvalidError
	require.True(t, errors.As(err, &ie))
	assert.Equal(t, "Authorizer", ie.Field)
}

func memberOf(ctx context.Context, project, user string) (string, bool, error) {
	ms, err := tc.ListMembers(ctx, tenancy.Project(project))
	if err != nil {
		return "", false, err
	}
	for _, m := range ms {
		if m.User == user {
			return m.Role, true, nil
		}
	}
	return "", false, nil
}
