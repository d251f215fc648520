package notification_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// zhCN is a language pack in notification-manager's format.
const zhCN = `
- name: zh-cn
  dictionary:
    firing: "触发中"
    resolved: "已解决"
    Namespace: "项目"
    since: "开始于"
- name: fr
  dictionary:
    firing: "en cours"
`

func templateData() notification.Data {
	at := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	return notification.NewData([]notification.Alert{{
		Status:      notification.StatusFiring,
		Labels:      map[string]string{"alertname": "PodCrash", "namespace": "demo", "pod": "web-0", "rule_id": "r1"},
		Annotations: map[string]string{"summary": "web-0 restarts", "summary_cn": "web-0 重启", "runbook_url": "https://runbooks/x", "owner": "team-a"},
		StartsAt:    at,
	}}, map[string]string{"alertname": "PodCrash"})
}

func TestTemplates(t *testing.T) {
	// A template written for notification-manager: sorted pairs with
	// alertname first and rule_id hidden, the annotations' filter,
	// translate, message and escape.
	custom := `{{ define "team.text" }}{{ range .Alerts }}{{ template "nm.default.message" . }}|{{ range .Labels.SortedPairs }}{{ .Name | translate }}={{ .Value }};{{ end }}|{{ range .Annotations.SortedPairs.DefaultFilter }}{{ .Name }};{{ end }}|{{ escape "a\"b" }}{{ end }}{{ end }}`
	cases := []struct {
		name string
		opts notification.TemplateOptions
		tmpl string
		want string
	}{
		{"the built-in message in English", notification.TemplateOptions{}, notification.TemplateMessage + ".wrapped", "[firing] web-0 restarts"},
		{"a custom template", notification.TemplateOptions{Text: []string{custom}}, "team.text", "[firing] web-0 restarts|alertname=PodCrash;namespace=demo;pod=web-0;|owner;|a\\\"b"},
		{"a language pack translates statuses, label names and the message", notification.TemplateOptions{Text: []string{custom}, Language: "zh-cn", LanguagePacks: []string{zhCN}}, "team.text", "[触发中] web-0 重启|alertname=PodCrash;项目=demo;pod=web-0;|owner;|a\\\"b"},
		{"only the chosen language of a pack", notification.TemplateOptions{Language: "fr", LanguagePacks: []string{zhCN}}, notification.TemplateSubject, "[en cours] alertname=PodCrash"},
		{"a language without a pack renders words as they are", notification.TemplateOptions{Language: "de", LanguagePacks: []string{zhCN}}, notification.TemplateSubject, "[firing] alertname=PodCrash"},
		{"a definition with a built-in's name replaces it", notification.TemplateOptions{Text: []string{`{{ define "nm.default.subject" }}ALERT {{ .CommonLabels.pod }}{{ end }}`}}, notification.TemplateSubject, "ALERT web-0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Text = append(opts.Text, `{{ define "nm.default.message.wrapped" }}{{ range .Alerts }}{{ template "nm.default.message" . }}{{ end }}{{ end }}`)
			tmpl, err := notification.NewTemplates(opts)
			require.NoError(t, err)
			got, err := tmpl.Render(tc.tmpl, templateData())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	t.Run("the email body in a language", func(t *testing.T) {
		tmpl, err := notification.NewTemplates(notification.TemplateOptions{Language: "zh-cn", LanguagePacks: []string{zhCN}})
		require.NoError(t, err)
		msg, err := tmpl.Email(templateData(), "", "", false)
		require.NoError(t, err)
		assert.Equal(t, "[触发中] alertname=PodCrash", msg.Subject)
		assert.Contains(t, msg.Body, "触发中: PodCrash\n  web-0 重启\n  alertname=PodCrash\n  项目=demo\n")
		assert.Contains(t, msg.Body, "开始于 2026-12-01 05:00:00 UTC")
		assert.NotContains(t, msg.Body, "rule_id")
	})

	t.Run("markdown", func(t *testing.T) {
		got, err := mustTemplates(t, notification.TemplateOptions{}).Render(notification.TemplateMarkdown, templateData())
		require.NoError(t, err)
		assert.Equal(t, "### [firing] web-0 restarts\n- alertname: PodCrash\n- namespace: demo\n- pod: web-0\n- owner: team-a\n\n", got)
	})

	bad := []struct {
		name  string
		opts  notification.TemplateOptions
		field string
	}{
		{"a template that does not parse", notification.TemplateOptions{Text: []string{`{{ define "x" }}{{ .Alerts `}}, "text[0]"},
		{"a template calling an unknown function", notification.TemplateOptions{Text: []string{`{{ define "x" }}{{ shout . }}{{ end }}`}}, "text[0]"},
		{"a language pack that is not one", notification.TemplateOptions{LanguagePacks: []string{"name: zh-cn"}}, "languagePacks[0]"},
		{"a language pack with an unknown field", notification.TemplateOptions{LanguagePacks: []string{"- name: zh-cn\n  words: {}"}}, "languagePacks[0]"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := notification.NewTemplates(tc.opts)
			var inv *notification.InvalidError
			require.True(t, errors.As(err, &inv), "got %v", err)
			assert.Equal(t, tc.field, inv.Field)
		})
	}

	t.Run("an unknown template name", func(t *testing.T) {
		_, err := mustTemplates(t, notification.TemplateOptions{}).Render("nm.nothing", templateData())
		var inv *notification.InvalidError
		require.True(t, errors.As(err, &inv), "got %v", err)
		assert.Equal(t, "template", inv.Field)
	})
	t.Run("a template failing while rendering", func(t *testing.T) {
		tmpl := mustTemplates(t, notification.TemplateOptions{Text: []string{`{{ define "x" }}{{ index .Alerts 5 }}{{ end }}`}})
		_, err := tmpl.Render("x", templateData())
		require.ErrorContains(t, err, `render template "x"`)
	})
}

// TestReceiverTemplates: a receiver's template fields pick the templates
// its channel is rendered with, from the Deliverer's Templates in their
// language, and an unknown name is a failure reported without retries.
func TestReceiverTemplates(t *testing.T) {
	ctx := context.Background()
	host, portText, err := net.SplitHostPort(mail.SMTPAddress())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	to := fmt.Sprintf("tmpl-%d@example.com", time.Now().UnixNano())
	cfg := &notificationv2beta2.Config{ObjectMeta: meta("smtp", "type", "default"), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{
		From: "platform@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}}
	receiver := func(subject, body string) notificationv2beta2.Receiver {
		return notificationv2beta2.Receiver{ObjectMeta: meta("ops", "type", "global"), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{
			To: []string{to}, SubjectTemplate: ptr.To(subject), Template: ptr.To(body)}}}
	}
	d := &notification.Deliverer{Templates: mustTemplates(t, notification.TemplateOptions{
		Language: "zh-cn", LanguagePacks: []string{zhCN},
		Text: []string{`{{ define "ops.subject" }}OPS {{ .Status | translate }} {{ .CommonLabels.pod }}{{ end }}{{ define "ops.body" }}{{ range .Alerts }}{{ . | message }}{{ end }}{{ end }}`},
	})}
	delivery := []notification.Delivery{{Target: notification.Target{Receiver: "ops", Channel: "email", Config: cfg}, Alerts: templateData().Alerts}}

	results := d.Deliver(ctx, delivery, notification.Objects{Receivers: []notificationv2beta2.Receiver{receiver("ops.subject", "ops.body")}})
	require.Len(t, results, 1)
	require.NoError(t, results[0].Err)
	got, err := mail.Messages(ctx, to)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "OPS 触发中 web-0", got[0].Subject)
	full, err := mail.Message(ctx, got[0].ID)
	require.NoError(t, err)
	assert.Contains(t, full.Text, "web-0 重启")

	results = d.Deliver(ctx, delivery, notification.Objects{Receivers: []notificationv2beta2.Receiver{receiver("ops.nothing", "ops.body")}})
	var inv *notification.InvalidError
	require.True(t, errors.As(results[0].Err, &inv), "got %v", results[0].Err)
	assert.Equal(t, 1, results[0].Attempts)
}

func mustTemplates(t *testing.T, opts notification.TemplateOptions) *notification.Templates {
	t.Helper()
	tmpl, err := notification.NewTemplates(opts)
	require.NoError(t, err)
	return tmpl
}
