package victorialogs_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// server is the package's VictoriaLogs, started before the tests run (the
// first build takes minutes; TestMain's time does not count against go
// test's timeout, and .ci/run builds it this way with -run '^$').
var server *victorialogs.Server

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	var err error
	server, err = victorialogs.Start(ctx, victorialogs.Options{Progress: os.Stderr})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = server.Stop()
	os.Exit(code)
}
