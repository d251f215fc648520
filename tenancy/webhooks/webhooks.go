package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/internal/usage"
)

// Paths the webhooks are served at.
const (
	UserPath           = "/validate-iam-kubesphere-io-v1beta1-user"
	WorkspaceQuotaPath = "/validate-quota-kubesphere-io-v1alpha2-workspace-quota"
)

// ConfigurationName is the name of the ValidatingWebhookConfiguration.
const ConfigurationName = "spherekit-tenancy"

// Options configures the webhooks. The zero value is ready to use.
type Options struct {
	// QuotaRetries bounds the compare-and-swap attempts of quota admission
	// under contention; zero means 20.
	QuotaRetries int
}

// SetupWithManager registers the tenancy webhook handlers on mgr's webhook
// server.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if opts.QuotaRetries < 0 {
		return fmt.Errorf("tenancy webhooks: invalid Options.QuotaRetries: must not be negative")
	}
	if opts.QuotaRetries == 0 {
		opts.QuotaRetries = 20
	}
	server := mgr.GetWebhookServer()
	server.Register(UserPath, &webhook.Admission{Handler: &userValidator{reader: mgr.GetAPIReader()}})
	server.Register(WorkspaceQuotaPath, &webhook.Admission{Handler: &quotaAdmission{
		client: mgr.GetClient(), reader: mgr.GetAPIReader(), retries: opts.QuotaRetries,
	}})
	return nil
}

// ValidatingWebhookConfiguration returns the configuration that sends user
// writes and creates in projects to the webhooks, with clientConfig
// pointing at service (namespace/name) on the paths above. testenv replaces
// the service with its local server.
func ValidatingWebhookConfiguration(serviceNamespace, serviceName string) *admissionregistrationv1.ValidatingWebhookConfiguration {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
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
				FailurePolicy:           &fail,
				SideEffects:             &none,
				TimeoutSeconds:          &timeout,
				AdmissionReviewVersions: []string{"v1"},
			},
			{
				Name:         "workspacequotas.quota.kubesphere.io",
				ClientConfig: svc(WorkspaceQuotaPath),
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"}, Scope: new(admissionregistrationv1.NamespacedScope)},
				}},
				// Only projects: namespaces that belong to a workspace.
				NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: tenantv1beta1.WorkspaceLabel, Operator: metav1.LabelSelectorOpExists,
				}}},
				FailurePolicy:           &fail,
				SideEffects:             &none,
				TimeoutSeconds:          &timeout,
				AdmissionReviewVersions: []string{"v1"},
			},
		},
	}
}

// userValidator refuses a user whose e-mail address another user has.
type userValidator struct {
	reader client.Reader
}

func (v *userValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	user := &iamv1beta1.User{}
	if err := decodeRaw(req.Object.Raw, user); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if user.Spec.Email == "" {
		return admission.Allowed("")
	}
	var users iamv1beta1.UserList
	if err := v.reader.List(ctx, &users); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list users: %w", err))
	}
	for _, u := range users.Items {
		if u.Name != user.Name && u.Spec.Email == user.Spec.Email {
			return admission.Denied(fmt.Sprintf("spec.email: %s is the e-mail address of user %q", user.Spec.Email, u.Name))
		}
	}
	return admission.Allowed("")
}

// quotaAdmission charges creates in projects to their workspace quotas.
type quotaAdmission struct {
	client  client.Client
	reader  client.Reader
	retries int
}

func (q *quotaAdmission) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Namespace == "" || req.DryRun != nil && *req.DryRun {
		return admission.Allowed("")
	}
	ns := &corev1.Namespace{}
	// The namespace and the list of quotas come from the cache; each quota
	// that applies is read live when it is charged.
	if err := q.client.Get(ctx, client.ObjectKey{Name: req.Namespace}, ns); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("get namespace: %w", err))
	}
	if req.SubResource != "" {
		return admission.Allowed("")
	}
	gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
	need, err := usage.Created(gr, req.Object.Raw)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var quotas quotav1alpha2.ResourceQuotaList
	if err := q.client.List(ctx, &quotas); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list workspace quotas: %w", err))
	}
	for _, wq := range quotas.Items {
		if len(wq.Spec.Selector) == 0 || !labels.SelectorFromSet(wq.Spec.Selector).Matches(labels.Set(ns.Labels)) {
			continue
		}
		if !covers(wq.Spec.Quota.Hard, need) {
			continue
		}
		if denied, err := q.charge(ctx, wq.Name, need); err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		} else if denied != "" {
			return admission.Denied(denied)
		}
	}
	return admission.Allowed("")
}

// charge adds need to the quota's total usage with a compare-and-swap, or
// returns why it does not fit.
func (q *quotaAdmission) charge(ctx context.Context, name string, need corev1.ResourceList) (string, error) {
	for attempt := 0; attempt < q.retries; attempt++ {
		wq := &quotav1alpha2.ResourceQuota{}
		if err := q.reader.Get(ctx, client.ObjectKey{Name: name}, wq); err != nil {
			return "", fmt.Errorf("get workspace quota %s: %w", name, err)
		}
		used := wq.Status.Total.Used.DeepCopy()
		if used == nil {
			used = corev1.ResourceList{}
		}
		for n, hard := range wq.Spec.Quota.Hard {
			req, ok := need[n]
			if !ok {
				continue
			}
			cur := used[n]
			sum := cur.DeepCopy()
			sum.Add(req)
			if sum.Cmp(hard) > 0 {
				return fmt.Sprintf("exceeded workspace quota %s: requested %s=%s, used %s=%s, limited %s=%s",
					name, n, req.String(), n, cur.String(), n, hard.String()), nil
			}
			used[n] = sum
		}
		wq.Status.Total.Used = used
		if wq.Status.Total.Hard == nil {
			wq.Status.Total.Hard = wq.Spec.Quota.Hard.DeepCopy()
		}
		err := q.client.Status().Update(ctx, wq, client.FieldOwner(controllers.QuotaAdmissionFieldOwner))
		if err == nil {
			return "", nil
		}
		if !apierrors.IsConflict(err) {
			return "", fmt.Errorf("charge workspace quota %s: %w", name, err)
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return "", fmt.Errorf("charge workspace quota %s: too much contention", name)
}

func covers(hard, need corev1.ResourceList) bool {
	for n := range need {
		if _, ok := hard[n]; ok {
			return true
		}
	}
	return false
}
