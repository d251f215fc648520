package notification_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// feishuFake stands in for Feishu, which is not reachable from the test
// machine. It checks requests as Feishu documents them and answers in its
// shape ({"code", "msg"}):
//   - POST /open-apis/auth/v3/tenant_access_token/internal {"app_id",
//     "app_secret"} gives cli_a (secret app-secret) the token t-feishu;
//   - POST /open-apis/message/v4/batch_send/ with "Authorization: Bearer
//     t-feishu" takes {"msg_type", "content", "user_ids",
//     "department_ids"}; the user ghost is named invalid, and the
//     department busy is answered 9499 (too many requests) once;
//   - POST /open-apis/bot/v2/hook/<id> is two robots: signed (secret
//     SECbot: timestamp in seconds within an hour, sign the base64
//     HMAC-SHA256 of nothing keyed by "timestamp\nsecret", recomputed
//     here) and keyword (wants "alert" in the message).
func feishuFake(t *testing.T) *chatFake {
	var busy atomic.Int32
	refuse := func(code int, msg string) (int, any) {
		return http.StatusOK, map[string]any{"code": code, "msg": msg}
	}
	ok := map[string]any{"code": 0, "msg": "success", "data": map[string]any{}}
	content := func(body map[string]any) string {
		switch body["msg_type"] {
		case "text":
			return str(body, "content", "text")
		case "post":
			var lines []string
			paragraphs, _ := dig(body, "content", "post", "en_us", "content").([]any)
			for _, p := range paragraphs {
				items, _ := p.([]any)
				for _, item := range items {
					if tag, _ := item.(map[string]any); tag["tag"] == "text" {
						lines = append(lines, str(tag, "text"))
					}
				}
			}
			return strings.Join(lines, "\n")
		}
		return ""
	}
	return newChatFake(t, func(c chatCall) (int, any) {
		if c.Method != http.MethodPost {
			return http.StatusMethodNotAllowed, map[string]any{"code": 405, "msg": "method not allowed"}
		}
		switch c.Path {
		case "/open-apis/auth/v3/tenant_access_token/internal":
			if str(c.Body, "app_id") != "cli_a" || str(c.Body, "app_secret") != "app-secret" {
				return refuse(10014, "app secret invalid")
			}
			return http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": "t-feishu", "expire": 7200}
		case "/open-apis/message/v4/batch_send/":
			if c.Header.Get("Authorization") != "Bearer t-feishu" {
				return http.StatusBadRequest, map[string]any{"code": 99991663, "msg": "Invalid access token for authorization"}
			}
			if content(c.Body) == "" {
				return refuse(9499, "Bad Request")
			}
			data := map[string]any{}
			users, _ := c.Body["user_ids"].([]any)
			for _, u := range users {
				if u == "ghost" {
					data["invalid_user_ids"] = []string{"ghost"}
				}
			}
			departments, _ := c.Body["department_ids"].([]any)
			for _, d := range departments {
				if d == "busy" && busy.Add(1) == 1 {
					return refuse(9499, "too many request")
				}
			}
			return http.StatusOK, map[string]any{"code": 0, "msg": "ok", "data": data}
		case "/open-apis/bot/v2/hook/signed":
			ts, _ := c.Body["timestamp"].(string)
			sec, err := strconv.ParseInt(ts, 10, 64)
			mac := hmac.New(sha256.New, []byte(ts+"\nSECbot"))
			if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Hour || c.Body["sign"] != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				return http.StatusBadRequest, map[string]any{"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
			}
			return http.StatusOK, ok
		case "/open-apis/bot/v2/hook/keyword":
			if !strings.Contains(content(c.Body), "alert") {
				return http.StatusBadRequest, map[string]any{"code": 19024, "msg": "Key Words Not Found"}
			}
			return http.StatusOK, ok
		}
		return http.StatusNotFound, map[string]any{"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
	})
}

// TestSendFeishu sends Feishu robot and batch messages through feishuFake:
// the request format (posts and texts), the signature and keywords, the
// token exchange, the retry on 9499, Feishu's refusals surfacing with
// their msg, missing credentials and credentials kept out of errors.
// Feishu's text is not cut: notification-manager applies no limit to it.
func TestSendFeishu(t *testing.T) {
	ctx := context.Background()
	fake := feishuFake(t)
	hook := func(id string) *notificationv2beta2.Credential {
		return value(fake.URL + "/open-apis/bot/v2/hook/" + id)
	}
	cfg := &notificationv2beta2.FeishuConfig{AppID: value("cli_a"), AppSecret: value("app-secret")}
	text := "PodCrash in demo\nweb-0 restarted"
	post := func(lines ...string) map[string]any {
		var paragraphs []any
		for _, l := range lines {
			paragraphs = append(paragraphs, []any{map[string]any{"tag": "text", "text": l}})
		}
		return map[string]any{"post": map[string]any{"en_us": map[string]any{"content": paragraphs}}}
	}

	tests := []struct {
		name      string
		cfg       *notificationv2beta2.FeishuConfig
		r         *notificationv2beta2.FeishuReceiver
		apiBase   string
		wantErr   []string
		wantField string
		check     func(t *testing.T, calls []chatCall)
	}{{
		name: "a signed robot's post, with keywords",
		r:    &notificationv2beta2.FeishuReceiver{ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: hook("signed"), Secret: value("SECbot"), Keywords: []string{"alert", "k8s"}}},
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, "post", calls[0].Body["msg_type"])
			assert.Equal(t, post("PodCrash in demo", "web-0 restarted", "[Keywords] alert,k8s"), calls[0].Body["content"])
		},
	}, {
		name: "a robot's text with its keyword",
		r:    &notificationv2beta2.FeishuReceiver{TmplType: ptr.To("text"), ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: hook("keyword"), Keywords: []string{"alert"}}},
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, map[string]any{"msg_type": "text", "content": map[string]any{"text": text + "\n\n[Keywords] alert"}}, calls[0].Body)
		},
	}, {
		name:    "a robot refuses a message without its keyword",
		r:       &notificationv2beta2.FeishuReceiver{ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: hook("keyword")}},
		wantErr: []string{"feishu: chatbot: code 19024: Key Words Not Found"},
	}, {
		name:    "a wrong secret's signature is refused",
		r:       &notificationv2beta2.FeishuReceiver{ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: hook("signed"), Secret: value("SECwrong")}},
		wantErr: []string{"code 19021: sign match fail"},
	}, {
		name: "a batch message to users and departments",
		cfg:  cfg,
		r:    &notificationv2beta2.FeishuReceiver{User: []string{"ou_1", "ou_2"}, Department: []string{"od_1"}},
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 2)
			assert.Equal(t, map[string]any{"app_id": "cli_a", "app_secret": "app-secret"}, calls[0].Body)
			assert.Equal(t, map[string]any{"msg_type": "post", "content": post("PodCrash in demo", "web-0 restarted"),
				"user_ids": []any{"ou_1", "ou_2"}, "department_ids": []any{"od_1"}}, calls[1].Body)
		},
	}, {
		name: "too many requests is tried again",
		cfg:  cfg,
		r:    &notificationv2beta2.FeishuReceiver{Department: []string{"busy"}},
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 3, "the token, the refused message, the message again")
		},
	}, {
		name:    "a user Feishu does not know",
		cfg:     cfg,
		r:       &notificationv2beta2.FeishuReceiver{User: []string{"ou_1", "ghost"}},
		wantErr: []string{"feishu: batch message: invalid users ghost"},
	}, {
		name:    "a wrong app secret",
		cfg:     &notificationv2beta2.FeishuConfig{AppID: value("cli_a"), AppSecret: value("app-secret-old")},
		r:       &notificationv2beta2.FeishuReceiver{User: []string{"ou_1"}},
		wantErr: []string{"feishu: get a tenant access token: code 10014: app secret invalid"},
	}, {
		name: "a failing robot does not stop the batch message",
		cfg:  cfg,
		r: &notificationv2beta2.FeishuReceiver{User: []string{"ou_1"},
			ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: hook("gone")}},
		wantErr: []string{"feishu: chatbot: code 19001"},
		check: func(t *testing.T, calls []chatCall) {
			assert.Equal(t, "/open-apis/message/v4/batch_send/", calls[len(calls)-1].Path)
		},
	}, {
		name:    "a network failure keeps the robot's webhook out",
		r:       &notificationv2beta2.FeishuReceiver{ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: value(closedURL(t) + "/open-apis/bot/v2/hook/hook-token")}},
		wantErr: []string{"feishu: chatbot", "connection refused"},
	}, {
		name:      "no recipients",
		r:         &notificationv2beta2.FeishuReceiver{},
		wantField: "spec.feishu",
	}, {
		name:      "batch messages without a Config",
		r:         &notificationv2beta2.FeishuReceiver{User: []string{"ou_1"}},
		wantField: "config.spec.feishu",
	}, {
		name:      "an app without its secret",
		cfg:       &notificationv2beta2.FeishuConfig{AppID: value("cli_a")},
		r:         &notificationv2beta2.FeishuReceiver{User: []string{"ou_1"}},
		wantField: "config.spec.feishu.appSecret",
	}, {
		name:      "a robot without its webhook",
		r:         &notificationv2beta2.FeishuReceiver{ChatBot: &notificationv2beta2.FeishuChatBot{}},
		wantField: "spec.feishu.chatbot.webhook",
	}, {
		name:      "an unknown template type",
		r:         &notificationv2beta2.FeishuReceiver{TmplType: ptr.To("markdown"), ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: hook("keyword")}},
		wantField: "spec.feishu.tmplType",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.taken("/")
			apiBase := tt.apiBase
			if apiBase == "" {
				apiBase = fake.URL + "/open-apis"
			}
			err := notification.SendFeishu(ctx, notification.Secrets{}, tt.cfg, tt.r, text, apiBase, 0)
			calls := fake.taken("/")
			switch {
			case tt.wantField != "":
				requireField(t, err, tt.wantField)
				assert.Empty(t, calls, "nothing is sent when a credential or recipient is missing")
			case len(tt.wantErr) > 0:
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.Contains(t, err.Error(), want)
				}
				assertNoSecret(t, err, "app-secret", "SECbot", "SECwrong", "t-feishu", "hook-token")
			default:
				require.NoError(t, err)
			}
			if tt.check != nil {
				tt.check(t, calls)
			}
		})
	}
}
