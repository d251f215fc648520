package alertmanager_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/alertmanager"
)

// webhookMessage is the part of Alertmanager's webhook payload the tests
// read.
type webhookMessage struct {
	Version      string            `json:"version"`
	GroupKey     string            `json:"groupKey"`
	Receiver     string            `json:"receiver"`
	Status       string            `json:"status"`
	GroupLabels  map[string]string `json:"groupLabels"`
	CommonLabels map[string]string `json:"commonLabels"`
	ExternalURL  string            `json:"externalURL"`
	Alerts       []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		EndsAt      time.Time         `json:"endsAt"`
	} `json:"alerts"`
}

// webhookRecorder keeps every webhook payload it is sent.
type webhookRecorder struct {
	mu       sync.Mutex
	messages []webhookMessage
	errs     []string
}

func (h *webhookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m webhookMessage
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/alerts" {
		h.errs = append(h.errs, r.Method+" "+r.URL.Path+": "+string(body))
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	h.messages = append(h.messages, m)
}

// waitFor returns the first message, in the order received, about the
// alert named alertname with the status given, waiting up to 20 seconds.
func (h *webhookRecorder) waitFor(t *testing.T, alertname, status string) webhookMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h.mu.Lock()
		for _, m := range h.messages {
			if m.CommonLabels["alertname"] == alertname && m.Status == status {
				h.mu.Unlock()
				return m
			}
		}
		errs := strings.Join(h.errs, "\n")
		h.mu.Unlock()
		require.Empty(t, errs, "the webhook received requests it could not read")
		if time.Now().After(deadline) {
			require.Failf(t, "no webhook message", "no %s message about %s in 20 s; Alertmanager's log:\n%s", status, alertname, server.LogTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWebhookNotifiesFiringThenResolved posts an alert through the API
// and sees Alertmanager's webhook payload for it, then resolves it and
// sees the resolved notification.
func TestWebhookNotifiesFiringThenResolved(t *testing.T) {
	ctx := context.Background()
	labels := map[string]string{"alertname": "KubePodCrashLooping-" + t.Name(), "namespace": "demo", "severity": "critical"}
	alert := alertmanager.Alert{
		Labels:       labels,
		Annotations:  map[string]string{"summary": "web-0 restarts"},
		GeneratorURL: "http://prometheus.example/graph",
	}
	require.NoError(t, server.PostAlerts(ctx, alert))

	firing := hook.waitFor(t, labels["alertname"], "firing")
	assert.Equal(t, "4", firing.Version)
	assert.Equal(t, "hook", firing.Receiver)
	assert.Equal(t, map[string]string{"alertname": labels["alertname"]}, firing.GroupLabels)
	assert.Equal(t, server.URL(), firing.ExternalURL)
	require.Len(t, firing.Alerts, 1)
	assert.Equal(t, "firing", firing.Alerts[0].Status)
	assert.Equal(t, labels, firing.Alerts[0].Labels)
	assert.Equal(t, "web-0 restarts", firing.Alerts[0].Annotations["summary"])

	alert.EndsAt = time.Now().Add(-time.Second)
	require.NoError(t, server.PostAlerts(ctx, alert))
	resolved := hook.waitFor(t, labels["alertname"], "resolved")
	assert.Equal(t, "4", resolved.Version)
	assert.Equal(t, firing.GroupKey, resolved.GroupKey)
	require.Len(t, resolved.Alerts, 1)
	assert.Equal(t, "resolved", resolved.Alerts[0].Status)
	assert.Equal(t, labels, resolved.Alerts[0].Labels)
	assert.WithinDuration(t, alert.EndsAt, resolved.Alerts[0].EndsAt, time.Millisecond)
}

// TestServerAnswersAPI checks the build: the API reports the pinned
// version and the configuration Start wrote, and gossip is off.
func TestServerAnswersAPI(t *testing.T) {
	resp, err := http.Get(server.URL() + "/api/v2/status")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var status struct {
		Cluster struct {
			Status string `json:"status"`
		} `json:"cluster"`
		Config struct {
			Original string `json:"original"`
		} `json:"config"`
		VersionInfo struct {
			Version string `json:"version"`
		} `json:"versionInfo"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&status))
	assert.Equal(t, strings.TrimPrefix(alertmanager.Version, "v"), status.VersionInfo.Version)
	assert.Equal(t, "disabled", status.Cluster.Status)
	assert.Contains(t, status.Config.Original, "group_wait: 100ms")
	assert.Contains(t, status.Config.Original, "send_resolved: true")
	assert.Equal(t, "127.0.0.1", strings.Split(server.Address(), ":")[0])
}

func TestPostAlertsRefusesAnAlertWithoutLabels(t *testing.T) {
	err := server.PostAlerts(context.Background(), alertmanager.Alert{Labels: map[string]string{"alertname": "A"}}, alertmanager.Alert{})
	var oe *alertmanager.OptionsError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "alerts[1].Labels", oe.Field)

	err = server.PostAlerts(context.Background(), alertmanager.Alert{Labels: map[string]string{"": "no name"}})
	assert.ErrorContains(t, err, "400", "Alertmanager's refusal is returned")
}

func TestStartRefusesOptions(t *testing.T) {
	hookURL := []string{"http://127.0.0.1:1/hook"}
	for _, tc := range []struct {
		name  string
		opts  alertmanager.Options
		field string
	}{
		{"a negative timeout", alertmanager.Options{StartTimeout: -time.Second}, "StartTimeout"},
		{"a config with receivers", alertmanager.Options{Config: "route: {receiver: x}\nreceivers: [{name: x}]\n", Receivers: []alertmanager.Receiver{{Name: "x"}}}, "Config"},
		{"a config with a route", alertmanager.Options{Config: "route: {receiver: x}\nreceivers: [{name: x}]\n", Route: alertmanager.Route{GroupWait: time.Second}}, "Config"},
		{"a receiver without a name", alertmanager.Options{Receivers: []alertmanager.Receiver{{WebhookURLs: hookURL}}}, "Receivers[0].Name"},
		{"two receivers of one name", alertmanager.Options{Receivers: []alertmanager.Receiver{{Name: "a"}, {Name: "a"}}}, "Receivers[1].Name"},
		{"a webhook URL that is no URL", alertmanager.Options{Receivers: []alertmanager.Receiver{{Name: "a", WebhookURLs: []string{"127.0.0.1:1/hook"}}}}, "Receivers[0].WebhookURLs[0]"},
		{"a route to an unknown receiver", alertmanager.Options{Receivers: []alertmanager.Receiver{{Name: "a"}}, Route: alertmanager.Route{Receiver: "b"}}, "Route.Receiver"},
		{"a route to discard beside receivers", alertmanager.Options{Receivers: []alertmanager.Receiver{{Name: "a"}}, Route: alertmanager.Route{Receiver: "discard"}}, "Route.Receiver"},
		{"a negative wait", alertmanager.Options{Route: alertmanager.Route{GroupWait: -time.Second}}, "Route.GroupWait"},
		{"a fraction of a millisecond", alertmanager.Options{Route: alertmanager.Route{GroupInterval: 1500 * time.Microsecond}}, "Route.GroupInterval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := alertmanager.Start(context.Background(), tc.opts)
			var oe *alertmanager.OptionsError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tc.field, oe.Field)
		})
	}
}

// TestStartWithConfig starts a second server from a raw configuration,
// then one Alertmanager refuses, and checks Stop.
func TestStartWithConfig(t *testing.T) {
	ctx := context.Background()
	s, err := alertmanager.Start(ctx, alertmanager.Options{Config: "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n"})
	require.NoError(t, err)
	require.NoError(t, s.PostAlerts(ctx, alertmanager.Alert{Labels: map[string]string{"alertname": "Dropped"}}))
	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "a second Stop")
	_, err = http.Get(s.URL() + "/-/ready")
	assert.Error(t, err, "nothing answers after Stop")

	_, err = alertmanager.Start(ctx, alertmanager.Options{Config: "route:\n  receiver: missing\n"})
	var se *alertmanager.StartError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.LogTail, "missing", "the log tail says which receiver is missing")
}
