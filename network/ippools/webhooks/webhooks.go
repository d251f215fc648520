package webhooks

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// Paths the webhooks are served at.
const (
	PoolPath        = "/validate-network-kubesphere-io-v1alpha1-ippool"
	AnnotationsPath = "/validate-ippool-annotations"
)

// ConfigurationName is the name of the ValidatingWebhookConfiguration.
const ConfigurationName = "spherekit-ippools"

// Calico's annotations that choose pools or addresses for pods.
const (
	// IPv4PoolsAnnotation and IPv6PoolsAnnotation, on a namespace or a
	// pod, list (as a JSON array of names) the Calico pools its pods take
	// addresses from.
	IPv4PoolsAnnotation = "cni.projectcalico.org/ipv4pools"
	IPv6PoolsAnnotation = "cni.projectcalico.org/ipv6pools"
	// IPAddrsAnnotation on a pod asks for exact addresses (a JSON array).
	IPAddrsAnnotation = "cni.projectcalico.org/ipAddrs"
)

// Options configures the webhooks. The zero value is ready to use. Pass the
// same Options to SetupWithManager and ValidatingWebhookConfiguration.
type Options struct {
	// FailurePolicy of both webhooks; empty means Fail: while the webhook
	// server is unreachable, pool writes and the pods and namespaces that
	// name pools are refused (other pods and namespaces are never sent to
	// it). Ignore lets them through unchecked instead.
	FailurePolicy admissionregistrationv1.FailurePolicyType
}

func (o Options) validate() error {
	switch o.FailurePolicy {
	case "", admissionregistrationv1.Fail, admissionregistrationv1.Ignore:
		return nil
	}
	return fmt.Errorf("ippool webhooks: Options.FailurePolicy %q is neither Fail nor Ignore", o.FailurePolicy)
}

// SetupWithManager registers the IP pool webhook handlers on mgr's webhook
// server. They read pools, workspaces and namespaces live from the API
// server (mgr.GetAPIReader()), so a pool created a moment ago counts.
func SetupWithManager(_ context.Context, mgr ctrl.Manager, opts Options) error {
	if err := opts.validate(); err != nil {
		return err
	}
	srv := mgr.GetWebhookServer()
	srv.Register(PoolPath, &webhook.Admission{Handler: &poolValidator{reader: mgr.GetAPIReader()}})
	srv.Register(AnnotationsPath, &webhook.Admission{Handler: &annotationValidator{reader: mgr.GetAPIReader()}})
	return nil
}

// ValidatingWebhookConfiguration returns the configuration that sends IP
// pool writes, and pods and namespaces naming pools, to the webhooks, with
// clientConfig pointing at service (namespace/name) on the paths above.
// testenv replaces the service with its local server.
func ValidatingWebhookConfiguration(serviceNamespace, serviceName string, opts Options) *admissionregistrationv1.ValidatingWebhookConfiguration {
	policy := opts.FailurePolicy
	if policy == "" {
		policy = admissionregistrationv1.Fail
	}
	none := admissionregistrationv1.SideEffectClassNone
	timeout := int32(10)
	svc := func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: serviceNamespace, Name: serviceName, Path: &path}}
	}
	hook := func(name, path string, rules []admissionregistrationv1.RuleWithOperations, conds []admissionregistrationv1.MatchCondition) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            svc(path),
			Rules:                   rules,
			MatchConditions:         conds,
			FailurePolicy:           &policy,
			SideEffects:             &none,
			TimeoutSeconds:          &timeout,
			AdmissionReviewVersions: []string{"v1"},
		}
	}
	rule := func(group, resource string, ops ...admissionregistrationv1.OperationType) []admissionregistrationv1.RuleWithOperations {
		version := "v1"
		if group == networkv1alpha1.GroupName {
			version = networkv1alpha1.SchemeGroupVersion.Version
		}
		return []admissionregistrationv1.RuleWithOperations{{
			Operations: ops,
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{version}, Resources: []string{resource}},
		}}
	}
	// CEL: the object (or, on delete, nothing) carries one of Calico's
	// pool annotations.
	names := func(keys ...string) []admissionregistrationv1.MatchCondition {
		expr := "object != null && has(object.metadata.annotations) && ("
		for i, k := range keys {
			if i > 0 {
				expr += " || "
			}
			expr += fmt.Sprintf("'%s' in object.metadata.annotations", k)
		}
		return []admissionregistrationv1.MatchCondition{{Name: "names-calico-pools", Expression: expr + ")"}}
	}
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigurationName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			hook("ippools.network.kubesphere.io", PoolPath,
				rule(networkv1alpha1.GroupName, "ippools", admissionregistrationv1.Create, admissionregistrationv1.Update, admissionregistrationv1.Delete), nil),
			hook("ippool-namespaces.network.kubesphere.io", AnnotationsPath,
				rule("", "namespaces", admissionregistrationv1.Create, admissionregistrationv1.Update),
				names(IPv4PoolsAnnotation, IPv6PoolsAnnotation)),
			hook("ippool-pods.network.kubesphere.io", AnnotationsPath,
				rule("", "pods", admissionregistrationv1.Create),
				names(IPv4PoolsAnnotation, IPv6PoolsAnnotation, IPAddrsAnnotation)),
		},
	}
}
