package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1alpha2 "github.com/spherekit/spherekit/tenancy/api/iam/v1alpha2"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1alpha1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1alpha1"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

// TestObjectsWrittenAtOldVersions: objects a KubeSphere 3.x client writes
// at iam v1alpha2 and tenant v1alpha2 (testdata/kubesphere/old-versions.yaml)
// are served at v1beta1 too, the controllers act on them, and the Client's
// operations work on them unchanged; and what spherekit writes can be read
// back at the old versions.
func TestObjectsWrittenAtOldVersions(t *testing.T) {
	ctx := context.Background()
	vars := map[string]string{"User": name("old"), "Workspace": name("old-ws"), "Role": name("old-role")}
	user, ws, role := vars["User"], vars["Workspace"], vars["Role"]
	createFixture(t, "old-versions.yaml", vars)

	// The user controller hashes the v1alpha2 user's password and sets
	// its state, which both versions show.
	eventually(t, func() bool {
		u := &iamv1beta1.User{}
		return env.Client.Get(ctx, client.ObjectKey{Name: user}, u) == nil &&
			controllers.IsPasswordHash(u.Spec.Password) && u.Status.State == iamv1beta1.UserActive
	}, "v1alpha2 user hashed and Active")
	old := &iamv1alpha2.User{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: user}, old))
	assert.Equal(t, iamv1beta1.UserActive, old.Status.State)

	// DisableUser writes the state (no status subresource, as in
	// KubeSphere), visible at v1alpha2.
	require.NoError(t, tc.DisableUser(ctx, user))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: user}, old))
	assert.Equal(t, iamv1beta1.UserDisabled, old.Status.State)
	require.NoError(t, tc.EnableUser(ctx, user))

	// The v1alpha2 WorkspaceTemplate becomes a workspace with its roles and
	// its manager bound; the Workspace reads at v1alpha1.
	_, err := tc.WaitForWorkspace(ctx, ws)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.DeleteWorkspace(context.Background(), ws, tenancy.DeleteWorkspaceOptions{}) })
	w := &tenantv1alpha1.Workspace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ws}, w))
	assert.Equal(t, user, w.Spec.Manager)
	members, err := tc.ListMembers(ctx, tenancy.Workspace(ws))
	require.NoError(t, err)
	assert.Contains(t, members, tenancy.Member{User: user, Role: "admin"})

	// The v1alpha2 GlobalRoleBinding (iam subjects) makes the user a
	// platform member; the Client changes it like any other.
	platform, err := tc.ListMembers(ctx, tenancy.Platform())
	require.NoError(t, err)
	assert.Contains(t, platform, tenancy.Member{User: user, Role: role})
	require.NoError(t, tc.ChangeMember(ctx, tenancy.Platform(), user, "platform-regular"))
	platform, err = tc.ListMembers(ctx, tenancy.Platform())
	require.NoError(t, err)
	assert.Contains(t, platform, tenancy.Member{User: user, Role: "platform-regular"})
	assert.NotContains(t, platform, tenancy.Member{User: user, Role: role})

	// What spherekit writes reads back at v1alpha2: the GlobalRole the
	// Client bound, with its rules.
	gr := &unstructured.Unstructured{}
	gr.SetAPIVersion("iam.kubesphere.io/v1alpha2")
	gr.SetKind("GlobalRole")
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: "platform-regular"}, gr))
	_, has := gr.Object["rules"]
	assert.True(t, has, "rules are written even when empty")
}
