package testenv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// TestServesAdmissionWebhooks proves a webhook server in the test process is
// called by the real API server for the configurations given in Options.
func TestServesAdmissionWebhooks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := "/validate-workspace"
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	c, err := Start(ctx, Options{ValidatingWebhooks: []*admissionregistrationv1.ValidatingWebhookConfiguration{{
		ObjectMeta: metav1.ObjectMeta{Name: "workspace-names"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "workspace-names.testenv.spherekit.io",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Name: "unused", Namespace: "default", Path: &path}},
			Rules:                   []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, Rule: admissionregistrationv1.Rule{APIGroups: []string{tenantv1beta1.GroupName}, APIVersions: []string{"v1beta1"}, Resources: []string{"workspaces"}}}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })

	server := webhook.NewServer(c.WebhookServerOptions())
	server.Register(path, &webhook.Admission{Handler: admission.HandlerFunc(func(_ context.Context, req admission.Request) admission.Response {
		if strings.HasPrefix(req.Name, "forbidden-") {
			return admission.Denied("names starting with forbidden- are refused")
		}
		return admission.Allowed("")
	})})
	go func() { _ = server.Start(ctx) }()
	require.Eventually(t, func() bool { return server.StartedChecker()(nil) == nil }, 10*time.Second, 50*time.Millisecond)

	err = c.Client.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "forbidden-one"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "names starting with forbidden- are refused")
	assert.NoError(t, c.Client.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "allowed-one"}}))
}
