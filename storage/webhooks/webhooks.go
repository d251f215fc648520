package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// ClaimPath is the path the claim webhook is served at.
const ClaimPath = "/validate-v1-persistentvolumeclaim-accessor"

// ConfigurationName is the name of the ValidatingWebhookConfiguration.
const ConfigurationName = "spherekit-storage"

// Options configures the webhooks. The zero value is ready to use; pass
// the same Options to SetupWithManager and ValidatingWebhookConfiguration.
type Options struct {
	// FailurePolicy is the claim webhook's failure policy; empty means
	// Fail: no claim of any class is created while the webhook server is
	// unreachable, and no Accessor can be bypassed. Ignore lets claims
	// through unchecked meanwhile.
	FailurePolicy admissionregistrationv1.FailurePolicyType
}

// SetupWithManager registers the claim webhook on mgr's webhook server.
// It reads Accessors, Namespaces and Workspaces from mgr's cache, keeping
// a storage.AccessorIndex rebuilt after any Accessor changes.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	v := &claimValidator{reader: mgr.GetClient()}
	v.dirty.Store(true)
	inf, err := mgr.GetCache().GetInformer(ctx, &storagev1alpha1.Accessor{})
	if err != nil {
		return fmt.Errorf("storage webhooks: watch accessors: %w", err)
	}
	mark := func(any) { v.dirty.Store(true) }
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    mark,
		UpdateFunc: func(_, o any) { mark(o) },
		DeleteFunc: mark,
	}); err != nil {
		return fmt.Errorf("storage webhooks: watch accessors: %w", err)
	}
	mgr.GetWebhookServer().Register(ClaimPath, &webhook.Admission{Handler: v})
	return nil
}

// ValidatingWebhookConfiguration returns the configuration that sends
// claim creations to the claim webhook, with clientConfig pointing at
// service (namespace/name) on ClaimPath. testenv replaces the service with
// its local server.
func ValidatingWebhookConfiguration(serviceNamespace, serviceName string, opts Options) *admissionregistrationv1.ValidatingWebhookConfiguration {
	policy := opts.FailurePolicy
	if policy == "" {
		policy = admissionregistrationv1.Fail
	}
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	path := ClaimPath
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "pvc-accessor.storage.kubesphere.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: serviceNamespace, Name: serviceName, Path: &path}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"persistentvolumeclaims"}},
			}},
			FailurePolicy:           &policy,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

// claimValidator admits claim creations by the Accessors of their class.
type claimValidator struct {
	reader client.Reader
	dirty  atomic.Bool
	mu     sync.Mutex
	index  atomic.Pointer[storage.AccessorIndex]
}

// currentIndex returns the index, rebuilt from the cache when an Accessor
// changed since it was built. The flag is cleared before the list, so a
// change during a rebuild marks the index stale again.
func (v *claimValidator) currentIndex(ctx context.Context) (*storage.AccessorIndex, error) {
	if !v.dirty.Load() {
		return v.index.Load(), nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.dirty.Swap(false) {
		return v.index.Load(), nil
	}
	var list storagev1alpha1.AccessorList
	if err := v.reader.List(ctx, &list); err != nil {
		v.dirty.Store(true)
		return nil, fmt.Errorf("list accessors: %w", err)
	}
	x := storage.NewAccessorIndex(list.Items)
	v.index.Store(x)
	return x, nil
}

func (v *claimValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create {
		return admission.Allowed("")
	}
	pvc := &corev1.PersistentVolumeClaim{}
	if len(req.Object.Raw) == 0 {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("admission request carries no object"))
	}
	if err := json.Unmarshal(req.Object.Raw, pvc); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode persistent volume claim: %w", err))
	}
	class := storage.ClaimClass(pvc)
	if class == "" {
		return admission.Allowed("")
	}
	x, err := v.currentIndex(ctx)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	namespace := req.Namespace
	if namespace == "" {
		namespace = pvc.Namespace
	}
	switch err := x.Admit(ctx, v.reader, class, namespace); {
	case err == nil:
		return admission.Allowed("")
	case errors.Is(err, storage.ErrAccessDenied), errors.Is(err, storage.ErrNotFound):
		return admission.Denied(err.Error())
	default:
		return admission.Errored(http.StatusInternalServerError, err)
	}
}
