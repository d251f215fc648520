package notification_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/mailpit"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// The package's real servers: an API server the Secrets of credentials and
// the notification objects are read from, a mailpit SMTP server email is
// delivered to, and a VictoriaLogs the history is kept in.
var (
	env   *testenv.Cluster
	mail  *mailpit.Server
	store *logstore.VictoriaLogs
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
	var err error
	if env, err = testenv.Start(ctx, testenv.Options{Progress: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	if mail, err = mailpit.Start(ctx, mailpit.Options{Progress: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = mail.Stop() }()
	vlogs, err := victorialogs.Start(ctx, victorialogs.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = vlogs.Stop() }()
	if store, err = logstore.NewVictoriaLogs(vlogs.URL(), logstore.VictoriaLogsOptions{StreamFields: logscope.StreamFields}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
