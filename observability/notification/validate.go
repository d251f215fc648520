package notification

import (
	"fmt"
	"regexp"
	"slices"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Values notification-manager's webhook accepts for Pushover.
var (
	pushoverDevice = regexp.MustCompile(`^[A-Za-z0-9_-]{1,25}$`)
	pushoverSounds = []string{"pushover", "bike", "bugle", "cashregister", "classical", "cosmic", "falling", "gamelan",
		"incoming", "intermission", "magic", "mechanical", "pianobar", "siren", "spacealarm", "tugboat", "alien", "climb",
		"persistent", "echo", "updown", "vibrate", "none"}
)

// checks collects the first failure of a series of checks.
type checks struct{ err error }

func (c *checks) fail(field, format string, args ...any) {
	if c.err == nil {
		c.err = &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
}

func (c *checks) credential(field string, cr *notificationv2beta2.Credential) {
	switch {
	case cr == nil:
	case cr.Value == "" && cr.ValueFrom == nil:
		c.fail(field, "one of value or valueFrom is required")
	case cr.Value != "" && cr.ValueFrom != nil:
		c.fail(field+".valueFrom", "may not be set beside value")
	case cr.ValueFrom != nil && cr.ValueFrom.SecretKeyRef == nil:
		c.fail(field+".valueFrom.secretKeyRef", "required")
	case cr.ValueFrom != nil && (cr.ValueFrom.SecretKeyRef.Name == "" || cr.ValueFrom.SecretKeyRef.Key == ""):
		c.fail(field+".valueFrom.secretKeyRef", "name and key are required")
	}
}

func (c *checks) selector(field string, sel *notificationv2beta2.LabelSelector) {
	if c.err == nil {
		c.err = ValidateSelector(sel, field)
	}
}

func (c *checks) oneOf(field string, v *string, allowed ...string) {
	if v != nil && !slices.Contains(allowed, *v) {
		c.fail(field, "%q is not one of %v", *v, allowed)
	}
}

func (c *checks) tlsConfig(field string, t *notificationv2beta2.TLSConfig) {
	if t == nil {
		return
	}
	c.credential(field+".rootCA", t.RootCA)
	if t.ClientCertificate != nil {
		c.credential(field+".clientCertificate.cert", t.ClientCertificate.Cert)
		c.credential(field+".clientCertificate.key", t.ClientCertificate.Key)
	}
}

// ValidateConfig checks c as notification-manager's webhook does: every
// credential is a value or a Secret's key, never both, and an SMS default
// provider is one the config configures. The *InvalidError names the
// first field that fails.
func ValidateConfig(cfg *notificationv2beta2.Config) error {
	c := &checks{}
	s := &cfg.Spec
	if s.DingTalk != nil && s.DingTalk.Conversation != nil {
		c.credential("spec.dingtalk.conversation.appkey", s.DingTalk.Conversation.AppKey)
		c.credential("spec.dingtalk.conversation.appsecret", s.DingTalk.Conversation.AppSecret)
	}
	if s.Email != nil {
		c.credential("spec.email.authSecret", s.Email.AuthSecret)
		c.credential("spec.email.authPassword", s.Email.AuthPassword)
		c.tlsConfig("spec.email.tls", s.Email.TLS)
	}
	if s.Slack != nil {
		c.credential("spec.slack.slackTokenSecret", s.Slack.SlackTokenSecret)
	}
	if s.Telegram != nil {
		c.credential("spec.telegram.telegramTokenSecret", s.Telegram.TelegramTokenSecret)
	}
	if s.Wechat != nil {
		c.credential("spec.wechat.wechatApiSecret", s.Wechat.WechatApiSecret)
	}
	if s.Pushover != nil {
		c.credential("spec.pushover.pushoverTokenSecret", s.Pushover.PushoverTokenSecret)
	}
	if s.Feishu != nil {
		c.credential("spec.feishu.appID", s.Feishu.AppID)
		c.credential("spec.feishu.appSecret", s.Feishu.AppSecret)
	}
	if s.Sms != nil {
		p := s.Sms.Providers
		if p == nil {
			c.fail("spec.sms.providers", "required")
			return c.err
		}
		configured := map[string]bool{"aliyun": p.Aliyun != nil, "tencent": p.Tencent != nil, "huawei": p.Huawei != nil, "aws": p.AWS != nil}
		if d := s.Sms.DefaultProvider; d != "" && !configured[d] {
			c.fail("spec.sms.defaultProvider", "%q is not a configured provider", d)
		}
		if p.Aliyun != nil {
			c.credential("spec.sms.providers.aliyun.accessKeyId", p.Aliyun.AccessKeyId)
			c.credential("spec.sms.providers.aliyun.accessKeySecret", p.Aliyun.AccessKeySecret)
		}
		if p.Tencent != nil {
			c.credential("spec.sms.providers.tencent.secretId", p.Tencent.SecretId)
			c.credential("spec.sms.providers.tencent.secretKey", p.Tencent.SecretKey)
		}
		if p.Huawei != nil {
			c.credential("spec.sms.providers.huawei.appKey", p.Huawei.AppKey)
			c.credential("spec.sms.providers.huawei.appSecret", p.Huawei.AppSecret)
		}
		if p.AWS != nil {
			c.credential("spec.sms.providers.aws.accessKeyId", p.AWS.AccessKeyId)
			c.credential("spec.sms.providers.aws.secretAccessKey", p.AWS.SecretAccessKey)
		}
	}
	return c.err
}

// channel is one channel of a receiver: its name, whether the receiver
// uses it and has it enabled, its config selector and alert selector, and
// whether a Config configures it.
type channel struct {
	name          string
	used, enabled bool
	selector      *notificationv2beta2.LabelSelector
	alertSelector *notificationv2beta2.LabelSelector
	configures    func(*notificationv2beta2.ConfigSpec) bool
}

// channelOf describes a receiver's channel r (nil when unused).
func channelOf[R any](name string, r *R, enabled func(*R) *bool, selector, alertSelector func(*R) *notificationv2beta2.LabelSelector, configures func(*notificationv2beta2.ConfigSpec) bool) channel {
	ch := channel{name: name, configures: configures}
	if r == nil {
		return ch
	}
	e := enabled(r)
	ch.used, ch.enabled = true, e == nil || *e
	if selector != nil {
		ch.selector = selector(r)
	}
	ch.alertSelector = alertSelector(r)
	return ch
}

func channelsOf(s *notificationv2beta2.ReceiverSpec) []channel {
	type sel = *notificationv2beta2.LabelSelector
	type cs = *notificationv2beta2.ConfigSpec
	return []channel{
		channelOf("dingtalk", s.DingTalk, func(r *notificationv2beta2.DingTalkReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.DingTalkReceiver) sel { return r.DingTalkConfigSelector },
			func(r *notificationv2beta2.DingTalkReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.DingTalk != nil }),
		channelOf("email", s.Email, func(r *notificationv2beta2.EmailReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.EmailReceiver) sel { return r.EmailConfigSelector },
			func(r *notificationv2beta2.EmailReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Email != nil }),
		channelOf("slack", s.Slack, func(r *notificationv2beta2.SlackReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.SlackReceiver) sel { return r.SlackConfigSelector },
			func(r *notificationv2beta2.SlackReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Slack != nil }),
		channelOf("webhook", s.Webhook, func(r *notificationv2beta2.WebhookReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.WebhookReceiver) sel { return r.WebhookConfigSelector },
			func(r *notificationv2beta2.WebhookReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Webhook != nil }),
		channelOf("wechat", s.Wechat, func(r *notificationv2beta2.WechatReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.WechatReceiver) sel { return r.WechatConfigSelector },
			func(r *notificationv2beta2.WechatReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Wechat != nil }),
		channelOf("sms", s.Sms, func(r *notificationv2beta2.SmsReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.SmsReceiver) sel { return r.SmsConfigSelector },
			func(r *notificationv2beta2.SmsReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Sms != nil }),
		channelOf("pushover", s.Pushover, func(r *notificationv2beta2.PushoverReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.PushoverReceiver) sel { return r.PushoverConfigSelector },
			func(r *notificationv2beta2.PushoverReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Pushover != nil }),
		channelOf("feishu", s.Feishu, func(r *notificationv2beta2.FeishuReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.FeishuReceiver) sel { return r.FeishuConfigSelector },
			func(r *notificationv2beta2.FeishuReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Feishu != nil }),
		channelOf("telegram", s.Telegram, func(r *notificationv2beta2.TelegramReceiver) *bool { return r.Enabled },
			func(r *notificationv2beta2.TelegramReceiver) sel { return r.TelegramConfigSelector },
			func(r *notificationv2beta2.TelegramReceiver) sel { return r.AlertSelector }, func(c cs) bool { return c.Telegram != nil }),
		// Discord has no Config: its webhook is the receiver's own.
		channelOf("discord", s.Discord, func(r *notificationv2beta2.DiscordReceiver) *bool { return r.Enabled }, nil,
			func(r *notificationv2beta2.DiscordReceiver) sel { return r.AlertSelector }, func(cs) bool { return false }),
	}
}

// ValidateReceiver checks r as notification-manager's webhook does (each
// channel's required recipients, template types, Pushover devices and
// sounds, credentials and selectors) and, beyond it, that each config
// selector r sets selects at least one of configs that configures its
// channel, so that a receiver never points at nothing. The *InvalidError
// names the first field that fails.
func ValidateReceiver(r *notificationv2beta2.Receiver, configs []notificationv2beta2.Config) error {
	c := &checks{}
	s := &r.Spec
	if d := s.DingTalk; d != nil {
		if d.ChatBot != nil {
			c.credential("spec.dingtalk.chatbot.webhook", d.ChatBot.Webhook)
			c.credential("spec.dingtalk.chatbot.secret", d.ChatBot.Secret)
		}
		if d.Conversation != nil && len(d.Conversation.ChatIDs) == 0 {
			c.fail("spec.dingtalk.conversation.chatids", "required")
		}
		c.oneOf("spec.dingtalk.tmplType", d.TmplType, "text", "markdown")
		c.selector("spec.dingtalk.alertSelector", d.AlertSelector)
	}
	if e := s.Email; e != nil {
		if len(e.To) == 0 {
			c.fail("spec.email.to", "required")
		}
		c.oneOf("spec.email.tmplType", e.TmplType, "text", "html")
		c.selector("spec.email.alertSelector", e.AlertSelector)
	}
	if sl := s.Slack; sl != nil {
		if len(sl.Channels) == 0 {
			c.fail("spec.slack.channels", "required")
		}
		c.selector("spec.slack.alertSelector", sl.AlertSelector)
	}
	if w := s.Webhook; w != nil {
		switch {
		case w.URL == nil && w.Service == nil:
			c.fail("spec.webhook", "one of url or service is required")
		case w.URL != nil && w.Service != nil:
			c.fail("spec.webhook.url", "may not be set beside service")
		}
		if h := w.HTTPConfig; h != nil {
			c.credential("spec.webhook.httpConfig.bearerToken", h.BearerToken)
			if h.BasicAuth != nil {
				c.credential("spec.webhook.httpConfig.basicAuth.password", h.BasicAuth.Password)
			}
			c.tlsConfig("spec.webhook.httpConfig.tlsConfig", h.TLSConfig)
		}
		c.selector("spec.webhook.alertSelector", w.AlertSelector)
	}
	if w := s.Wechat; w != nil {
		if len(w.ToUser) == 0 && len(w.ToParty) == 0 && len(w.ToTag) == 0 && w.ChatBot == nil {
			c.fail("spec.wechat", "one of toUser, toParty, toTag or chatbot is required")
		}
		if w.ChatBot != nil {
			c.credential("spec.wechat.chatbot.webhook", w.ChatBot.Webhook)
		}
		c.oneOf("spec.wechat.tmplType", w.TmplType, "text", "markdown")
		c.selector("spec.wechat.alertSelector", w.AlertSelector)
	}
	if d := s.Discord; d != nil {
		if d.Webhook == nil {
			c.fail("spec.discord.webhook", "required")
		}
		c.credential("spec.discord.webhook", d.Webhook)
		c.oneOf("spec.discord.type", d.Type, "content", "embed")
		c.selector("spec.discord.alertSelector", d.AlertSelector)
	}
	if p := s.Pushover; p != nil {
		if len(p.Profiles) == 0 {
			c.fail("spec.pushover.profiles", "required")
		}
		for i, prof := range p.Profiles {
			field := fmt.Sprintf("spec.pushover.profiles[%d]", i)
			if prof == nil || prof.UserKey == nil {
				c.fail(field+".userKey", "required")
				continue
			}
			for _, d := range prof.Devices {
				if !pushoverDevice.MatchString(d) {
					c.fail(field+".devices", "%q is not 1 to 25 of A-Z, a-z, 0-9, _ and -", d)
				}
			}
			c.oneOf(field+".sound", prof.Sound, pushoverSounds...)
		}
		c.selector("spec.pushover.alertSelector", p.AlertSelector)
	}
	if m := s.Sms; m != nil {
		if len(m.PhoneNumbers) == 0 {
			c.fail("spec.sms.phoneNumbers", "required")
		}
		c.selector("spec.sms.alertSelector", m.AlertSelector)
	}
	if f := s.Feishu; f != nil {
		if len(f.User) == 0 && len(f.Department) == 0 && f.ChatBot == nil {
			c.fail("spec.feishu", "one of user, department or chatbot is required")
		}
		if f.ChatBot != nil {
			c.credential("spec.feishu.chatbot.webhook", f.ChatBot.Webhook)
			c.credential("spec.feishu.chatbot.secret", f.ChatBot.Secret)
		}
		c.selector("spec.feishu.alertSelector", f.AlertSelector)
	}
	if t := s.Telegram; t != nil {
		if len(t.Channels) == 0 {
			c.fail("spec.telegram.channels", "required")
		}
		c.selector("spec.telegram.alertSelector", t.AlertSelector)
	}
	for _, ch := range channelsOf(s) {
		if !ch.used || ch.selector == nil || c.err != nil {
			continue
		}
		field := "spec." + ch.name + "." + ch.name + "ConfigSelector"
		c.selector(field, ch.selector)
		if c.err != nil {
			break
		}
		found := false
		for i := range configs {
			if ok, _ := Matches(ch.selector, configs[i].Labels); ok && ch.configures(&configs[i].Spec) {
				found = true
				break
			}
		}
		if !found {
			c.fail(field, "selects no Config of the %s channel", ch.name)
		}
	}
	return c.err
}

// ValidateRouter checks r as notification-manager's webhook does (its
// selectors and its receivers' name pattern) and, beyond it, that every
// receiver it names is among receivers.
func ValidateRouter(r *notificationv2beta2.Router, receivers []notificationv2beta2.Receiver) error {
	c := &checks{}
	if r.Spec.AlertSelector == nil {
		c.fail("spec.alertSelector", "required")
	}
	c.selector("spec.alertSelector", r.Spec.AlertSelector)
	c.selector("spec.receivers.selector", r.Spec.Receivers.Selector)
	if p := r.Spec.Receivers.RegexName; p != "" {
		if _, err := regexp.Compile(p); err != nil {
			c.fail("spec.receivers.regexName", "%v", err)
		}
	}
	for i, name := range r.Spec.Receivers.Name {
		if !slices.ContainsFunc(receivers, func(rc notificationv2beta2.Receiver) bool { return rc.Name == name }) {
			c.fail(fmt.Sprintf("spec.receivers.name[%d]", i), "no Receiver %q", name)
		}
	}
	return c.err
}
