package kubestatemetrics_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
)

// Run kube-state-metrics against a testenv cluster, exporting pods' app
// label besides namespaces' workspace label.
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cluster, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()

	allow := kubestatemetrics.DefaultMetricLabelsAllowlist()
	allow["pods"] = []string{"app"}
	ksm, err := kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{MetricLabelsAllowlist: allow})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = ksm.Stop() }()
	fmt.Println("metrics at", ksm.MetricsURL())
}
