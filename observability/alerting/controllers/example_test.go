package controllers_test

import (
	"context"
	"log"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/observability/alerting/controllers"
)

// Register the three reconcilers with a manager, writing PrometheusRules
// into the namespace prometheus-operator watches.
func ExampleSetupWithManager() {
	ctx := ctrl.SetupSignalHandler()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, spherekit.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(scheme); err != nil {
			log.Fatal(err)
		}
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{Output: controllers.Output{Namespace: "monitoring"}}); err != nil {
		log.Fatal(err)
	}
	if err := mgr.Start(ctx); err != nil {
		log.Fatal(err)
	}
}

// Without prometheus-operator: write rules files into the folder
// Prometheus loads (rule_files: [/etc/prometheus/rules/*.yaml]) and have
// it reload them (it runs with --web.enable-lifecycle).
func ExampleRulesFiles() {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, spherekit.AddToScheme} {
		if err := add(scheme); err != nil {
			log.Fatal(err)
		}
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	files := &controllers.RulesFiles{Dir: "/etc/prometheus/rules", PrometheusURL: "http://prometheus:9090"}
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{Output: controllers.Output{RulesFiles: files}}); err != nil {
		log.Fatal(err)
	}
	if err := mgr.Start(ctx); err != nil {
		log.Fatal(err)
	}
}

// A reconciler registered on its own, with the other two left out.
func ExampleRuleGroupReconciler_SetupWithManager() {
	ctx := ctrl.SetupSignalHandler()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	_ = monitoringv1.AddToScheme(scheme)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	r := &controllers.RuleGroupReconciler{Client: mgr.GetClient(), Output: &controllers.Output{}}
	if err := r.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: 2}); err != nil {
		log.Fatal(err)
	}
}
