package notification_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/mailpit"
)

// The package's real servers: an API server the Secrets of credentials are
// read from, and a mailpit SMTP server email is delivered to.
var (
	env  *testenv.Cluster
	mail *mailpit.Server
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
	return m.Run()
}
