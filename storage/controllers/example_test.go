package controllers_test

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/storage/controllers"
)

// The allow-snapshot and allow-clone rule.
func ExampleDesiredFlag() {
	show := func(v string, apply bool) { fmt.Printf("%q %v\n", v, apply) }
	show(controllers.DesiredFlag("", false, false, true, true))     // missing: set
	show(controllers.DesiredFlag("false", true, false, true, true)) // a user's valid value: kept
	show(controllers.DesiredFlag("maybe", true, false, true, true)) // invalid: replaced
	show(controllers.DesiredFlag("false", true, true, true, true))  // the controllers' own: follows the cluster
	show(controllers.DesiredFlag("true", true, true, false, false)) // no CSIDriver: dropped
	// Output:
	// "true" true
	// "" false
	// "true" true
	// "true" true
	// "" false
}

// Register every storage reconciler with a manager.
func ExampleSetupWithManager() {
	var mgr ctrl.Manager // its scheme has spherekit.AddToScheme (and the snapshot API)
	if err := controllers.SetupWithManager(context.Background(), mgr, controllers.Options{}); err != nil {
		fmt.Println(err)
	}
}
