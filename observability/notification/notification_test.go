package notification_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// payload is what Alertmanager v0.35's webhook_config posts.
const payload = `{"receiver":"spherekit","status":"firing","alerts":[
 {"status":"firing","labels":{"alertname":"KubePodCrashLooping","namespace":"demo","pod":"web-0","severity":"warning"},
  "annotations":{"summary":"web-0 restarts"},"startsAt":"2026-12-01T05:00:00.123Z","endsAt":"0001-01-01T00:00:00Z",
  "generatorURL":"http://prometheus:9090/graph","fingerprint":"a1b2c3d4e5f60718"},
 {"status":"resolved","labels":{"alertname":"NodeDown","node":"n1"},"annotations":{},"startsAt":"2026-12-01T04:00:00Z",
  "endsAt":"2026-12-01T04:30:00Z","generatorURL":"","fingerprint":"0011223344556677"}],
 "groupLabels":{"alertname":"KubePodCrashLooping"},"commonLabels":{},"commonAnnotations":{},
 "externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"KubePodCrashLooping\"}","truncatedAlerts":0}`

func TestDecodeWebhook(t *testing.T) {
	alerts, err := notification.DecodeWebhook([]byte(payload))
	require.NoError(t, err)
	require.Len(t, alerts, 2)
	assert.Equal(t, notification.Alert{
		Status: "firing", Labels: map[string]string{"alertname": "KubePodCrashLooping", "namespace": "demo", "pod": "web-0", "severity": "warning"},
		Annotations: map[string]string{"summary": "web-0 restarts"}, StartsAt: time.Date(2026, 12, 1, 5, 0, 0, 123e6, time.UTC),
		GeneratorURL: "http://prometheus:9090/graph", Fingerprint: "a1b2c3d4e5f60718",
	}, alerts[0])
	assert.Equal(t, notification.StatusResolved, alerts[1].Status)
	assert.Equal(t, time.Date(2026, 12, 1, 4, 30, 0, 0, time.UTC), alerts[1].EndsAt)

	for body, field := range map[string]string{
		`not json`:                    "body",
		`{"version":"3","alerts":[]}`: "version",
		`{"alerts":[]}`:               "version",
		`{"version":"4","alerts":[{"status":"pending","labels":{"a":"b"},"startsAt":"2026-12-01T04:00:00Z"}]}`: "alerts[0].status",
		`{"version":"4","alerts":[{"status":"firing","labels":{},"startsAt":"2026-12-01T04:00:00Z"}]}`:         "alerts[0].labels",
		`{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"}}]}`:                                    "alerts[0].startsAt",
		`{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}]}`:             "body",
	} {
		_, err := notification.DecodeWebhook([]byte(body))
		var ie *notification.InvalidError
		require.ErrorAs(t, err, &ie, body)
		assert.Equal(t, field, ie.Field, body)
	}
}

// FuzzDecodeWebhook checks that any body decodes into alerts that each
// have a status, labels and a start, or is refused with an *InvalidError.
func FuzzDecodeWebhook(f *testing.F) {
	f.Add([]byte(payload))
	f.Add([]byte(`{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"2026-12-01T04:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := notification.DecodeWebhook(body)
		if err != nil {
			var ie *notification.InvalidError
			require.ErrorAs(t, err, &ie)
			return
		}
		for _, a := range alerts {
			assert.Contains(t, []string{notification.StatusFiring, notification.StatusResolved}, a.Status)
			assert.NotEmpty(t, a.Labels)
			assert.False(t, a.StartsAt.IsZero())
		}
	})
}

func TestMatches(t *testing.T) {
	alert := map[string]string{"alertname": "KubePodCrashLooping", "namespace": "demo-prod", "severity": "warning"}
	req := func(key, op string, values ...string) notificationv2beta2.LabelSelectorRequirement {
		return notificationv2beta2.LabelSelectorRequirement{Key: key, Operator: notificationv2beta2.LabelSelectorOperator(op), Values: values}
	}
	match := func(key, re string) notificationv2beta2.LabelSelectorRequirement {
		return notificationv2beta2.LabelSelectorRequirement{Key: key, Operator: notificationv2beta2.LabelSelectorOpMatch, RegexValue: re}
	}
	tests := []struct {
		name   string
		sel    *notificationv2beta2.LabelSelector
		labels map[string]string
		want   bool
	}{
		{"nil selects all", nil, alert, true},
		{"no labels match nothing", &notificationv2beta2.LabelSelector{}, nil, false},
		{"empty selects all", &notificationv2beta2.LabelSelector{}, alert, true},
		{"matchLabels", &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"severity": "warning"}}, alert, true},
		{"matchLabels differ", &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"severity": "critical"}}, alert, false},
		{"In", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{req("severity", "In", "warning", "critical")}}, alert, true},
		{"NotIn", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{req("severity", "NotIn", "warning")}}, alert, false},
		{"Exists", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{req("namespace", "Exists")}}, alert, true},
		{"DoesNotExist", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{req("node", "DoesNotExist")}}, alert, true},
		{"Match, unanchored", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{match("namespace", "prod")}}, alert, true},
		{"Match anchored", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{match("namespace", "^prod")}}, alert, false},
		{"two Matches on one key, both needed", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{match("namespace", "^demo"), match("namespace", "test$")}}, alert, false},
		{"Match on a missing label sees empty", &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{match("node", "^$")}}, alert, true},
		{"all ANDed", &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"severity": "warning"},
			MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{match("namespace", "-prod$"), req("alertname", "In", "NodeDown")}}, alert, false},
	}
	for _, tt := range tests {
		got, err := notification.Matches(tt.sel, tt.labels)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
	for _, bad := range []notificationv2beta2.LabelSelectorRequirement{match("namespace", "("), req("severity", "In"), req("severity", "Sometimes", "x")} {
		sel := &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{bad}}
		_, err := notification.Matches(sel, alert)
		var ie *notification.InvalidError
		require.ErrorAs(t, err, &ie, "%+v", bad)
		err = notification.ValidateSelector(sel, "spec.alertSelector")
		require.ErrorAs(t, err, &ie)
		assert.Contains(t, ie.Field, "spec.alertSelector")
	}
}

func TestSilenceActive(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC) // a Tuesday
	hours := func(h float64) *metav1.Duration {
		return &metav1.Duration{Duration: time.Duration(h * float64(time.Hour))}
	}
	at := func(h int) *metav1.Time { t := metav1.NewTime(now.Add(time.Duration(h) * time.Hour)); return &t }
	tests := []struct {
		name string
		spec notificationv2beta2.SilenceSpec
		want bool
	}{
		{"no time: always", notificationv2beta2.SilenceSpec{}, true},
		{"disabled", notificationv2beta2.SilenceSpec{Enabled: ptr.To(false)}, false},
		{"started, no duration", notificationv2beta2.SilenceSpec{StartsAt: at(-5)}, true},
		{"not started yet", notificationv2beta2.SilenceSpec{StartsAt: at(1)}, false},
		{"started, within its duration", notificationv2beta2.SilenceSpec{StartsAt: at(-1), Duration: hours(2)}, true},
		{"started, past its duration", notificationv2beta2.SilenceSpec{StartsAt: at(-3), Duration: hours(2)}, false},
		{"every day at 10:00 for an hour", notificationv2beta2.SilenceSpec{Schedule: "0 10 * * *", Duration: hours(1)}, true},
		{"every day at 10:00 for 20 minutes", notificationv2beta2.SilenceSpec{Schedule: "0 10 * * *", Duration: hours(1.0 / 3)}, false},
		{"at 10:30 exactly, for a minute", notificationv2beta2.SilenceSpec{Schedule: "30 10 * * *", Duration: hours(1.0 / 60)}, true},
		{"on Mondays for a day", notificationv2beta2.SilenceSpec{Schedule: "0 0 * * 1", Duration: hours(24)}, false},
		{"on Tuesdays for a day", notificationv2beta2.SilenceSpec{Schedule: "0 0 * * 2", Duration: hours(24)}, true},
		{"a schedule without duration", notificationv2beta2.SilenceSpec{Schedule: "0 0 1 1 *"}, true},
		{"a schedule wins over startsAt", notificationv2beta2.SilenceSpec{Schedule: "0 0 1 1 *", Duration: hours(1), StartsAt: at(-1)}, false},
	}
	for _, tt := range tests {
		got, err := notification.SilenceActive(&notificationv2beta2.Silence{Spec: tt.spec}, now)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
	_, err := notification.SilenceActive(&notificationv2beta2.Silence{Spec: notificationv2beta2.SilenceSpec{Schedule: "every day"}}, now)
	var ie *notification.InvalidError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "spec.schedule", ie.Field)
}

func TestValidateSilence(t *testing.T) {
	ok := &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"namespace": "demo"}}
	require.NoError(t, notification.ValidateSilence(&notificationv2beta2.Silence{Spec: notificationv2beta2.SilenceSpec{Matcher: ok, Schedule: "*/5 * * * *"}}))
	for field, spec := range map[string]notificationv2beta2.SilenceSpec{
		"spec.matcher":  {},
		"spec.schedule": {Matcher: ok, Schedule: "61 * * * *"},
		"spec.duration": {Matcher: ok, Duration: &metav1.Duration{Duration: -time.Minute}},
		"spec.matcher.matchExpressions[0].regexValue": {Matcher: &notificationv2beta2.LabelSelector{MatchExpressions: []notificationv2beta2.LabelSelectorRequirement{
			{Key: "a", Operator: notificationv2beta2.LabelSelectorOpMatch, RegexValue: "["}}}},
	} {
		err := notification.ValidateSilence(&notificationv2beta2.Silence{Spec: spec})
		var ie *notification.InvalidError
		require.ErrorAs(t, err, &ie, field)
		assert.Equal(t, field, ie.Field)
	}
}
