package webhooks_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/storage/webhooks"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane whose API server sends claim creations
// to the storage webhook, served by its manager.
var env *testenv.Environment

var opts = webhooks.Options{}

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		Options: testenv.Options{
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", opts)},
		},
		SetupWebhooks: func(ctx context.Context, mgr ctrl.Manager) error {
			return webhooks.SetupWithManager(ctx, mgr, opts)
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	}))
}

// name returns a fresh DNS-label name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// create creates obj and deletes it when the test ends.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	require.NoError(t, env.Client.Create(context.Background(), obj))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), obj) })
}
