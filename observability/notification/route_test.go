package notification_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/spherekit/spherekit/observability/alerting"
	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/events"
	"github.com/spherekit/spherekit/observability/notification"
)

func meta(name string, labels ...string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: name, Labels: map[string]string{}}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Labels[labels[i]] = labels[i+1]
	}
	return m
}

// world: a global email receiver and a global on-call webhook, alice's
// email and Slack, bob's webhook for critical alerts only, carol's email
// (she sees another namespace), a receiver labelled neither global nor a
// tenant's; configs; a router sending critical alerts to on-call;
// a global silence of the Watchdog and alice's silence of a noisy pod.
func world() notification.Objects {
	critical := &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"severity": "critical"}}
	return notification.Objects{
		Receivers: []notificationv2beta2.Receiver{
			{ObjectMeta: meta("ops", "type", "global"), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{"ops@example.com"}}}},
			{ObjectMeta: meta("oncall", "type", "global", "team", "sre"), Spec: notificationv2beta2.ReceiverSpec{
				Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To("http://pager"), Enabled: ptr.To(true)},
				Slack:   &notificationv2beta2.SlackReceiver{Channels: []string{"#sre"}, Enabled: ptr.To(false)}}},
			{ObjectMeta: meta("alice", "type", "tenant", "user", "alice"), Spec: notificationv2beta2.ReceiverSpec{
				Email: &notificationv2beta2.EmailReceiver{To: []string{"alice@example.com"}},
				Slack: &notificationv2beta2.SlackReceiver{Channels: []string{"#alice"}}}},
			{ObjectMeta: meta("bob", "type", "tenant", "user", "bob"), Spec: notificationv2beta2.ReceiverSpec{
				Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To("http://bob"), AlertSelector: critical}}},
			{ObjectMeta: meta("carol", "type", "tenant", "user", "carol"), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{"carol@example.com"}}}},
			{ObjectMeta: meta("nobody"), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{"x@example.com"}}}},
		},
		Configs: []notificationv2beta2.Config{
			{ObjectMeta: meta("default-email", "type", "default"), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "platform@example.com"}}},
			{ObjectMeta: meta("alice-slack", "type", "tenant", "user", "alice"), Spec: notificationv2beta2.ConfigSpec{Slack: &notificationv2beta2.SlackConfig{}}},
		},
		Routers: []notificationv2beta2.Router{
			{ObjectMeta: meta("critical-to-oncall"), Spec: notificationv2beta2.RouterSpec{AlertSelector: critical,
				Receivers: notificationv2beta2.ReceiverSelector{Selector: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"team": "sre"}}, Type: "webhook"}}},
			{ObjectMeta: meta("disabled"), Spec: notificationv2beta2.RouterSpec{Enabled: ptr.To(false), AlertSelector: &notificationv2beta2.LabelSelector{},
				Receivers: notificationv2beta2.ReceiverSelector{Name: []string{"carol"}}}},
		},
		Silences: []notificationv2beta2.Silence{
			{ObjectMeta: meta("watchdog", "type", "global"), Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"alertname": "Watchdog"}}}},
			{ObjectMeta: meta("alice-noisy", "type", "tenant", "user", "alice"), Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"pod": "noisy"}}}},
			{ObjectMeta: meta("expired", "type", "global"), Spec: notificationv2beta2.SilenceSpec{Matcher: &notificationv2beta2.LabelSelector{},
				StartsAt: &metav1.Time{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, Duration: &metav1.Duration{Duration: time.Hour}}},
		},
	}
}

func alert(name string, labels ...string) notification.Alert {
	a := notification.Alert{Status: notification.StatusFiring, Labels: map[string]string{"alertname": name}, StartsAt: time.Now()}
	for i := 0; i+1 < len(labels); i += 2 {
		a.Labels[labels[i]] = labels[i+1]
	}
	return a
}

func tenants(_, namespace string) ([]string, error) {
	switch namespace {
	case "demo":
		return []string{"alice", "bob"}, nil
	case "other":
		return []string{"carol"}, nil
	}
	return nil, nil
}

// summary lists deliveries as receiver/channel: alert names.
func summary(ds []notification.Delivery) []string {
	var out []string
	for _, d := range ds {
		var names []string
		for _, a := range d.Alerts {
			names = append(names, a.Labels["alertname"])
		}
		out = append(out, fmt.Sprintf("%s/%s: %v", d.Target.Receiver, d.Target.Channel, names))
	}
	return out
}

func TestRoute(t *testing.T) {
	alerts := []notification.Alert{
		alert("PodCrash", "namespace", "demo", "rule_level", "namespace", "severity", "warning"),
		alert("Noisy", "namespace", "demo", "rule_level", "namespace", "pod", "noisy", "severity", "critical"),
		alert("Watchdog", "severity", "none"),
		alert("NodeDown", "severity", "critical", "node", "n1"),
		alert("SystemPod", "namespace", "other", "rule_level", "cluster", "severity", "warning"),
	}
	tests := []struct {
		policy notification.RoutePolicy
		want   []string
	}{
		{notification.PolicyAll, []string{
			"alice/email: [PodCrash]", "alice/slack: [PodCrash]", "bob/webhook: [Noisy]",
			"oncall/webhook: [PodCrash Noisy NodeDown SystemPod]", "ops/email: [PodCrash Noisy NodeDown SystemPod]"}},
		{notification.PolicyRouterFirst, []string{
			"alice/email: [PodCrash]", "alice/slack: [PodCrash]",
			"oncall/webhook: [PodCrash Noisy NodeDown SystemPod]", "ops/email: [PodCrash SystemPod]"}},
		{notification.PolicyRouterOnly, []string{"oncall/webhook: [Noisy NodeDown]"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			ds, err := notification.Route(alerts, world(), notification.RouteOptions{Policy: tt.policy, Tenants: tenants})
			require.NoError(t, err)
			assert.Equal(t, tt.want, summary(ds))
		})
	}

	t.Run("configs", func(t *testing.T) {
		ds, err := notification.Route(alerts[:1], world(), notification.RouteOptions{Tenants: tenants})
		require.NoError(t, err)
		configs := map[string]string{}
		for _, d := range ds {
			name := "none"
			if d.Target.Config != nil {
				name = d.Target.Config.Name
			}
			configs[d.Target.Receiver+"/"+d.Target.Channel] = name
			if d.Target.Receiver == "alice" {
				assert.Equal(t, "alice", d.Target.Tenant)
			}
		}
		assert.Equal(t, map[string]string{"alice/email": "default-email", "alice/slack": "alice-slack", "oncall/webhook": "none", "ops/email": "default-email"}, configs)
	})
	t.Run("a namespace's tenants are asked once", func(t *testing.T) {
		var asked []string
		_, err := notification.Route(alerts[:2], world(), notification.RouteOptions{Tenants: func(c, ns string) ([]string, error) {
			asked = append(asked, ns)
			return tenants(c, ns)
		}})
		require.NoError(t, err)
		assert.Equal(t, []string{"demo"}, asked)
	})
	t.Run("refusals", func(t *testing.T) {
		_, err := notification.Route(alerts, world(), notification.RouteOptions{Policy: "Some", Tenants: tenants})
		requireField(t, err, "Policy")
		_, err = notification.Route(alerts, world(), notification.RouteOptions{})
		requireField(t, err, "Tenants")
		_, err = notification.Route(alerts, world(), notification.RouteOptions{Tenants: func(string, string) ([]string, error) { return nil, errors.New("down") }})
		require.ErrorContains(t, err, "down")
		objs := world()
		objs.Silences[0].Spec.Schedule = "never"
		_, err = notification.Route(alerts, objs, notification.RouteOptions{Tenants: tenants})
		var ie *notification.InvalidError
		require.ErrorAs(t, err, &ie)
		assert.True(t, slices.Contains([]string{"spec.schedule"}, ie.Field))
	})
}

func TestFromEventAlerts(t *testing.T) {
	at := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	got := notification.FromEventAlerts([]events.Alert{{Labels: map[string]string{"alertname": "BackOff", "namespace": "demo", "alerttype": "event"},
		Annotations: map[string]string{"message": "back-off"}, StartsAt: at}})
	require.Len(t, got, 1)
	assert.Equal(t, notification.Alert{Status: notification.StatusFiring, Labels: map[string]string{"alertname": "BackOff", "namespace": "demo", "alerttype": "event"},
		Annotations: map[string]string{"message": "back-off"}, StartsAt: at}, got[0])
	ds, err := notification.Route(got, world(), notification.RouteOptions{Tenants: tenants})
	require.NoError(t, err)
	assert.Equal(t, []string{"oncall/webhook: [BackOff]", "ops/email: [BackOff]"}, summary(ds), "global receivers only: an event alert has no rule_level")
}

func TestFromAlertingAlerts(t *testing.T) {
	at := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	labels := map[string]string{"alertname": "PodCrash", "namespace": "demo", "rule_level": "namespace"}
	got := notification.FromAlertingAlerts([]alerting.Alert{
		{Name: "PodCrash", Scope: alerting.Namespace("demo"), State: alerting.StateFiring, Labels: labels, Annotations: map[string]string{"summary": "crash"}, ActiveAt: at},
		{Name: "Slow", Scope: alerting.Namespace("demo"), State: alerting.StatePending, Labels: map[string]string{"alertname": "Slow"}, ActiveAt: at},
	})
	require.Equal(t, []notification.Alert{{Status: notification.StatusFiring, Labels: labels, Annotations: map[string]string{"summary": "crash"}, StartsAt: at}}, got,
		"pending alerts are not notified")
}
