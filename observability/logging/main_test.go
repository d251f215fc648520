package logging_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// The package's real stack: an API server (namespaces and workspaces, for
// their labels and creation times) and a VictoriaLogs holding the records.
var (
	cluster *testenv.Cluster
	vlogs   *victorialogs.Server
	store   *logstore.VictoriaLogs
)

const maxQueryLength = 1 << 20

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
	if cluster, err = testenv.Start(ctx, testenv.Options{Progress: os.Stderr}); err != nil {
		return fail(err)
	}
	defer func() { _ = cluster.Stop() }()
	// Queries of a user granted many namespaces one by one, and the
	// benchmark's per-namespace anchor, are longer than VictoriaLogs'
	// default limit.
	if vlogs, err = victorialogs.Start(ctx, victorialogs.Options{Progress: os.Stderr, ExtraFlags: []string{"-search.maxQueryLen=" + strconv.Itoa(maxQueryLength)}}); err != nil {
		return fail(err)
	}
	defer func() { _ = vlogs.Stop() }()
	if store, err = logstore.NewVictoriaLogs(vlogs.URL(), logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields, MaxQueryLength: maxQueryLength}); err != nil {
		return fail(err)
	}
	return m.Run()
}
