package notification_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// weComFake stands in for WeCom, which is not reachable from the test
// machine. It checks requests as WeCom documents them and answers in its
// shape ({"errcode", "errmsg"}):
//   - GET /cgi-bin/gettoken?corpid=&corpsecret= gives corp (secret
//     app-secret) a new access token each time; the first one it gives
//     after expireNext is set is already expired (errcode 42001);
//   - POST /cgi-bin/message/send?access_token= takes {"touser", "toparty",
//     "totag" ("|"-separated, at most 1000 users, 100 parties, 100 tags),
//     "agentid" (the number 1000002), "msgtype", "text"|"markdown":
//     {"content"}, "safe"}; the user ghost is named invalid;
//   - POST /cgi-bin/webhook/send?key=bot-key is a group robot.
func weComFake(t *testing.T, expireNext *atomic.Bool) *chatFake {
	var issued atomic.Int32
	var expired atomic.Value
	expired.Store("")
	refuse := func(code int, msg string) (int, any) {
		return http.StatusOK, map[string]any{"errcode": code, "errmsg": msg}
	}
	content := func(body map[string]any) string {
		kind, _ := body["msgtype"].(string)
		if kind != "text" && kind != "markdown" {
			return ""
		}
		return str(body, kind, "content")
	}
	return newChatFake(t, func(c chatCall) (int, any) {
		switch {
		case c.Method == http.MethodGet && c.Path == "/cgi-bin/gettoken":
			if c.Query.Get("corpid") != "corp" || c.Query.Get("corpsecret") != "app-secret" {
				return refuse(40001, "invalid credential")
			}
			token := fmt.Sprintf("wtok-%d", issued.Add(1))
			if expireNext.CompareAndSwap(true, false) {
				expired.Store(token)
			}
			return http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
		case c.Method == http.MethodPost && c.Path == "/cgi-bin/message/send":
			token := c.Query.Get("access_token")
			users := strings.Split(str(c.Body, "touser"), "|")
			switch {
			case !strings.HasPrefix(token, "wtok-"):
				return refuse(40014, "invalid access_token")
			case token == expired.Load():
				return refuse(42001, "access_token expired")
			case c.Body["agentid"] != float64(1000002):
				return refuse(40056, "invalid agentid")
			case content(c.Body) == "":
				return refuse(44004, "empty content")
			case c.Body["safe"] != float64(0):
				return refuse(40004, "invalid safe")
			case len(users) > 1000 || len(strings.Split(str(c.Body, "toparty"), "|")) > 100 || len(strings.Split(str(c.Body, "totag"), "|")) > 100:
				return refuse(60122, "too many recipients")
			}
			answer := map[string]any{"errcode": 0, "errmsg": "ok"}
			for _, u := range users {
				if u == "ghost" {
					answer["invaliduser"] = "ghost"
				}
			}
			return http.StatusOK, answer
		case c.Method == http.MethodPost && c.Path == "/cgi-bin/webhook/send":
			switch {
			case c.Query.Get("key") != "bot-key":
				return refuse(93000, "invalid webhook url")
			case content(c.Body) == "":
				return refuse(44004, "empty content")
			}
			return http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"}
		}
		return http.StatusNotFound, map[string]any{"errcode": 404, "errmsg": "not found"}
	})
}

// TestSendWeCom sends WeCom app messages and robot messages through
// weComFake: the request format, the token exchange and its renewal when
// WeCom calls it expired, recipients in batches, mentions, WeCom's
// refusals surfacing with their errmsg, missing credentials, credentials
// kept out of errors, and the length cuts.
func TestSendWeCom(t *testing.T) {
	ctx := context.Background()
	var expireNext atomic.Bool
	fake := weComFake(t, &expireNext)
	cfg := &notificationv2beta2.WechatConfig{WechatApiCorpId: "corp", WechatApiAgentId: "1000002", WechatApiSecret: value("app-secret")}
	bot := &notificationv2beta2.WechatChatBot{Webhook: value(fake.URL + "/cgi-bin/webhook/send?key=bot-key"), AtUsers: []string{"alice"}, AtMobiles: []string{"13800000000"}}
	text := "PodCrash in demo\nweb-0 restarted"
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}

	tests := []struct {
		name       string
		cfg        *notificationv2beta2.WechatConfig
		r          *notificationv2beta2.WechatReceiver
		text       string
		apiBase    string
		expireNext bool
		wantErr    []string
		wantField  string
		check      func(t *testing.T, calls []chatCall)
	}{{
		name: "an app message to users, parties and tags",
		cfg:  cfg,
		r:    &notificationv2beta2.WechatReceiver{ToUser: []string{"alice", "bob"}, ToParty: []string{"2"}, ToTag: []string{"ops"}},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 2)
			assert.Equal(t, "/cgi-bin/gettoken", calls[0].Path)
			assert.Equal(t, map[string]any{"touser": "alice|bob", "toparty": "2", "totag": "ops", "agentid": float64(1000002),
				"msgtype": "text", "text": map[string]any{"content": text}, "safe": float64(0)}, calls[1].Body)
		},
	}, {
		name: "markdown, and users in batches of 1000",
		cfg:  cfg,
		r:    &notificationv2beta2.WechatReceiver{TmplType: ptr.To("markdown"), ToUser: many},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 3)
			assert.Len(t, strings.Split(str(calls[1].Body, "touser"), "|"), 1000)
			assert.Equal(t, "u1000", str(calls[2].Body, "touser"))
			assert.Equal(t, text, str(calls[2].Body, "markdown", "content"))
		},
	}, {
		name:       "an expired token is renewed once",
		cfg:        cfg,
		r:          &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		text:       text,
		expireNext: true,
		check: func(t *testing.T, calls []chatCall) {
			var paths []string
			for _, c := range calls {
				paths = append(paths, c.Path)
			}
			assert.Equal(t, []string{"/cgi-bin/gettoken", "/cgi-bin/message/send", "/cgi-bin/gettoken", "/cgi-bin/message/send"}, paths)
		},
	}, {
		name:    "a user WeCom does not know",
		cfg:     cfg,
		r:       &notificationv2beta2.WechatReceiver{ToUser: []string{"alice", "ghost"}},
		text:    text,
		wantErr: []string{"wecom: send to touser alice|ghost: invalid users ghost"},
	}, {
		name: "a robot's text, with mentions",
		r:    &notificationv2beta2.WechatReceiver{ChatBot: bot},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, map[string]any{"msgtype": "text", "text": map[string]any{"content": text,
				"mentioned_list": []any{"alice"}, "mentioned_mobile_list": []any{"13800000000"}}}, calls[0].Body)
		},
	}, {
		name: "a robot's markdown mentions users in the text",
		r:    &notificationv2beta2.WechatReceiver{TmplType: ptr.To("markdown"), ChatBot: bot},
		text: text,
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": text + "\n<@alice>"}}, calls[0].Body)
		},
	}, {
		name: "a failing robot does not stop the app message",
		cfg:  cfg,
		r: &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"},
			ChatBot: &notificationv2beta2.WechatChatBot{Webhook: value(fake.URL + "/cgi-bin/webhook/send?key=old-key")}},
		text:    text,
		wantErr: []string{"wecom: chatbot: errcode 93000: invalid webhook url"},
		check: func(t *testing.T, calls []chatCall) {
			assert.Equal(t, "/cgi-bin/message/send", calls[len(calls)-1].Path)
		},
	}, {
		name:    "a wrong app secret",
		cfg:     &notificationv2beta2.WechatConfig{WechatApiCorpId: "corp", WechatApiAgentId: "1000002", WechatApiSecret: value("app-secret-old")},
		r:       &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		text:    text,
		wantErr: []string{"wecom: get an access token: errcode 40001: invalid credential"},
	}, {
		name:    "a network failure keeps the app secret out",
		cfg:     cfg,
		r:       &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		text:    text,
		apiBase: closedURL(t),
		wantErr: []string{"get an access token", "connection refused"},
	}, {
		name: "the Config's API URL wins over the Deliverer's",
		cfg: &notificationv2beta2.WechatConfig{WechatApiUrl: fake.URL + "/cgi-bin/", WechatApiCorpId: "corp", WechatApiAgentId: "1000002",
			WechatApiSecret: value("app-secret")},
		r:       &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		text:    text,
		apiBase: closedURL(t),
		check: func(t *testing.T, calls []chatCall) {
			assert.Len(t, calls, 2)
		},
	}, {
		name:    "a network failure keeps the robot's key out",
		r:       &notificationv2beta2.WechatReceiver{ChatBot: &notificationv2beta2.WechatChatBot{Webhook: value(closedURL(t) + "/cgi-bin/webhook/send?key=bot-key")}},
		text:    text,
		wantErr: []string{"wecom: chatbot", "connection refused"},
	}, {
		name: "long text is cut to WeCom's limits",
		cfg:  cfg,
		r:    &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}, TmplType: ptr.To("markdown"), ChatBot: bot},
		text: strings.Repeat("告警", 3000),
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 3)
			robot := str(calls[0].Body, "markdown", "content")
			// Measured as notification-manager does: JSON-escaped, so the
			// mention's < and > count six bytes each.
			assert.LessOrEqual(t, jsonLength(robot), notification.WeComMaxChatBotMarkdown)
			assert.Greater(t, jsonLength(robot), notification.WeComMaxChatBotMarkdown-3)
			assert.True(t, utf8.ValidString(robot), "cut on a character")
			assert.True(t, strings.HasSuffix(robot, "\n<@alice>"), "mentions kept")
			app := str(calls[2].Body, "markdown", "content")
			assert.LessOrEqual(t, jsonLength(app), notification.WeComMaxMessage)
			assert.Greater(t, jsonLength(app), notification.WeComMaxMessage-3)
		},
	}, {
		name:      "no recipients",
		r:         &notificationv2beta2.WechatReceiver{},
		wantField: "spec.wechat",
	}, {
		name:      "app messages without a Config",
		r:         &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		wantField: "config.spec.wechat",
	}, {
		name:      "an app without its secret",
		cfg:       &notificationv2beta2.WechatConfig{WechatApiCorpId: "corp", WechatApiAgentId: "1000002"},
		r:         &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		wantField: "config.spec.wechat.wechatApiSecret",
	}, {
		name:      "an agent ID that is not a number",
		cfg:       &notificationv2beta2.WechatConfig{WechatApiCorpId: "corp", WechatApiAgentId: "ops", WechatApiSecret: value("app-secret")},
		r:         &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
		wantField: "config.spec.wechat.wechatApiAgentId",
	}, {
		name:      "a robot without its webhook",
		r:         &notificationv2beta2.WechatReceiver{ChatBot: &notificationv2beta2.WechatChatBot{}},
		wantField: "spec.wechat.chatbot.webhook",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.taken("/")
			expireNext.Store(tt.expireNext)
			apiBase := tt.apiBase
			if apiBase == "" {
				apiBase = fake.URL + "/cgi-bin"
			}
			err := notification.SendWeCom(ctx, notification.Secrets{}, tt.cfg, tt.r, tt.text, apiBase, 0)
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
				assertNoSecret(t, err, "app-secret", "bot-key", "wtok-")
			default:
				require.NoError(t, err)
			}
			if tt.check != nil {
				tt.check(t, calls)
			}
		})
	}
}
