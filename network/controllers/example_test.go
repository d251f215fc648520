package controllers_test

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/network/controllers"
)

// A host registers the network controllers with its manager; an ingress
// controller's namespace may reach every isolated project.
func ExampleSetupWithManager() {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		panic(err)
	}
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{
		AllowedIngressNamespaces: []string{"ingress-nginx"},
	}); err != nil {
		panic(err)
	}
	_ = mgr.Start(ctx)
}
