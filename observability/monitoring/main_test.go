package monitoring_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/observability/monitoring"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// The package's real stack, started before the tests run (the first build
// of Prometheus and kube-state-metrics takes minutes; TestMain's time does
// not count against go test's timeout): a cluster with two simulated nodes
// serving usage metrics, kube-state-metrics on it, and a Prometheus
// scraping them with the package's recording rules loaded.
var (
	cluster *testenv.Cluster
	prom    *prometheus.Server
)

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var err error
	cluster, err = testenv.Start(ctx, testenv.Options{Nodes: 2, NodeMetrics: true, Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = cluster.Stop() }()
	ksm, err := kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = ksm.Stop() }()
	jobs, err := prometheus.ClusterScrapeConfigs(cluster, prometheus.ClusterTargets{KubeStateMetrics: ksm.Address()})
	if err != nil {
		return fail(err)
	}
	prom, err = prometheus.Start(ctx, prometheus.Options{ScrapeConfigs: jobs, Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = prom.Stop() }()
	if err := prom.SetRules(ctx, "spherekit-recording", string(monitoring.RecordingRules())); err != nil {
		return fail(err)
	}
	if err := prom.WaitForTargets(ctx); err != nil {
		return fail(err)
	}
	return m.Run()
}
