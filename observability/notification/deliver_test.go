package notification_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// TestDeliver routes alerts to a tenant's email (on the real mailpit) and
// Slack (an HTTP server checking Slack's format), a global webhook that
// fails twice before it answers, a Telegram channel no Config configures
// and a Pushover channel no Config configures, and checks
// every outcome is reported, failures without retries where a retry
// cannot help.
func TestDeliver(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer hook.Close()
	host, portText, err := net.SplitHostPort(mail.SMTPAddress())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	to := fmt.Sprintf("alice-%d@example.com", time.Now().UnixNano())

	objs := notification.Objects{
		Receivers: []notificationv2beta2.Receiver{
			{ObjectMeta: meta("pager", "type", "global"), Spec: notificationv2beta2.ReceiverSpec{Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To(hook.URL)}}},
			{ObjectMeta: meta("alice", "type", "tenant", "user", "alice"), Spec: notificationv2beta2.ReceiverSpec{
				Email:    &notificationv2beta2.EmailReceiver{To: []string{to}},
				Slack:    &notificationv2beta2.SlackReceiver{Channels: []string{"#alice"}},
				Telegram: &notificationv2beta2.TelegramReceiver{Channels: []string{"@alice"}},
				Pushover: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{{UserKey: ptr.To("u")}}}}},
		},
		Configs: []notificationv2beta2.Config{
			{ObjectMeta: meta("smtp", "type", "default"),
				Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "platform@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}},
			{ObjectMeta: meta("alice-slack", "type", "tenant", "user", "alice"),
				Spec: notificationv2beta2.ConfigSpec{Slack: &notificationv2beta2.SlackConfig{SlackTokenSecret: &notificationv2beta2.Credential{Value: "xoxb-test"}}}},
		},
	}
	alerts := []notification.Alert{
		alert("PodCrash", "namespace", "demo", "rule_level", "namespace", "pod", "web-0"),
		alert("PodCrash", "namespace", "demo", "rule_level", "namespace", "pod", "web-1"),
		alert("DiskFull", "namespace", "demo", "rule_level", "namespace"),
	}
	deliveries, err := notification.Route(alerts, objs, notification.RouteOptions{Tenants: tenants})
	require.NoError(t, err)
	slack := &slackAPI{}
	slackServer := httptest.NewServer(slack)
	defer slackServer.Close()
	d := &notification.Deliverer{GroupLabels: []string{"alertname"}, RetryWait: 10 * time.Millisecond, SlackAPIURL: slackServer.URL}
	results := d.Deliver(ctx, deliveries, objs)

	outcome := map[string]string{}
	for _, r := range results {
		key := fmt.Sprintf("%s/%s %s", r.Target.Receiver, r.Target.Channel, r.Data.GroupLabels["alertname"])
		outcome[key] = fmt.Sprintf("sent after %d", r.Attempts)
		if r.Err != nil {
			outcome[key] = fmt.Sprintf("failed after %d: %v", r.Attempts, r.Err)
		}
	}
	assert.Equal(t, map[string]string{
		"alice/email DiskFull":    "sent after 1",
		"alice/email PodCrash":    "sent after 1",
		"alice/slack DiskFull":    "sent after 1",
		"alice/slack PodCrash":    "sent after 1",
		"alice/pushover DiskFull": "failed after 1: invalid receiver alice spec.pushover.pushoverConfigSelector: no Config configures pushover for it",
		"alice/pushover PodCrash": "failed after 1: invalid receiver alice spec.pushover.pushoverConfigSelector: no Config configures pushover for it",
		"alice/telegram DiskFull": "failed after 1: invalid receiver alice spec.telegram.telegramConfigSelector: no Config configures telegram for it",
		"alice/telegram PodCrash": "failed after 1: invalid receiver alice spec.telegram.telegramConfigSelector: no Config configures telegram for it",
		"pager/webhook DiskFull":  "sent after 1",
		"pager/webhook PodCrash":  "sent after 3",
	}, outcome, "the webhook's first two answers were 503; the first notification to it was retried")

	assert.Len(t, slack.posts, 2, "one Slack message per group")
	got, err := mail.Messages(ctx, to)
	require.NoError(t, err)
	var subjects []string
	for _, m := range got {
		subjects = append(subjects, m.Subject)
	}
	assert.ElementsMatch(t, []string{"[firing:2] alertname=PodCrash", "[firing] alertname=DiskFull"}, subjects)

	t.Run("a failure that stays is reported with every try", func(t *testing.T) {
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
		defer down.Close()
		objs := notification.Objects{Receivers: []notificationv2beta2.Receiver{{ObjectMeta: meta("down", "type", "global"),
			Spec: notificationv2beta2.ReceiverSpec{Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To(down.URL)}}}}}
		ds, err := notification.Route(alerts[:1], objs, notification.RouteOptions{Tenants: tenants})
		require.NoError(t, err)
		rs := (&notification.Deliverer{Attempts: 2, RetryWait: time.Millisecond}).Deliver(ctx, ds, objs)
		require.Len(t, rs, 1)
		assert.Equal(t, 2, rs[0].Attempts)
		require.ErrorContains(t, rs[0].Err, "502 Bad Gateway: down")
	})
}
