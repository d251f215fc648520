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

// WeComAPIURL is WeCom's (WeChat Work's) server API, where SendWeCom asks
// for an access token and sends app messages unless told otherwise.
const WeComAPIURL = "https://qyapi.weixin.qq.com/cgi-bin"

// WeCom's limits, as notification-manager applies them: a message's text
// in bytes of the JSON-escaped text (an app message; a group robot's text
// and markdown messages), and the recipients of one app message.
const (
	WeComMaxMessage         = 2048
	WeComMaxChatBotText     = 2048
	WeComMaxChatBotMarkdown = 4096
	WeComMaxUsers           = 1000
	WeComMaxParties         = 100
	WeComMaxTags            = 100
)

// weComTokenExpired is WeCom's errcode for an expired access token.
const weComTokenExpired = 42001

// SendWeCom sends text to a WeCom receiver (notification-manager's
// "wechat" channel) on every way it sets, as notification-manager does;
// when both are set both are tried and their failures joined.
//
// App messages, to the receiver's users, parties and tags: the Config's
// corp ID and app secret are exchanged for an access token (GET
// base/gettoken?corpid=&corpsecret=), then base/message/send?access_token=
// gets POST {"touser", "toparty", "totag" (each "|"-separated), "agentid",
// "msgtype", "text" or "markdown": {"content"}, "safe": 0}, recipients in
// batches of at most WeComMaxUsers, WeComMaxParties and WeComMaxTags. The
// base is the Config's wechatApiUrl when set, else apiBase, else
// WeComAPIURL. The token is fetched on every call (spherekit keeps no state
// between notifications); when WeCom calls it expired (errcode 42001) a new
// one is fetched and the message sent once more. An answer naming invalid users, parties or tags
// is a failure even with errcode 0.
//
// A group robot (the receiver's chatbot webhook): POST {"msgtype": "text",
// "text": {"content", "mentioned_list", "mentioned_mobile_list"}}, or in
// markdown {"markdown": {"content"}} with the users mentioned as <@id> on
// a line of their own (WeCom's markdown has no other mentions).
//
// The msgtype is the receiver's tmplType (text by default). Text is cut to
// WeComMaxMessage, WeComMaxChatBotText or WeComMaxChatBotMarkdown. An
// answer whose errcode is not 0 is the failure, with its errmsg. Webhooks,
// secrets and tokens stay out of errors.
func SendWeCom(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.WechatConfig, r *notificationv2beta2.WechatReceiver, text, apiBase string, timeout time.Duration) error {
	apps := r != nil && (len(r.ToUser) > 0 || len(r.ToParty) > 0 || len(r.ToTag) > 0)
	if !apps && (r == nil || r.ChatBot == nil) {
		return &InvalidError{Field: "spec.wechat", Reason: "one of toUser, toParty, toTag or chatbot is required"}
	}
	msgType, err := textOrMarkdown(r.TmplType, "spec.wechat.tmplType")
	if err != nil {
		return err
	}
	var hidden secretList
	var bot, app func() error
	if b := r.ChatBot; b != nil {
		webhook, err := secrets.Required(ctx, b.Webhook, "spec.wechat.chatbot.webhook")
		if err != nil {
			return err
		}
		hidden.add(webhook)
		bot = func() error { return sendWeComBot(ctx, b, webhook, msgType, text, timeout) }
	}
	if apps {
		switch {
		case cfg == nil:
			return &InvalidError{Field: "config.spec.wechat", Reason: "required to send app messages"}
		case cfg.WechatApiCorpId == "":
			return &InvalidError{Field: "config.spec.wechat.wechatApiCorpId", Reason: "required"}
		case cfg.WechatApiAgentId == "":
			return &InvalidError{Field: "config.spec.wechat.wechatApiAgentId", Reason: "required"}
		}
		agent, err := strconv.ParseInt(cfg.WechatApiAgentId, 10, 64)
		if err != nil {
			return &InvalidError{Field: "config.spec.wechat.wechatApiAgentId", Reason: "not a number", Err: err}
		}
		secret, err := secrets.Required(ctx, cfg.WechatApiSecret, "config.spec.wechat.wechatApiSecret")
		if err != nil {
			return err
		}
		hidden.add(secret)
		base := cfg.WechatApiUrl
		if base == "" {
			base = apiBase
		}
		if base == "" {
			base = WeComAPIURL
		}
		app = func() error {
			return sendWeComApp(ctx, base, cfg.WechatApiCorpId, secret, agent, r, msgType, text, timeout, &hidden)
		}
	}
	err = joinSends(bot, app)
	return hidden.redact(err)
}

// weComAnswer is what WeCom answers.
type weComAnswer struct {
	ErrCode      int    `json:"errcode"`
	ErrMsg       string `json:"errmsg"`
	AccessToken  string `json:"access_token"`
	InvalidUser  string `json:"invaliduser"`
	InvalidParty string `json:"invalidparty"`
	InvalidTag   string `json:"invalidtag"`
}

func (a *weComAnswer) failure() error {
	if a.ErrCode != 0 {
		return fmt.Errorf("errcode %d: %s", a.ErrCode, a.ErrMsg)
	}
	var invalid []string
	for _, s := range []struct{ what, ids string }{{"users", a.InvalidUser}, {"parties", a.InvalidParty}, {"tags", a.InvalidTag}} {
		if s.ids != "" {
			invalid = append(invalid, "invalid "+s.what+" "+s.ids)
		}
	}
	if len(invalid) > 0 {
		return fmt.Errorf("%s", strings.Join(invalid, ", "))
	}
	return nil
}

func sendWeComBot(ctx context.Context, b *notificationv2beta2.WechatChatBot, webhook, msgType, text string, timeout time.Duration) error {
	var msg map[string]any
	if msgType == "markdown" {
		var mentions strings.Builder
		for _, u := range b.AtUsers {
			mentions.WriteString("<@" + u + ">")
		}
		var suffix string
		if mentions.Len() > 0 {
			suffix = "\n" + mentions.String()
		}
		content := cutJSON(text, WeComMaxChatBotMarkdown-jsonLen(suffix)) + suffix
		msg = map[string]any{"msgtype": msgType, "markdown": map[string]any{"content": content}}
	} else {
		content := map[string]any{"content": cutJSON(text, WeComMaxChatBotText)}
		if len(b.AtUsers) > 0 {
			content["mentioned_list"] = b.AtUsers
		}
		if len(b.AtMobiles) > 0 {
			content["mentioned_mobile_list"] = b.AtMobiles
		}
		msg = map[string]any{"msgtype": msgType, "text": content}
	}
	var answer weComAnswer
	err := callJSON(ctx, webhook, nil, msg, &answer, timeout)
	if f := answer.failure(); f != nil {
		return fmt.Errorf("wecom: chatbot: %w", f)
	}
	if err != nil {
		return fmt.Errorf("wecom: chatbot: %w", err)
	}
	return nil
}

func sendWeComApp(ctx context.Context, base, corpID, secret string, agent int64, r *notificationv2beta2.WechatReceiver, msgType, text string, timeout time.Duration, hidden *secretList) error {
	token := func() (string, error) {
		var answer weComAnswer
		err := callJSON(ctx, chatEndpoint(base, "gettoken")+"?"+url.Values{"corpid": {corpID}, "corpsecret": {secret}}.Encode(), nil, nil, &answer, timeout)
		if f := answer.failure(); f != nil {
			return "", fmt.Errorf("wecom: get an access token: %w", f)
		}
		if err != nil {
			return "", fmt.Errorf("wecom: get an access token: %w", err)
		}
		if answer.AccessToken == "" {
			return "", fmt.Errorf("wecom: get an access token: the answer has none")
		}
		hidden.add(answer.AccessToken)
		return answer.AccessToken, nil
	}
	access, err := token()
	if err != nil {
		return err
	}
	content := map[string]string{"content": cutJSON(text, WeComMaxMessage)}
	var sends []func() error
	for users, parties, tags := 0, 0, 0; users < len(r.ToUser) || parties < len(r.ToParty) || tags < len(r.ToTag); {
		msg := map[string]any{"agentid": agent, "msgtype": msgType, msgType: content, "safe": 0}
		for k, batch := range map[string][]string{
			"touser":  nextBatch(r.ToUser, &users, WeComMaxUsers),
			"toparty": nextBatch(r.ToParty, &parties, WeComMaxParties),
			"totag":   nextBatch(r.ToTag, &tags, WeComMaxTags),
		} {
			if len(batch) > 0 {
				msg[k] = strings.Join(batch, "|")
			}
		}
		sends = append(sends, func() error {
			for try := 1; ; try++ {
				var answer weComAnswer
				err := callJSON(ctx, chatEndpoint(base, "message/send")+"?"+url.Values{"access_token": {access}}.Encode(), nil, msg, &answer, timeout)
				if answer.ErrCode == weComTokenExpired && try == 1 {
					if access, err = token(); err != nil {
						return err
					}
					continue
				}
				if f := answer.failure(); f != nil {
					return fmt.Errorf("wecom: send to %s: %w", weComRecipients(msg), f)
				}
				if err != nil {
					return fmt.Errorf("wecom: send to %s: %w", weComRecipients(msg), err)
				}
				return nil
			}
		})
	}
	return joinSends(sends...)
}

// nextBatch is the next at most size items of s from *i, moving *i on.
func nextBatch(s []string, i *int, size int) []string {
	if *i >= len(s) {
		return nil
	}
	end := min(*i+size, len(s))
	batch := s[*i:end]
	*i = end
	return batch
}

// weComRecipients names an app message's recipients in errors.
func weComRecipients(msg map[string]any) string {
	var parts []string
	for _, k := range []string{"touser", "toparty", "totag"} {
		if v, ok := msg[k].(string); ok {
			parts = append(parts, k+" "+v)
		}
	}
	return strings.Join(parts, ", ")
}
