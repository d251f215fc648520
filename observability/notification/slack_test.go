package notification_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// slackAPI is an HTTP server that checks requests against the documented
// format of Slack's chat.postMessage (Slack itself cannot be reached from
// the test machine): POST, a bearer token, a JSON body with channel and
// text; it answers {"ok": true} or, for channel #missing, Slack's
// channel_not_found error.
type slackAPI struct {
	mu    sync.Mutex
	posts []map[string]string
}

func (s *slackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer xoxb-test" || r.Header.Get("Content-Type") != "application/json" {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "not_authed"})
		return
	}
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["channel"] == "" || body["text"] == "" {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	if body["channel"] == "#missing" {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, body)
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true})
}

func TestSendSlack(t *testing.T) {
	ctx := context.Background()
	api := &slackAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{Value: "xoxb-test"}}
	text, err := notification.RenderText(notification.NewData([]notification.Alert{alert("PodCrash", "namespace", "demo")}, map[string]string{"alertname": "PodCrash"}))
	require.NoError(t, err)
	require.NoError(t, notification.SendSlack(ctx, notification.Secrets{}, cfg, &notificationv2beta2.SlackReceiver{Channels: []string{"#ops", "#demo"}}, text, srv.URL, 0))
	require.Len(t, api.posts, 2)
	assert.Equal(t, "#ops", api.posts[0]["channel"])
	assert.Contains(t, api.posts[0]["text"], "[firing] alertname=PodCrash")

	err = notification.SendSlack(ctx, notification.Secrets{}, cfg, &notificationv2beta2.SlackReceiver{Channels: []string{"#missing"}}, text, srv.URL, 0)
	require.ErrorContains(t, err, "channel_not_found")
	bad := &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{Value: "wrong"}}
	require.ErrorContains(t, notification.SendSlack(ctx, notification.Secrets{}, bad, &notificationv2beta2.SlackReceiver{Channels: []string{"#ops"}}, text, srv.URL, 0), "not_authed")
	var ie *notification.InvalidError
	require.ErrorAs(t, notification.SendSlack(ctx, notification.Secrets{}, cfg, &notificationv2beta2.SlackReceiver{}, text, srv.URL, 0), &ie)
	assert.Equal(t, "spec.slack.channels", ie.Field)
}
