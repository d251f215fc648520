package tenancy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/spherekit/spherekit/tenancy"
)

// name returns a fresh DNS-label name with prefix, so tests sharing the
// cluster never collide.
func name(prefix string) string { return prefix + "-" + rand.String(5) }

// newUser creates a user with a fresh name.
func newUser(t *testing.T, prefix string) string {
	t.Helper()
	n := name(prefix)
	_, err := tc.CreateUser(context.Background(), n, n+"@example.com", tenancy.CreateUserOptions{})
	require.NoError(t, err)
	return n
}

// newWorkspace creates a workspace managed by manager (may be empty) and
// waits for its roles.
func newWorkspace(t *testing.T, manager string) string {
	t.Helper()
	ctx := context.Background()
	ws := name("ws")
	_, err := tc.CreateWorkspace(ctx, ws, tenancy.CreateWorkspaceOptions{Manager: manager})
	require.NoError(t, err)
	_, err = tc.WaitForWorkspace(ctx, ws)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = tc.DeleteWorkspace(context.Background(), ws, tenancy.DeleteWorkspaceOptions{Propagation: "Background"})
	})
	return ws
}

// newProject creates a project in ws by creator (may be empty).
func newProject(t *testing.T, ws, creator string) string {
	t.Helper()
	p := name("proj")
	_, err := tc.CreateProject(context.Background(), ws, p, tenancy.CreateProjectOptions{Creator: creator})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = env.Client.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metaName(p)})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = tc.WaitForProject(ctx, p)
	require.NoError(t, err)
	return p
}
