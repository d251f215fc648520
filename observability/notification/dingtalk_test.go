package notification_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// dingTalkFake stands in for DingTalk, which is not reachable from the test
// machine. It checks requests as DingTalk documents them and answers in
// its shape ({"errcode", "errmsg"}):
//   - GET /gettoken?appkey=&appsecret= gives the app ding-app (secret
//     app-secret) the access token conv-token;
//   - POST /chat/send?access_token= takes {"chatid", "msg": {"msgtype",
//     "text"|"markdown"}} (chat "gone" does not exist; chat "drop" drops
//     the connection);
//   - POST /robot/send?access_token= is three robots: bot-token signs
//     (secret SECbot: timestamp in milliseconds within an hour, sign the
//     base64 HMAC-SHA256 of "timestamp\nsecret", recomputed here), kw-token
//     wants the keyword "alert" in the message, busy-token is flow
//     controlled ({"status", "punish"}).
func dingTalkFake(t *testing.T) *chatFake {
	refuse := func(code int, msg string) (int, any) {
		return http.StatusOK, map[string]any{"errcode": code, "errmsg": msg}
	}
	ok := map[string]any{"errcode": 0, "errmsg": "ok"}
	content := func(msg map[string]any) string {
		switch msg["msgtype"] {
		case "text":
			return str(msg, "text", "content")
		case "markdown":
			if str(msg, "markdown", "title") == "" {
				return ""
			}
			return str(msg, "markdown", "text")
		}
		return ""
	}
	return newChatFake(t, func(c chatCall) (int, any) {
		switch {
		case c.Method == http.MethodGet && c.Path == "/gettoken":
			if c.Query.Get("appkey") != "ding-app" || c.Query.Get("appsecret") != "app-secret" {
				return refuse(40089, "invalid appkey or appsecret")
			}
			return http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": "conv-token", "expires_in": 7200}
		case c.Method == http.MethodPost && c.Path == "/chat/send":
			msg, _ := c.Body["msg"].(map[string]any)
			switch {
			case c.Query.Get("access_token") != "conv-token":
				return refuse(40014, "invalid access_token")
			case msg == nil || content(msg) == "":
				return refuse(40035, "missing msg")
			case c.Body["chatid"] == "gone":
				return refuse(40009, "invalid chatid")
			case c.Body["chatid"] == "drop":
				return 0, nil
			}
			return http.StatusOK, ok
		case c.Method == http.MethodPost && c.Path == "/robot/send":
			if content(c.Body) == "" {
				return refuse(40035, "missing msg")
			}
			switch c.Query.Get("access_token") {
			case "bot-token":
				ts := c.Query.Get("timestamp")
				ms, err := strconv.ParseInt(ts, 10, 64)
				if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
					return refuse(310000, "invalid timestamp")
				}
				mac := hmac.New(sha256.New, []byte("SECbot"))
				mac.Write([]byte(ts + "\nSECbot"))
				if c.Query.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
					return refuse(310000, "sign not match")
				}
				return http.StatusOK, ok
			case "kw-token":
				if !strings.Contains(content(c.Body), "alert") {
					return refuse(310000, "keywords not in content")
				}
				return http.StatusOK, ok
			case "busy-token":
				return http.StatusOK, map[string]any{"status": 1, "punish": "send too fast, try later"}
			}
			return refuse(300001, "token is not exist")
		}
		return http.StatusNotFound, map[string]any{"errcode": 404, "errmsg": "not found"}
	})
}

// TestSendDingTalk sends to DingTalk chatbots and conversations through
// dingTalkFake: the request format, the signature, keywords and mentions,
// the token exchange, DingTalk's refusals surfacing with their errmsg,
// missing credentials, credentials kept out of errors, and the length cut.
func TestSendDingTalk(t *testing.T) {
	ctx := context.Background()
	fake := dingTalkFake(t)
	robot := func(token string) *notificationv2beta2.Credential {
		return value(fake.URL + "/robot/send?access_token=" + token)
	}
	app := &notificationv2beta2.DingTalkConfig{Conversation: &notificationv2beta2.DingTalkApplicationConfig{AppKey: value("ding-app"), AppSecret: value("app-secret")}}
	text := "PodCrash in demo\nweb-0 restarted"
	long := strings.Repeat("x", 30000)

	tests := []struct {
		name      string
		cfg       *notificationv2beta2.DingTalkConfig
		r         *notificationv2beta2.DingTalkReceiver
		text      string
		apiBase   string
		wantErr   []string // substrings of the error; none: success
		wantField string   // the *InvalidError's field
		check     func(t *testing.T, calls []chatCall)
	}{{
		name: "chatbot text, signed, with keywords and mentions",
		r: &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("bot-token"), Secret: value("SECbot"),
			Keywords: []string{"alert", "k8s"}, AtMobiles: []string{"13800000000"}, AtUsers: []string{"u1"}, AtAll: true}},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, map[string]any{
				"msgtype": "text",
				"text":    map[string]any{"content": text + "\n\n[Keywords] alert, k8s"},
				"at":      map[string]any{"atMobiles": []any{"13800000000"}, "atUserIds": []any{"u1"}, "isAtAll": true},
			}, calls[0].Body)
		},
	}, {
		name: "chatbot markdown: the title is the first line, mobiles appended",
		r: &notificationv2beta2.DingTalkReceiver{TmplType: ptr.To("markdown"), ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("kw-token"),
			Keywords: []string{"alert"}, AtMobiles: []string{"13800000000", "13900000000"}}},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, "markdown", calls[0].Body["msgtype"])
			assert.Equal(t, "PodCrash in demo", str(calls[0].Body, "markdown", "title"))
			assert.Equal(t, text+"\n\n[Keywords] alert @13800000000, @13900000000", str(calls[0].Body, "markdown", "text"))
		},
	}, {
		name:    "a robot wanting a keyword refuses a message without it",
		r:       &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("kw-token")}},
		text:    text,
		wantErr: []string{"dingtalk: chatbot", "310000", "keywords not in content"},
	}, {
		name:    "a wrong secret's signature is refused",
		r:       &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("bot-token"), Secret: value("SECwrong")}},
		text:    text,
		wantErr: []string{"sign not match"},
	}, {
		name:    "flow control is a failure",
		r:       &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("busy-token")}},
		text:    text,
		wantErr: []string{"status 1: send too fast"},
	}, {
		name: "conversations: one token, one message per chat",
		cfg:  app,
		r:    &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1", "chat2"}}},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 3)
			assert.Equal(t, "/gettoken", calls[0].Path)
			for i, chat := range []string{"chat1", "chat2"} {
				c := calls[i+1]
				assert.Equal(t, "/chat/send", c.Path)
				assert.Equal(t, "conv-token", c.Query.Get("access_token"))
				assert.Equal(t, map[string]any{"chatid": chat, "msg": map[string]any{"msgtype": "text", "text": map[string]any{"content": text}}}, c.Body)
			}
		},
	}, {
		name: "a failing chatbot does not stop the conversations",
		cfg:  app,
		r: &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("nope")},
			Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1"}}},
		text:    text,
		wantErr: []string{"dingtalk: chatbot: errcode 300001: token is not exist"},
		check: func(t *testing.T, calls []chatCall) {
			assert.Equal(t, "/chat/send", calls[len(calls)-1].Path)
		},
	}, {
		name:    "a chat DingTalk does not know",
		cfg:     app,
		r:       &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"gone"}}},
		text:    text,
		wantErr: []string{"dingtalk: conversation gone: errcode 40009: invalid chatid"},
	}, {
		name:    "a wrong app secret",
		cfg:     &notificationv2beta2.DingTalkConfig{Conversation: &notificationv2beta2.DingTalkApplicationConfig{AppKey: value("ding-app"), AppSecret: value("app-secret-old")}},
		r:       &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1"}}},
		text:    text,
		wantErr: []string{"get an access token", "invalid appkey or appsecret"},
	}, {
		name:    "a network failure on the token keeps the app's credentials out",
		cfg:     app,
		r:       &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1"}}},
		text:    text,
		apiBase: closedURL(t),
		wantErr: []string{"get an access token", "connection refused"},
	}, {
		name:    "a network failure on a chat keeps the access token out",
		cfg:     app,
		r:       &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"drop"}}},
		text:    text,
		wantErr: []string{"dingtalk: conversation drop"},
	}, {
		name: "a network failure keeps the webhook out",
		r: &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{
			Webhook: value(closedURL(t) + "/robot/send?access_token=bot-token"), Secret: value("SECbot")}},
		text:    text,
		wantErr: []string{"dingtalk: chatbot", "connection refused"},
	}, {
		name: "long text is cut to DingTalk's limits, keywords kept",
		cfg:  app,
		r: &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("kw-token"), Keywords: []string{"alert"}},
			Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1"}}},
		text: long,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 3)
			bot := str(calls[0].Body, "text", "content")
			assert.Equal(t, notification.DingTalkMaxChatBot, jsonLength(bot), "measured as notification-manager does: JSON-escaped")
			assert.True(t, strings.HasSuffix(bot, "x\n\n[Keywords] alert"))
			assert.Len(t, str(calls[2].Body, "msg", "text", "content"), notification.DingTalkMaxConversation)
		},
	}, {
		name:      "neither chatbot nor conversation",
		r:         &notificationv2beta2.DingTalkReceiver{},
		wantField: "spec.dingtalk",
	}, {
		name:      "a chatbot without its webhook",
		r:         &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{}},
		wantField: "spec.dingtalk.chatbot.webhook",
	}, {
		name:      "conversations without a Config",
		r:         &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1"}}},
		wantField: "config.spec.dingtalk.conversation",
	}, {
		name:      "an app without its secret",
		cfg:       &notificationv2beta2.DingTalkConfig{Conversation: &notificationv2beta2.DingTalkApplicationConfig{AppKey: value("ding-app")}},
		r:         &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"chat1"}}},
		wantField: "config.spec.dingtalk.conversation.appsecret",
	}, {
		name:      "an unknown template type",
		r:         &notificationv2beta2.DingTalkReceiver{TmplType: ptr.To("html"), ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: robot("kw-token")}},
		wantField: "spec.dingtalk.tmplType",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.taken("/")
			apiBase := tt.apiBase
			if apiBase == "" {
				apiBase = fake.URL
			}
			err := notification.SendDingTalk(ctx, notification.Secrets{}, tt.cfg, tt.r, tt.text, apiBase, 0)
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
				assertNoSecret(t, err, "bot-token", "SECbot", "SECwrong", "app-secret", "ding-app", "conv-token")
			default:
				require.NoError(t, err)
			}
			if tt.check != nil {
				tt.check(t, calls)
			}
		})
	}
}
