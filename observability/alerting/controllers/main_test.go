package controllers_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/observability/alerting/controllers"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/promoperator"
)

// env is an API server with the spherekit CRDs and prometheus-operator's
// own CRDs (so every PrometheusRule written is checked against the
// operator's schema), whose manager runs the three alerting reconcilers
// with their defaults: PrometheusRules in kubesphere-monitoring-system. No
// operator runs: the tests check the objects the API server stores.
var env *testenv.Environment

const monitoringNamespace = alertingv2beta1.DefaultPrometheusRuleNamespace

func TestMain(m *testing.M) {
	ctx := context.Background()
	defs, err := promoperator.CRDs(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(testenv.RunWithManager(ctx, testenv.RunInput{
		M:       m,
		Options: testenv.Options{CRDs: defs, Scheme: newScheme()},
		SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
			return controllers.SetupWithManager(ctx, mgr, controllers.Options{})
		},
		SetupEnv: func(ctx context.Context, e *testenv.Environment) error {
			env = e
			return e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: monitoringNamespace}})
		},
	}))
}

// newScheme knows the built-in kinds, CRDs, spherekit's groups and
// prometheus-operator's monitoring/v1.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, spherekit.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func name(prefix string) string { return prefix + "-" + rand.String(6) }
