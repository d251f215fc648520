package network_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/network"
	"github.com/spherekit/spherekit/network/controllers"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// env is a control plane (no nodes: pods stay pending, which is all the
// reachability engine needs) whose manager runs the network controllers, so
// a plan can be compared with what the controllers then write.
var env *testenv.Environment

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{})
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	}))
}

// newClient returns a Client acting with the test's administrator rights.
func newClient(t *testing.T) *network.Client {
	t.Helper()
	c, err := network.NewClient(env.Client, network.ClientOptions{})
	require.NoError(t, err)
	return c
}

func name(prefix string) string { return prefix + "-" + rand.String(6) }

// workspace creates a Workspace (no template).
func workspace(t *testing.T) string {
	t.Helper()
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
	require.NoError(t, env.Client.Create(context.Background(), ws))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ws) })
	return ws.Name
}

// project creates a namespace in workspace ws (none when empty).
func project(t *testing.T, ws string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name("proj"), Labels: map[string]string{}}}
	if ws != "" {
		ns.Labels[tenantv1beta1.WorkspaceLabel] = ws
	}
	require.NoError(t, env.Client.Create(context.Background(), ns))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ns) })
	return ns.Name
}

// testenvEventually is testenv.Eventually for a condition without an error.
func testenvEventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) { return cond(), nil }, msg, args...)
}
