package webhooks

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Paths the webhooks are served at.
const (
	UserPath           = "/validate-iam-kubesphere-io-v1beta1-user"
	WorkspaceQuotaPath = "/validate-quota-kubesphere-io-v1alpha2-workspace-quota"
)

// ConfigurationName is the name of the ValidatingWebhookConfiguration.
const ConfigurationName = "spherekit-tenancy"

// Options configures the webhooks. The zero value is ready to use. Pass
// the same Options to SetupWithManager and ValidatingWebhookConfiguration.
type Options struct {
	// Authorizer decides the escalation checks on iam roles and bindings
	// for the requesting user. Nil means one SetupWithManager builds over
	// the manager's cache with native RBAC included (authz.Options
	// NativeRBAC), so identities granted bind or escalate through native
	// ClusterRoles, such as the tenancy controllers' own service account,
	// pass.
	Authorizer *authz.Authorizer

	// QuotaRetries bounds the compare-and-swap attempts quota admission
	// makes on one workspace quota while other writers win; zero means 30.
	// Between attempts it waits a jittered delay doubling from 5ms to
	// 250ms, and it stops when the request's context ends or 6s have
	// passed, short of the webhook's 10s timeout.
	QuotaRetries int

	// QuotaFailurePolicy is the quota webhook's failure policy; empty means
	// Fail. With Fail, creates of what a workspace quota limits are refused
	// in the workspace's projects while the webhook server is unreachable
	// or slow: no quota can be exceeded, but the projects depend on the
	// server's availability. With Ignore, such creates pass uncharged
	// instead, and a workspace can exceed its quota by what was created
	// meanwhile (each project's meter still bounds the project alone);
	// choose it when availability of the projects matters more than the
	// workspace-wide limit.
	QuotaFailurePolicy admissionregistrationv1.FailurePolicyType

	// StaticQuotaRules leaves the quota webhook's rules as installed
	// instead of registering a QuotaRulesReconciler, which needs to update
	// the ValidatingWebhookConfiguration. The installed rules cover every
	// compute, storage and standard object-count limit; quotas counting
	// other objects (count/deployments.apps ...) are then enforced only
	// per project unless the host adds their resources to the rules (or
	// registers the reconciler itself, for instance with
	// controller.Options.SkipNameValidation when several managers share a
	// process).
	StaticQuotaRules bool

	// EmailClaimNamespace is the namespace of the Leases that index user
	// e-mail addresses (see EmailClaimName); empty means
	// DefaultEmailClaimNamespace. The webhook's identity must be allowed
	// to get, create, update and delete Leases there.
	EmailClaimNamespace string
}

// SetupWithManager registers the tenancy webhook handlers on mgr's webhook
// server.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if err := setupUsers(ctx, mgr, opts); err != nil {
		return err
	}
	if err := setupEscalation(ctx, mgr, opts); err != nil {
		return err
	}
	return setupQuota(mgr, opts)
}

// ValidatingWebhookConfiguration returns the configuration that sends user
// writes and creates in projects to the webhooks, with clientConfig
// pointing at service (namespace/name) on the paths above. testenv replaces
// the service with its local server. The quota webhook's rules start with
// the standard quota-able resources; QuotaRulesReconciler narrows them to
// what the existing quotas limit.
func ValidatingWebhookConfiguration(serviceNamespace, serviceName string, opts Options) *admissionregistrationv1.ValidatingWebhookConfiguration {
	fail := admissionregistrationv1.Fail
	noneOnDryRun := admissionregistrationv1.SideEffectClassNoneOnDryRun
	ignore := admissionregistrationv1.Ignore
	timeout := int32(10)
	// Writes at iam v1alpha2 arrive converted to v1beta1.
	equivalent := admissionregistrationv1.Equivalent
	svc := func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: serviceNamespace, Name: serviceName, Path: &path}}
	}
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			{
				Name:         "users.iam.kubesphere.io",
				ClientConfig: svc(UserPath),
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{iamv1beta1.GroupName}, APIVersions: []string{"v1beta1"}, Resources: []string{iamv1beta1.ResourceUsers}},
				}},
				MatchPolicy:   &equivalent,
				FailurePolicy: &fail,
				// It writes the e-mail claims (see EmailClaimName).
				SideEffects:             &noneOnDryRun,
				TimeoutSeconds:          &timeout,
				AdmissionReviewVersions: []string{"v1"},
			},
			{
				// Releases a deleted user's e-mail claim at once. Without
				// it the claim lapses a minute after it was last written,
				// so deletes need not wait for the webhook.
				Name:         "user-deletions.iam.kubesphere.io",
				ClientConfig: svc(UserPath),
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Delete},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{iamv1beta1.GroupName}, APIVersions: []string{"v1beta1"}, Resources: []string{iamv1beta1.ResourceUsers}},
				}},
				MatchPolicy:             &equivalent,
				FailurePolicy:           &ignore,
				SideEffects:             &noneOnDryRun,
				TimeoutSeconds:          &timeout,
				AdmissionReviewVersions: []string{"v1"},
			},
			escalationWebhook(svc(EscalationPath)),
			quotaWebhook(svc(WorkspaceQuotaPath), opts),
		},
	}
}
