package notification

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// DingTalkAPIURL is DingTalk's server API, where SendDingTalk asks for an
// app's access token and sends to conversations unless told otherwise.
const DingTalkAPIURL = "https://oapi.dingtalk.com"

// DingTalk's limits on a message's text, as notification-manager applies
// them, in bytes of the JSON-escaped text: a conversation message, and a
// chatbot message with its keywords (and, in markdown, its mentions).
const (
	DingTalkMaxConversation = 5000
	DingTalkMaxChatBot      = 19960
)

// SendDingTalk sends text on every way the receiver sets, as
// notification-manager does; when both are set both are tried and their
// failures joined.
//
// A chatbot (a group robot's webhook): POST to the webhook of {"msgtype",
// "text": {"content"}} (or "markdown": {"title", "text"} when tmplType is
// markdown, the title being text's first line), with "at": {"atMobiles",
// "atUserIds", "isAtAll"}. The keywords are appended on a line of their
// own ("[Keywords] a, b"), since DingTalk refuses a robot message without
// one; in markdown the mobiles are appended too ("@138..."), which
// DingTalk needs to show the mentions. With a secret the webhook URL
// carries timestamp (milliseconds) and sign, the base64 HMAC-SHA256 of
// "timestamp\nsecret" keyed by the secret.
//
// Conversations (group chats of an app): the Config's app key and secret
// are exchanged for an access token (GET apiBase/gettoken?appkey=&appsecret=;
// apiBase DingTalkAPIURL when empty), then each chat gets POST
// apiBase/chat/send?access_token= with {"chatid", "msg"}. The token is
// fetched on every call: spherekit keeps no state between notifications
// (notification-manager caches it for two hours, and throttles sends per
// robot and app, which spherekit leaves to the Deliverer's retries).
//
// Text is cut to DingTalkMaxChatBot or DingTalkMaxConversation. An answer
// whose errcode is not 0, or whose status is not 0 (DingTalk's flow
// control, with its punish), is the failure. Webhooks, secrets and tokens
// stay out of errors.
func SendDingTalk(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.DingTalkConfig, r *notificationv2beta2.DingTalkReceiver, text, apiBase string, timeout time.Duration) error {
	if r == nil || (r.ChatBot == nil && r.Conversation == nil) {
		return &InvalidError{Field: "spec.dingtalk", Reason: "one of chatbot or conversation is required"}
	}
	msgType, err := textOrMarkdown(r.TmplType, "spec.dingtalk.tmplType")
	if err != nil {
		return err
	}
	var hidden secretList
	var bot, conversation func() error
	if b := r.ChatBot; b != nil {
		webhook, err := secrets.Required(ctx, b.Webhook, "spec.dingtalk.chatbot.webhook")
		if err != nil {
			return err
		}
		secret, err := secrets.Value(ctx, b.Secret)
		if err != nil {
			return err
		}
		hidden.add(webhook, secret)
		bot = func() error { return sendDingTalkBot(ctx, b, webhook, secret, msgType, text, timeout) }
	}
	if c := r.Conversation; c != nil {
		if len(c.ChatIDs) == 0 {
			return &InvalidError{Field: "spec.dingtalk.conversation.chatids", Reason: "required"}
		}
		if cfg == nil || cfg.Conversation == nil {
			return &InvalidError{Field: "config.spec.dingtalk.conversation", Reason: "required to send to conversations"}
		}
		key, err := secrets.Required(ctx, cfg.Conversation.AppKey, "config.spec.dingtalk.conversation.appkey")
		if err != nil {
			return err
		}
		secret, err := secrets.Required(ctx, cfg.Conversation.AppSecret, "config.spec.dingtalk.conversation.appsecret")
		if err != nil {
			return err
		}
		hidden.add(key, secret)
		if apiBase == "" {
			apiBase = DingTalkAPIURL
		}
		conversation = func() error {
			return sendDingTalkConversations(ctx, apiBase, key, secret, c.ChatIDs, msgType, text, timeout, &hidden)
		}
	}
	err = joinSends(bot, conversation)
	return hidden.redact(err)
}

// dingTalkAnswer is what DingTalk answers every call.
type dingTalkAnswer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	Status      int    `json:"status"`
	Punish      string `json:"punish"`
}

// failure is the answer's refusal, nil when there is none.
func (a *dingTalkAnswer) failure() error {
	switch {
	case a.ErrCode != 0:
		return fmt.Errorf("errcode %d: %s", a.ErrCode, a.ErrMsg)
	case a.Status != 0:
		return fmt.Errorf("status %d: %s", a.Status, a.Punish)
	}
	return nil
}

// dingTalkMessage is a message's msgtype and its content.
func dingTalkMessage(msgType, text string) map[string]any {
	if msgType == "markdown" {
		return map[string]any{"msgtype": msgType, "markdown": map[string]string{"title": titleOf(text), "text": text}}
	}
	return map[string]any{"msgtype": msgType, "text": map[string]string{"content": text}}
}

func sendDingTalkBot(ctx context.Context, b *notificationv2beta2.DingTalkChatBot, webhook, secret, msgType, text string, timeout time.Duration) error {
	var keywords, mobiles string
	if len(b.Keywords) > 0 {
		keywords = "\n\n[Keywords] " + strings.Join(b.Keywords, ", ")
	}
	if msgType == "markdown" && len(b.AtMobiles) > 0 {
		mobiles = " @" + strings.Join(b.AtMobiles, ", @")
	}
	text = cutJSON(text, DingTalkMaxChatBot-jsonLen(keywords)-jsonLen(mobiles)) + keywords + mobiles
	msg := dingTalkMessage(msgType, text)
	at := map[string]any{}
	if len(b.AtMobiles) > 0 {
		at["atMobiles"] = b.AtMobiles
	}
	if len(b.AtUsers) > 0 {
		at["atUserIds"] = b.AtUsers
	}
	if b.AtAll {
		at["isAtAll"] = true
	}
	msg["at"] = at
	u := webhook
	if secret != "" {
		timestamp := strconv.FormatInt(time.Now().UnixMilli(), 10)
		var err error
		if u, err = withQuery(webhook, url.Values{"timestamp": {timestamp}, "sign": {hmacBase64(secret, timestamp+"\n"+secret)}}); err != nil {
			return &InvalidError{Field: "spec.dingtalk.chatbot.webhook", Reason: err.Error(), Err: err}
		}
	}
	var answer dingTalkAnswer
	err := callJSON(ctx, u, nil, msg, &answer, timeout)
	if f := answer.failure(); f != nil {
		return fmt.Errorf("dingtalk: chatbot: %w", f)
	}
	if err != nil {
		return fmt.Errorf("dingtalk: chatbot: %w", err)
	}
	return nil
}

func sendDingTalkConversations(ctx context.Context, apiBase, key, secret string, chatIDs []string, msgType, text string, timeout time.Duration, hidden *secretList) error {
	var token dingTalkAnswer
	err := callJSON(ctx, chatEndpoint(apiBase, "gettoken")+"?"+url.Values{"appkey": {key}, "appsecret": {secret}}.Encode(), nil, nil, &token, timeout)
	if f := token.failure(); f != nil {
		return fmt.Errorf("dingtalk: get an access token: %w", f)
	}
	if err != nil {
		return fmt.Errorf("dingtalk: get an access token: %w", err)
	}
	if token.AccessToken == "" {
		return fmt.Errorf("dingtalk: get an access token: the answer has none")
	}
	hidden.add(token.AccessToken)
	msg := dingTalkMessage(msgType, cutJSON(text, DingTalkMaxConversation))
	u := chatEndpoint(apiBase, "chat/send") + "?" + url.Values{"access_token": {token.AccessToken}}.Encode()
	var sends []func() error
	for _, id := range chatIDs {
		sends = append(sends, func() error {
			var answer dingTalkAnswer
			err := callJSON(ctx, u, nil, map[string]any{"chatid": id, "msg": msg}, &answer, timeout)
			if f := answer.failure(); f != nil {
				return fmt.Errorf("dingtalk: conversation %s: %w", id, f)
			}
			if err != nil {
				return fmt.Errorf("dingtalk: conversation %s: %w", id, err)
			}
			return nil
		})
	}
	return joinSends(sends...)
}
