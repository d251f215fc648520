package notification_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// Telegram and Discord cannot be reached from the test machine: these
// HTTP servers check requests against the services' documented formats
// (Telegram's Bot API sendMessage; Discord's execute-webhook) and answer
// as they do.

type recorder struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (r *recorder) add(b map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bodies = append(r.bodies, b)
}

func TestSendTelegram(t *testing.T) {
	rec := &recorder{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/bot123:secret/sendMessage":
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		case json.NewDecoder(r.Body).Decode(&body) != nil || body["chat_id"] == "" || body["text"] == "":
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "description": "Bad Request: message text is empty"})
		case body["chat_id"] == "@gone":
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "description": "Bad Request: chat not found"})
		default:
			rec.add(body)
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{"message_id": 1}})
		}
	}))
	defer api.Close()
	ctx := context.Background()
	cfg := &notificationv2beta2.TelegramConfig{TelegramTokenSecret: &notificationv2beta2.Credential{Value: "123:secret"}}
	r := &notificationv2beta2.TelegramReceiver{Channels: []string{"@ops"}, MentionedUsers: []string{"alice", "bob"}}
	require.NoError(t, notification.SendTelegram(ctx, notification.Secrets{}, cfg, r, "PodCrash in demo", api.URL, 0))
	require.Len(t, rec.bodies, 1)
	assert.Equal(t, map[string]any{"chat_id": "@ops", "text": "PodCrash in demo\n@alice @bob "}, rec.bodies[0])

	err := notification.SendTelegram(ctx, notification.Secrets{}, cfg, &notificationv2beta2.TelegramReceiver{Channels: []string{"@gone"}}, "x", api.URL, 0)
	require.ErrorContains(t, err, "chat not found")
	wrong := &notificationv2beta2.TelegramConfig{TelegramTokenSecret: &notificationv2beta2.Credential{Value: "999:other"}}
	err = notification.SendTelegram(ctx, notification.Secrets{}, wrong, r, "x", api.URL, 0)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "999:other", "the bot token stays out of errors")
}

func TestSendDiscord(t *testing.T) {
	rec := &recorder{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/api/webhooks/1/") || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, `{"message": "Unknown Webhook", "code": 10015}`, http.StatusNotFound)
			return
		}
		rec.add(body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer api.Close()
	ctx := context.Background()
	hook := &notificationv2beta2.Credential{Value: api.URL + "/api/webhooks/1/token"}
	require.NoError(t, notification.SendDiscord(ctx, notification.Secrets{}, &notificationv2beta2.DiscordReceiver{Webhook: hook,
		MentionedUsers: []string{"42", "everyone"}, MentionedRoles: []string{"7"}}, "PodCrash in demo", 0))
	require.NoError(t, notification.SendDiscord(ctx, notification.Secrets{}, &notificationv2beta2.DiscordReceiver{Webhook: hook, Type: ptr.To("embed")},
		strings.Repeat("x", 5000), 0))
	require.Len(t, rec.bodies, 2)
	assert.Equal(t, "PodCrash in demo\n<@42>@everyone<@&7>", rec.bodies[0]["content"])
	embeds := rec.bodies[1]["embeds"].([]any)
	description := embeds[0].(map[string]any)["description"].(string)
	assert.LessOrEqual(t, len(description), notification.DiscordMaxEmbed, "cut to Discord's limit")

	err := notification.SendDiscord(ctx, notification.Secrets{}, &notificationv2beta2.DiscordReceiver{Webhook: &notificationv2beta2.Credential{Value: api.URL + "/api/webhooks/2/secret-token"}}, "x", 0)
	require.ErrorContains(t, err, "404")
	assert.NotContains(t, err.Error(), "secret-token", "the webhook's key stays out of errors")
}
