package controllers_test

import (
	"fmt"
	"log"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

func ExampleSetupWithManager() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	ctx := ctrl.SetupSignalHandler()
	err = controllers.SetupWithManager(ctx, mgr, controllers.Options{
		LoginFailureLimit:  5,
		LoginFailureWindow: 30 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := mgr.Start(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleQuotaMeterName() {
	fmt.Println(controllers.QuotaMeterName("team-a"))
	// Output: spherekit-quota-team-a
}
