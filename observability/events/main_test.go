package events_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// The package's real stack: an API server the tests write Events to, and
// a VictoriaLogs the exporters write them into.
var (
	cluster *testenv.Cluster
	store   *logstore.VictoriaLogs
)

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	ctrllog.SetLogger(logr.Discard())
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
	if cluster, err = testenv.Start(ctx, testenv.Options{Progress: os.Stderr}); err != nil {
		return fail(err)
	}
	defer func() { _ = cluster.Stop() }()
	vlogs, err := victorialogs.Start(ctx, victorialogs.Options{Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = vlogs.Stop() }()
	if store, err = logstore.NewVictoriaLogs(vlogs.URL(), logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields}); err != nil {
		return fail(err)
	}
	return m.Run()
}
