package mailpit_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/mailpit"
)

// server is the package's mailpit, started before the tests run (the
// first build takes minutes; TestMain's time does not count against go
// test's timeout, and .ci/run builds it this way with -run '^$').
var server *mailpit.Server

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	var err error
	server, err = mailpit.Start(ctx, mailpit.Options{Progress: os.Stderr})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = server.Stop()
	os.Exit(code)
}
