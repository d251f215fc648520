package notification_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

func value(v string) *notificationv2beta2.Credential {
	return &notificationv2beta2.Credential{Value: v}
}

func fromSecret(name, key string) *notificationv2beta2.Credential {
	return &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: name, Key: key}}}
}

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	var ie *notification.InvalidError
	require.ErrorAs(t, err, &ie, field)
	assert.Equal(t, field, ie.Field)
}

func TestValidateConfig(t *testing.T) {
	good := notificationv2beta2.ConfigSpec{
		Email: &notificationv2beta2.EmailConfig{From: "alerts@example.com", SmartHost: notificationv2beta2.HostPort{Host: "smtp", Port: 25}, AuthPassword: fromSecret("smtp", "password"),
			TLS: &notificationv2beta2.TLSConfig{RootCA: value("PEM"), ClientCertificate: &notificationv2beta2.ClientCertificate{Cert: value("c"), Key: fromSecret("tls", "key")}}},
		Slack: &notificationv2beta2.SlackConfig{SlackTokenSecret: value("xoxb")},
		Sms:   &notificationv2beta2.SmsConfig{DefaultProvider: "aliyun", Providers: &notificationv2beta2.Providers{Aliyun: &notificationv2beta2.AliyunSMS{SignName: "s", AccessKeyId: value("id"), AccessKeySecret: value("secret")}}},
	}
	require.NoError(t, notification.ValidateConfig(&notificationv2beta2.Config{Spec: good}))
	for field, spec := range map[string]notificationv2beta2.ConfigSpec{
		"spec.slack.slackTokenSecret":                                 {Slack: &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{}}},
		"spec.email.authPassword.valueFrom":                           {Email: &notificationv2beta2.EmailConfig{AuthPassword: &notificationv2beta2.Credential{Value: "x", ValueFrom: &notificationv2beta2.ValueSource{}}}},
		"spec.email.authPassword.valueFrom.secretKeyRef":              {Email: &notificationv2beta2.EmailConfig{AuthPassword: &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{}}}},
		"spec.email.tls.clientCertificate.key.valueFrom.secretKeyRef": {Email: &notificationv2beta2.EmailConfig{TLS: &notificationv2beta2.TLSConfig{ClientCertificate: &notificationv2beta2.ClientCertificate{Cert: value("c"), Key: fromSecret("", "key")}}}},
		"spec.sms.defaultProvider":                                    {Sms: &notificationv2beta2.SmsConfig{DefaultProvider: "tencent", Providers: &notificationv2beta2.Providers{Aliyun: &notificationv2beta2.AliyunSMS{}}}},
		"spec.sms.providers":                                          {Sms: &notificationv2beta2.SmsConfig{}},
		"spec.feishu.appSecret":                                       {Feishu: &notificationv2beta2.FeishuConfig{AppID: value("id"), AppSecret: &notificationv2beta2.Credential{}}},
	} {
		requireField(t, notification.ValidateConfig(&notificationv2beta2.Config{Spec: spec}), field)
	}
}

func TestValidateReceiver(t *testing.T) {
	emailConfig := notificationv2beta2.Config{ObjectMeta: metav1.ObjectMeta{Name: "smtp", Labels: map[string]string{"type": "global"}},
		Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "a@example.com"}}}
	slackConfig := notificationv2beta2.Config{ObjectMeta: metav1.ObjectMeta{Name: "slack", Labels: map[string]string{"type": "tenant", "user": "alice"}},
		Spec: notificationv2beta2.ConfigSpec{Slack: &notificationv2beta2.SlackConfig{SlackTokenSecret: value("t")}}}
	configs := []notificationv2beta2.Config{emailConfig, slackConfig}
	global := &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"type": "global"}}
	alices := &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"user": "alice"}}

	good := notificationv2beta2.ReceiverSpec{
		Email:    &notificationv2beta2.EmailReceiver{To: []string{"ops@example.com"}, EmailConfigSelector: global, TmplType: ptr.To("html")},
		Slack:    &notificationv2beta2.SlackReceiver{Channels: []string{"#alerts"}, SlackConfigSelector: alices},
		Webhook:  &notificationv2beta2.WebhookReceiver{URL: ptr.To("http://hook"), HTTPConfig: &notificationv2beta2.HTTPClientConfig{BearerToken: fromSecret("hook", "token")}},
		Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{UserKey: ptr.To("u"), Devices: []string{"phone_1"}, Sound: ptr.To("siren")}}},
		Wechat:   &notificationv2beta2.WechatReceiver{ToUser: []string{"bob"}},
		Feishu:   &notificationv2beta2.FeishuReceiver{ChatBot: &notificationv2beta2.FeishuChatBot{Webhook: value("https://open.feishu.cn/hook")}},
		Telegram: &notificationv2beta2.TelegramReceiver{Channels: []string{"@ops"}},
		Discord:  &notificationv2beta2.DiscordReceiver{Webhook: value("https://discord.com/api/webhooks/1"), Type: ptr.To("embed")},
		Sms:      &notificationv2beta2.SmsReceiver{PhoneNumbers: []string{"+8613800000000"}},
		DingTalk: &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{ChatIDs: []string{"c1"}}, TmplType: ptr.To("markdown")},
	}
	require.NoError(t, notification.ValidateReceiver(&notificationv2beta2.Receiver{Spec: good}, configs))

	badSelector := &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{{Key: "a", Operator: notificationv2beta2.LabelSelectorOpMatch, RegexValue: "("}}}
	for field, spec := range map[string]notificationv2beta2.ReceiverSpec{
		"spec.email.to":       {Email: &notificationv2beta2.EmailReceiver{}},
		"spec.email.tmplType": {Email: &notificationv2beta2.EmailReceiver{To: []string{"x"}, TmplType: ptr.To("markdown")}},
		"spec.email.alertSelector.matchExpressions[0].regexValue": {Email: &notificationv2beta2.EmailReceiver{To: []string{"x"}, AlertSelector: badSelector}},
		"spec.email.emailConfigSelector":                          {Email: &notificationv2beta2.EmailReceiver{To: []string{"x"}, EmailConfigSelector: alices}},
		"spec.slack.slackConfigSelector":                          {Slack: &notificationv2beta2.SlackReceiver{Channels: []string{"#a"}, SlackConfigSelector: global}},
		"spec.slack.channels":                                     {Slack: &notificationv2beta2.SlackReceiver{}},
		"spec.webhook":                                            {Webhook: &notificationv2beta2.WebhookReceiver{}},
		"spec.webhook.url":                                        {Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To("u"), Service: &notificationv2beta2.ServiceReference{Name: "s"}}},
		"spec.webhook.httpConfig.basicAuth.password":              {Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To("u"), HTTPConfig: &notificationv2beta2.HTTPClientConfig{BasicAuth: &notificationv2beta2.BasicAuth{Username: "u", Password: &notificationv2beta2.Credential{}}}}},
		"spec.wechat":                                             {Wechat: &notificationv2beta2.WechatReceiver{}},
		"spec.discord.webhook":                                    {Discord: &notificationv2beta2.DiscordReceiver{}},
		"spec.discord.type":                                       {Discord: &notificationv2beta2.DiscordReceiver{Webhook: value("w"), Type: ptr.To("card")}},
		"spec.pushover.profiles":                                  {Pushover: &notificationv2beta2.PushoverReceiver{}},
		"spec.pushover.profiles[0].userKey":                       {Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{}}}},
		"spec.pushover.profiles[0].devices":                       {Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{UserKey: ptr.To("u"), Devices: []string{"my phone"}}}}},
		"spec.pushover.profiles[0].sound":                         {Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{UserKey: ptr.To("u"), Sound: ptr.To("kazoo")}}}},
		"spec.sms.phoneNumbers":                                   {Sms: &notificationv2beta2.SmsReceiver{}},
		"spec.feishu":                                             {Feishu: &notificationv2beta2.FeishuReceiver{}},
		"spec.telegram.channels":                                  {Telegram: &notificationv2beta2.TelegramReceiver{}},
		"spec.dingtalk.conversation.chatids":                      {DingTalk: &notificationv2beta2.DingTalkReceiver{Conversation: &notificationv2beta2.DingTalkConversation{}}},
	} {
		requireField(t, notification.ValidateReceiver(&notificationv2beta2.Receiver{Spec: spec}, configs), field)
	}
}

func TestValidateRouter(t *testing.T) {
	receivers := []notificationv2beta2.Receiver{{ObjectMeta: metav1.ObjectMeta{Name: "ops"}}, {ObjectMeta: metav1.ObjectMeta{Name: "alice-email"}}}
	all := &notificationv2beta2.LabelSelector{}
	require.NoError(t, notification.ValidateRouter(&notificationv2beta2.Router{Spec: notificationv2beta2.RouterSpec{AlertSelector: all,
		Receivers: notificationv2beta2.ReceiverSelector{Name: []string{"ops", "alice-email"}, RegexName: "^alice-", Type: "email"}}}, receivers))
	for field, spec := range map[string]notificationv2beta2.RouterSpec{
		"spec.alertSelector":       {},
		"spec.receivers.name[1]":   {AlertSelector: all, Receivers: notificationv2beta2.ReceiverSelector{Name: []string{"ops", "bob"}}},
		"spec.receivers.regexName": {AlertSelector: all, Receivers: notificationv2beta2.ReceiverSelector{RegexName: "(alice"}},
		"spec.receivers.selector":  {AlertSelector: all, Receivers: notificationv2beta2.ReceiverSelector{Selector: &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{{Key: "a", Operator: "In"}}}}},
	} {
		requireField(t, notification.ValidateRouter(&notificationv2beta2.Router{Spec: spec}, receivers), field)
	}
}
