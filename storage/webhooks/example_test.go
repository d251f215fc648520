package webhooks_test

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/storage/webhooks"
)

// The configuration a host installs, pointed at its webhook Service.
func ExampleValidatingWebhookConfiguration() {
	cfg := webhooks.ValidatingWebhookConfiguration("kubesphere-system", "spherekit-webhooks", webhooks.Options{})
	w := cfg.Webhooks[0]
	fmt.Println(w.Name, *w.ClientConfig.Service.Path, w.Rules[0].Operations, *w.FailurePolicy)
	// Output: pvc-accessor.storage.kubesphere.io /validate-v1-persistentvolumeclaim-accessor [CREATE] Fail
}

// Serve the claim webhook from a manager.
func ExampleSetupWithManager() {
	var mgr ctrl.Manager
	if err := webhooks.SetupWithManager(context.Background(), mgr, webhooks.Options{}); err != nil {
		fmt.Println(err)
	}
}
