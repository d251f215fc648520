package prometheus_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// The package's one stack, started before the tests run (building
// Prometheus and kube-state-metrics the first time takes minutes; TestMain's
// time does not count against go test's timeout): a cluster with two
// simulated nodes serving usage metrics, kube-state-metrics on it, and a
// Prometheus scraping all of them.
var (
	cluster *testenv.Cluster
	ksm     *kubestatemetrics.Server
	prom    *prometheus.Server
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	if os.Getenv(helperEnv) != "" {
		runHelper()
		return
	}
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	var err error
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cluster, err = testenv.Start(ctx, testenv.Options{Nodes: 2, NodeMetrics: true, Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = cluster.Stop() }()
	ksm, err = kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{Progress: os.Stderr})
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
	return m.Run()
}
