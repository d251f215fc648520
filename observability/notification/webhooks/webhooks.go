package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// Path is where the webhook is served.
const Path = "/validate-notification-kubesphere-io-v2beta2"

// ConfigurationName is the name of the ValidatingWebhookConfiguration.
const ConfigurationName = "spherekit-notification"

// Options configures the webhook. The zero value is ready to use; pass
// the same Options to SetupWithManager and ValidatingWebhookConfiguration.
type Options struct {
	// FailurePolicy is the webhook's failure policy; empty means Fail.
	FailurePolicy admissionregistrationv1.FailurePolicyType
}

// SetupWithManager registers the webhook on mgr's webhook server. It
// reads Configs and Receivers through mgr's client (its cache).
func SetupWithManager(_ context.Context, mgr ctrl.Manager, _ Options) error {
	mgr.GetWebhookServer().Register(Path, &webhook.Admission{Handler: &validator{reader: mgr.GetClient()}})
	return nil
}

// ValidatingWebhookConfiguration returns the configuration that sends
// creations and updates of the four kinds to the webhook, with
// clientConfig pointing at service (namespace/name) on Path.
func ValidatingWebhookConfiguration(serviceNamespace, serviceName string, opts Options) *admissionregistrationv1.ValidatingWebhookConfiguration {
	policy := opts.FailurePolicy
	if policy == "" {
		policy = admissionregistrationv1.Fail
	}
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	path := Path
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "objects.notification.kubesphere.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: serviceNamespace, Name: serviceName, Path: &path}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{notificationv2beta2.GroupName}, APIVersions: []string{"v2beta2"},
					Resources: []string{"configs", "receivers", "routers", "silences"}},
			}},
			FailurePolicy:           &policy,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

type validator struct{ reader client.Reader }

func (v *validator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed("")
	}
	if len(req.Object.Raw) == 0 {
		return admission.Errored(http.StatusBadRequest, errors.New("admission request carries no object"))
	}
	decode := func(obj any) error {
		if err := json.Unmarshal(req.Object.Raw, obj); err != nil {
			return fmt.Errorf("decode %s: %w", req.Kind.Kind, err)
		}
		return nil
	}
	var err error
	switch req.Kind.Kind {
	case "Config":
		var c notificationv2beta2.Config
		if err = decode(&c); err == nil {
			err = notification.ValidateConfig(&c)
		}
	case "Receiver":
		var r notificationv2beta2.Receiver
		var configs notificationv2beta2.ConfigList
		if err = decode(&r); err == nil {
			if err = v.reader.List(ctx, &configs); err != nil {
				return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list configs: %w", err))
			}
			err = notification.ValidateReceiver(&r, configs.Items)
		}
	case "Router":
		var r notificationv2beta2.Router
		var receivers notificationv2beta2.ReceiverList
		if err = decode(&r); err == nil {
			if err = v.reader.List(ctx, &receivers); err != nil {
				return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list receivers: %w", err))
			}
			err = notification.ValidateRouter(&r, receivers.Items)
		}
	case "Silence":
		var s notificationv2beta2.Silence
		if err = decode(&s); err == nil {
			err = notification.ValidateSilence(&s)
		}
	default:
		return admission.Allowed("")
	}
	var ie *notification.InvalidError
	switch {
	case err == nil:
		return admission.Allowed("")
	case errors.As(err, &ie):
		return admission.Denied(err.Error())
	default:
		return admission.Errored(http.StatusBadRequest, err)
	}
}
