package webhooks_test

import (
	"context"
	"os"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/observability/notification/webhooks"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane whose API server sends notification
// objects to the webhook, served by its manager.
var env *testenv.Environment

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
		M: m,
		Options: testenv.Options{
			ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{webhooks.ValidatingWebhookConfiguration("default", "unused", webhooks.Options{})},
		},
		SetupWebhooks: func(ctx context.Context, mgr ctrl.Manager) error {
			return webhooks.SetupWithManager(ctx, mgr, webhooks.Options{})
		},
		SetupEnv: func(_ context.Context, e *testenv.Environment) error {
			env = e
			return nil
		},
	}))
}
