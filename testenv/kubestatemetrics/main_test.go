package kubestatemetrics_test

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
)

// The package's cluster (API only) and kube-state-metrics with the default
// options, started before the tests run (building kube-state-metrics the
// first time takes minutes; TestMain's time does not count against go
// test's timeout).
var (
	cluster *testenv.Cluster
	ksm     *kubestatemetrics.Server
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	var err error
	cluster, err = testenv.Start(ctx, testenv.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = cluster.Stop() }()
	ksm, err = kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = ksm.Stop() }()
	return m.Run()
}
