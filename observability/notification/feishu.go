package notification

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// FeishuAPIURL is Feishu's open API, where SendFeishu asks for a tenant
// access token and sends batch messages unless told otherwise.
const FeishuAPIURL = "https://open.feishu.cn/open-apis"

// Feishu's answers SendFeishu acts on: 9499 means too many requests, tried
// again after FeishuRetryWait, at most FeishuAttempts times in all.
const (
	feishuTooManyRequests = 9499
	FeishuAttempts        = 3
	FeishuRetryWait       = time.Second
)

// SendFeishu sends text to a Feishu receiver on every way it sets, as
// notification-manager does; when both are set both are tried and their
// failures joined.
//
// A chatbot (a custom robot's webhook): POST {"msg_type", "content"} with,
// when it has a secret, "timestamp" (seconds, as a string, as Feishu
// documents it) and "sign", the base64 HMAC-SHA256 of nothing keyed by
// "timestamp\nsecret". Its keywords are appended ("[Keywords] a,b"),
// since Feishu refuses a robot message without one.
//
// Users and departments (an app's batch message): the Config's app ID and
// secret are exchanged for a tenant access token (POST
// apiBase/auth/v3/tenant_access_token/internal {"app_id", "app_secret"};
// apiBase FeishuAPIURL when empty), then apiBase/message/v4/batch_send/
// gets POST {"msg_type", "content", "user_ids", "department_ids"} with the
// token as a bearer. The token is fetched on every call: spherekit keeps
// no state between notifications. An answer naming invalid users or
// departments is a failure even with code 0.
//
// The msg_type is the receiver's tmplType: post by default (the text's
// lines as paragraphs of one post, {"post": {"en_us": {"content":
// [[{"tag": "text", "text": line}], ...]}}}, the shape of
// notification-manager's default template) or text ({"text"}). Feishu's
// text is not cut: notification-manager applies no limit to it. An answer
// whose code is not 0 is the failure, with its msg; code 9499 (too many
// requests) is tried again, FeishuAttempts times in all, FeishuRetryWait
// apart. Webhooks, secrets and tokens stay out of errors.
func SendFeishu(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.FeishuConfig, r *notificationv2beta2.FeishuReceiver, text, apiBase string, timeout time.Duration) error {
	apps := r != nil && (len(r.User) > 0 || len(r.Department) > 0)
	if !apps && (r == nil || r.ChatBot == nil) {
		return &InvalidError{Field: "spec.feishu", Reason: "one of user, department or chatbot is required"}
	}
	msgType := "post"
	if r.TmplType != nil && *r.TmplType != "" {
		msgType = *r.TmplType
	}
	if msgType != "post" && msgType != "text" {
		return &InvalidError{Field: "spec.feishu.tmplType", Reason: fmt.Sprintf("%q is not post or text", msgType)}
	}
	var hidden secretList
	var bot, batch func() error
	if b := r.ChatBot; b != nil {
		webhook, err := secrets.Required(ctx, b.Webhook, "spec.feishu.chatbot.webhook")
		if err != nil {
			return err
		}
		secret, err := secrets.Value(ctx, b.Secret)
		if err != nil {
			return err
		}
		hidden.add(webhook, secret)
		bot = func() error {
			msg := feishuMessage(msgType, text, b.Keywords)
			if secret != "" {
				timestamp := strconv.FormatInt(time.Now().Unix(), 10)
				msg["timestamp"] = timestamp
				msg["sign"] = hmacBase64(timestamp+"\n"+secret, "")
			}
			return feishuCall(ctx, "chatbot", webhook, nil, msg, timeout)
		}
	}
	if apps {
		if cfg == nil {
			return &InvalidError{Field: "config.spec.feishu", Reason: "required to send to users and departments"}
		}
		id, err := secrets.Required(ctx, cfg.AppID, "config.spec.feishu.appID")
		if err != nil {
			return err
		}
		secret, err := secrets.Required(ctx, cfg.AppSecret, "config.spec.feishu.appSecret")
		if err != nil {
			return err
		}
		hidden.add(id, secret)
		if apiBase == "" {
			apiBase = FeishuAPIURL
		}
		batch = func() error {
			var token feishuAnswer
			err := callJSON(ctx, chatEndpoint(apiBase, "auth/v3/tenant_access_token/internal"), nil, map[string]string{"app_id": id, "app_secret": secret}, &token, timeout)
			if token.Code != 0 {
				return fmt.Errorf("feishu: get a tenant access token: code %d: %s", token.Code, token.Msg)
			}
			if err != nil {
				return fmt.Errorf("feishu: get a tenant access token: %w", err)
			}
			if token.TenantAccessToken == "" {
				return fmt.Errorf("feishu: get a tenant access token: the answer has none")
			}
			hidden.add(token.TenantAccessToken)
			msg := feishuMessage(msgType, text, nil)
			if len(r.User) > 0 {
				msg["user_ids"] = r.User
			}
			if len(r.Department) > 0 {
				msg["department_ids"] = r.Department
			}
			header := http.Header{"Authorization": {"Bearer " + token.TenantAccessToken}}
			return feishuCall(ctx, "batch message", chatEndpoint(apiBase, "message/v4/batch_send/"), header, msg, timeout)
		}
	}
	err := joinSends(bot, batch)
	return hidden.redact(err)
}

// feishuAnswer is what Feishu answers.
type feishuAnswer struct {
	Code              int    `json:"code"`
	Msg               string `json:"msg"`
	TenantAccessToken string `json:"tenant_access_token"`
	Data              struct {
		InvalidDepartmentIDs []string `json:"invalid_department_ids"`
		InvalidUserIDs       []string `json:"invalid_user_ids"`
	} `json:"data"`
}

// feishuMessage is text as a message of msgType, keywords appended.
func feishuMessage(msgType, text string, keywords []string) map[string]any {
	var marker string
	if len(keywords) > 0 {
		marker = "[Keywords] " + strings.Join(keywords, ",")
	}
	if msgType == "text" {
		if marker != "" {
			text += "\n\n" + marker
		}
		return map[string]any{"msg_type": msgType, "content": map[string]any{"text": text}}
	}
	var paragraphs [][]map[string]string
	for _, line := range strings.Split(text, "\n") {
		paragraphs = append(paragraphs, []map[string]string{{"tag": "text", "text": line}})
	}
	if marker != "" {
		paragraphs = append(paragraphs, []map[string]string{{"tag": "text", "text": marker}})
	}
	return map[string]any{"msg_type": msgType, "content": map[string]any{"post": map[string]any{"en_us": map[string]any{"content": paragraphs}}}}
}

// feishuCall posts msg to u, trying again while Feishu answers too many
// requests.
func feishuCall(ctx context.Context, what, u string, header http.Header, msg map[string]any, timeout time.Duration) error {
	for try := 1; ; try++ {
		var answer feishuAnswer
		err := callJSON(ctx, u, header, msg, &answer, timeout)
		switch {
		case answer.Code == feishuTooManyRequests && try < FeishuAttempts:
			select {
			case <-ctx.Done():
				return fmt.Errorf("feishu: %s: code %d: %s: %w", what, answer.Code, answer.Msg, ctx.Err())
			case <-time.After(FeishuRetryWait):
			}
			continue
		case answer.Code != 0:
			return fmt.Errorf("feishu: %s: code %d: %s", what, answer.Code, answer.Msg)
		case err != nil:
			return fmt.Errorf("feishu: %s: %w", what, err)
		}
		var invalid []string
		if ids := answer.Data.InvalidUserIDs; len(ids) > 0 {
			invalid = append(invalid, "invalid users "+strings.Join(ids, ","))
		}
		if ids := answer.Data.InvalidDepartmentIDs; len(ids) > 0 {
			invalid = append(invalid, "invalid departments "+strings.Join(ids, ","))
		}
		if len(invalid) > 0 {
			return fmt.Errorf("feishu: %s: %s", what, strings.Join(invalid, ", "))
		}
		return nil
	}
}
