package notification_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// The DingTalk, WeCom, Feishu and Pushover APIs cannot be reached from the
// test machine. Their tests run against chatFake servers that check each
// request against the service's documented format and answer as the
// service does, its refusals included.

// chatCall is one request a fake service took.
type chatCall struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   map[string]any
}

// chatFake is a fake service: handle checks and answers each request
// (returning the HTTP status and the JSON answer); every request is
// recorded first.
type chatFake struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []chatCall
	handle func(c chatCall) (int, any)
}

func newChatFake(t *testing.T, handle func(c chatCall) (int, any)) *chatFake {
	f := &chatFake{handle: handle}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := chatCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
		if r.Method == http.MethodPost {
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&c.Body) != nil {
				http.Error(w, "not JSON", http.StatusUnsupportedMediaType)
				return
			}
		}
		f.mu.Lock()
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		status, answer := f.handle(c)
		if status == 0 {
			// Drop the connection, as a failing network would.
			if hj, ok := w.(http.Hijacker); ok {
				conn, _, _ := hj.Hijack()
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(f.Close)
	return f
}

// taken returns the requests taken so far to paths with the prefix, and
// forgets them all.
func (f *chatFake) taken(prefix string) []chatCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chatCall
	for _, c := range f.calls {
		if strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	f.calls = nil
	return out
}

// closedURL is a URL nothing listens on: a request to it fails with an
// error that quotes the URL.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return u
}

// dig reads the value at a path of a decoded JSON body (nil when absent).
func dig(body map[string]any, path ...string) any {
	var v any = body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// str reads a string at a path of a decoded JSON body ("" when absent).
func str(body map[string]any, path ...string) string {
	s, _ := dig(body, path...).(string)
	return s
}

// jsonLength is the length of s encoded as a JSON string, without quotes.
func jsonLength(s string) int {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return len(b) - 2
}

// assertNoSecret checks that none of the secrets appears in err's text.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, err.Error(), s, "a credential leaked into the error")
		assert.NotContains(t, err.Error(), url.QueryEscape(s), "a credential leaked into the error")
	}
}

// TestDeliverDingTalkWeComFeishuPushover routes alerts to a tenant's
// DingTalk chatbot (which needs no Config), WeCom app, Feishu app and
// Pushover profile (the Pushover token read from a Secret on the real API
// server) and a global receiver's Pushover with no Config, and checks the
// Deliverer sends one rendered message per group on each through the
// fakes (the services are not reachable here; one fake serves the four
// APIs' paths, checking credentials) and reports the unconfigured one
// without retrying it.
func TestDeliverDingTalkWeComFeishuPushover(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pushover"}, Data: map[string][]byte{"token": []byte("po-app-token")}}))
	fake := newChatFake(t, func(c chatCall) (int, any) {
		switch c.Path {
		case "/robot/send":
			if c.Query.Get("access_token") != "ding-bot" {
				return http.StatusOK, map[string]any{"errcode": 300001, "errmsg": "token is not exist"}
			}
			return http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"}
		case "/cgi-bin/gettoken":
			return http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": "wecom-token", "expires_in": 7200}
		case "/cgi-bin/message/send":
			if c.Query.Get("access_token") != "wecom-token" {
				return http.StatusOK, map[string]any{"errcode": 40014, "errmsg": "invalid access_token"}
			}
			return http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"}
		case "/open-apis/auth/v3/tenant_access_token/internal":
			return http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": "t-feishu", "expire": 7200}
		case "/open-apis/message/v4/batch_send/":
			if c.Header.Get("Authorization") != "Bearer t-feishu" {
				return http.StatusOK, map[string]any{"code": 99991663, "msg": "Invalid access token for authorization"}
			}
			return http.StatusOK, map[string]any{"code": 0, "msg": "ok", "data": map[string]any{}}
		case "/1/messages.json":
			if str(c.Body, "token") != "po-app-token" {
				return http.StatusBadRequest, map[string]any{"status": 0, "errors": []string{"application token is invalid"}}
			}
			return http.StatusOK, map[string]any{"status": 1, "request": "r1"}
		}
		return http.StatusNotFound, map[string]any{"errcode": 404, "errmsg": "not found"}
	})
	objs := notification.Objects{
		Receivers: []notificationv2beta2.Receiver{
			{ObjectMeta: meta("alice", "type", "tenant", "user", "alice"), Spec: notificationv2beta2.ReceiverSpec{
				DingTalk: &notificationv2beta2.DingTalkReceiver{ChatBot: &notificationv2beta2.DingTalkChatBot{Webhook: value(fake.URL + "/robot/send?access_token=ding-bot")}},
				Wechat:   &notificationv2beta2.WechatReceiver{ToUser: []string{"alice"}},
				Feishu:   &notificationv2beta2.FeishuReceiver{User: []string{"ou_alice"}},
				Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{UserKey: ptr.To("uQiRzpo4DXghDmr9QzzfQu27cmVRsG")}}}}},
			{ObjectMeta: meta("ops", "type", "global"), Spec: notificationv2beta2.ReceiverSpec{
				Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{UserKey: ptr.To("uQiRzpo4DXghDmr9QzzfQu27cmVRsG")}}}}},
		},
		Configs: []notificationv2beta2.Config{
			{ObjectMeta: meta("alice-apps", "type", "tenant", "user", "alice"), Spec: notificationv2beta2.ConfigSpec{
				Wechat:   &notificationv2beta2.WechatConfig{WechatApiCorpId: "corp", WechatApiAgentId: "1000002", WechatApiSecret: value("wecom-secret")},
				Feishu:   &notificationv2beta2.FeishuConfig{AppID: value("cli_a"), AppSecret: value("feishu-secret")},
				Pushover: &notificationv2beta2.PushoverConfig{PushoverTokenSecret: fromSecret("pushover", "token")}}},
		},
	}
	alerts := []notification.Alert{
		alert("PodCrash", "namespace", "demo", "rule_level", "namespace", "pod", "web-0"),
		alert("DiskFull", "namespace", "demo", "rule_level", "namespace"),
	}
	deliveries, err := notification.Route(alerts, objs, notification.RouteOptions{Tenants: tenants})
	require.NoError(t, err)
	d := &notification.Deliverer{
		Secrets:     notification.Secrets{Reader: env.Client, Namespace: ns},
		GroupLabels: []string{"alertname"}, RetryWait: 10 * time.Millisecond,
		DingTalkAPIURL: fake.URL, WeComAPIURL: fake.URL + "/cgi-bin/", FeishuAPIURL: fake.URL + "/open-apis", PushoverAPIURL: fake.URL + "/1/messages.json",
	}
	outcome := map[string]string{}
	for _, r := range d.Deliver(ctx, deliveries, objs) {
		key := fmt.Sprintf("%s/%s %s", r.Target.Receiver, r.Target.Channel, r.Data.GroupLabels["alertname"])
		outcome[key] = fmt.Sprintf("sent after %d", r.Attempts)
		if r.Err != nil {
			outcome[key] = fmt.Sprintf("failed after %d: %v", r.Attempts, r.Err)
		}
	}
	assert.Equal(t, map[string]string{
		"alice/dingtalk PodCrash": "sent after 1",
		"alice/dingtalk DiskFull": "sent after 1",
		"alice/wechat PodCrash":   "sent after 1",
		"alice/wechat DiskFull":   "sent after 1",
		"alice/feishu PodCrash":   "sent after 1",
		"alice/feishu DiskFull":   "sent after 1",
		"alice/pushover PodCrash": "sent after 1",
		"alice/pushover DiskFull": "sent after 1",
		"ops/pushover PodCrash":   "failed after 1: invalid receiver ops spec.pushover.pushoverConfigSelector: no Config configures pushover for it",
		"ops/pushover DiskFull":   "failed after 1: invalid receiver ops spec.pushover.pushoverConfigSelector: no Config configures pushover for it",
	}, outcome)

	texts := map[string][]string{}
	for _, c := range fake.taken("/") {
		switch c.Path {
		case "/robot/send":
			texts["dingtalk"] = append(texts["dingtalk"], str(c.Body, "text", "content"))
		case "/cgi-bin/message/send":
			texts["wechat"] = append(texts["wechat"], str(c.Body, "text", "content"))
		case "/open-apis/message/v4/batch_send/":
			post, _ := json.Marshal(c.Body["content"])
			texts["feishu"] = append(texts["feishu"], string(post))
		case "/1/messages.json":
			texts["pushover"] = append(texts["pushover"], str(c.Body, "title")+"|"+str(c.Body, "message"))
		}
	}
	for _, channel := range []string{"dingtalk", "wechat", "feishu", "pushover"} {
		require.Len(t, texts[channel], 2, "one message per group on %s", channel)
		joined := strings.Join(texts[channel], "\n")
		assert.Contains(t, joined, "alertname=PodCrash", channel)
		assert.Contains(t, joined, "alertname=DiskFull", channel)
	}
	for _, m := range texts["pushover"] {
		title, message, _ := strings.Cut(m, "|")
		assert.True(t, strings.HasPrefix(message, title+"\n"), "Pushover's title is the rendered text's first line: %q", m)
	}
}
