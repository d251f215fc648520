package alertmanager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/spherekit/spherekit/testenv/alertmanager"
)

// Start an Alertmanager whose one receiver posts to a test's own HTTP
// server, post an alert through its API and read the webhook payload.
func ExampleServer_PostAlerts() {
	got := make(chan string, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Version string `json:"version"`
			Status  string `json:"status"`
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- "version " + m.Version + ", " + m.Status
	}))
	defer receiver.Close()

	ctx := context.Background()
	am, err := alertmanager.Start(ctx, alertmanager.Options{
		Receivers: []alertmanager.Receiver{{Name: "test", WebhookURLs: []string{receiver.URL}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = am.Stop() }()
	err = am.PostAlerts(ctx, alertmanager.Alert{Labels: map[string]string{"alertname": "DiskFull", "namespace": "demo"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	select {
	case m := <-got:
		fmt.Println(m)
	case <-time.After(20 * time.Second):
		fmt.Println("no notification")
	}
	// Output: version 4, firing
}
