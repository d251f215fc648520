package alertmanager_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/alertmanager"
)

// server is the package's Alertmanager, started before the tests run (the
// first build takes minutes; TestMain's time does not count against go
// test's timeout, and .ci/run builds it this way with -run '^$'). Its one
// receiver, "hook", posts to hook; the route groups by alertname, so each
// test's alerts, named after the test, notify on their own.
var (
	server *alertmanager.Server
	hook   *webhookRecorder
)

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	hook = &webhookRecorder{}
	hookServer := httptest.NewServer(hook)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	var err error
	server, err = alertmanager.Start(ctx, alertmanager.Options{
		Receivers: []alertmanager.Receiver{{Name: "hook", WebhookURLs: []string{hookServer.URL + "/alerts"}}},
		Route:     alertmanager.Route{GroupBy: []string{"alertname"}},
		Progress:  os.Stderr,
	})
	cancel()
	if err != nil {
		hookServer.Close()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = server.Stop()
	hookServer.Close()
	os.Exit(code)
}
