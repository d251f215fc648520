package webhooks_test

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/network/ippools/webhooks"
)

// A host registers the handlers with its manager and installs the
// configuration, pointing at the Service in front of the manager's webhook
// server.
func ExampleSetupWithManager() {
	var mgr ctrl.Manager // the host's manager, with a webhook server
	if mgr == nil {
		return
	}
	if err := webhooks.SetupWithManager(context.Background(), mgr, webhooks.Options{}); err != nil {
		fmt.Println(err)
	}
}

func ExampleValidatingWebhookConfiguration() {
	cfg := webhooks.ValidatingWebhookConfiguration("kubesphere-system", "spherekit-webhooks", webhooks.Options{})
	for _, w := range cfg.Webhooks {
		fmt.Println(w.Name, *w.ClientConfig.Service.Path, *w.FailurePolicy, len(w.MatchConditions))
	}
	// Output:
	// ippools.network.kubesphere.io /validate-network-kubesphere-io-v1alpha1-ippool Fail 0
	// ippool-namespaces.network.kubesphere.io /validate-ippool-annotations Fail 1
	// ippool-pods.network.kubesphere.io /validate-ippool-annotations Fail 1
}
