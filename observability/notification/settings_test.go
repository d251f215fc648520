package notification_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// TestSettingsOf reads a NotificationManager stored in the real API
// server, with its template and language pack in ConfigMaps.
func TestSettingsOf(t *testing.T) {
	ctx := context.Background()
	ns := fmt.Sprintf("nm-%d", time.Now().UnixNano()%1_000_000_000)
	create(t,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "templates", Namespace: ns}, Data: map[string]string{
			"b.tmpl": `{{ define "team.subject" }}{{ .Status | translate }}!{{ end }}`,
			"a.tmpl": `{{ define "team.subject" }}overridden by b{{ end }}`,
		}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "zh-cn", Namespace: ns}, Data: map[string]string{"zh-cn": zhCN}},
	)
	nm := &notificationv2beta2.NotificationManager{
		ObjectMeta: metav1.ObjectMeta{Name: "notification-manager-" + ns},
		Spec: notificationv2beta2.NotificationManagerSpec{
			DefaultSecretNamespace: ns,
			Receivers: &notificationv2beta2.ReceiversSpec{
				TenantKey:              "namespace",
				GlobalReceiverSelector: &notificationv2beta2.KubeLabelSelector{MatchLabels: map[string]string{"type": "global"}},
				TenantReceiverSelector: &notificationv2beta2.KubeLabelSelector{MatchLabels: map[string]string{"type": "tenant"}},
				Options: &notificationv2beta2.ReceiverOptions{DingTalk: &notificationv2beta2.DingTalkOptions{
					ChatBotThrottle: &notificationv2beta2.Throttle{Threshold: 20, Unit: time.Minute, MaxWaitTime: 10 * time.Second}}}},
			GroupLabels:  []string{"alertname", "namespace"},
			BatchMaxSize: 50,
			BatchMaxWait: &metav1.Duration{Duration: 30 * time.Second},
			RoutePolicy:  notificationv2beta2.RoutePolicyRouterFirst,
			Template: &notificationv2beta2.Template{
				Text:         &notificationv2beta2.ConfigmapKeySelector{Name: "templates"},
				LanguagePack: []*notificationv2beta2.ConfigmapKeySelector{{Name: "zh-cn", Key: "zh-cn"}},
				Language:     "zh-cn",
			},
		},
	}
	create(t, nm)
	var stored notificationv2beta2.NotificationManager
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(nm), &stored))

	s, err := notification.SettingsOf(ctx, env.Client, &stored, "unused")
	require.NoError(t, err)
	assert.Equal(t, notification.PolicyRouterFirst, s.Policy)
	assert.Equal(t, []string{"alertname", "namespace"}, s.GroupLabels)
	assert.Equal(t, 50, s.BatchMaxSize)
	assert.Equal(t, 30*time.Second, s.BatchMaxWait)
	assert.Equal(t, map[string]notification.RateLimit{"dingtalk": {Threshold: 20, Unit: time.Minute, MaxWait: 10 * time.Second}}, s.RateLimits)
	got, err := s.Templates.Render("team.subject", templateData())
	require.NoError(t, err)
	assert.Equal(t, "触发中!", got, "the keys are read in order, the later definition wins, in the pack's language")

	bad := []struct {
		name  string
		mut   func(*notificationv2beta2.NotificationManager)
		check func(*testing.T, error)
	}{
		{"an unknown policy", func(nm *notificationv2beta2.NotificationManager) { nm.Spec.RoutePolicy = "Everyone" }, invalidField("spec.routePolicy")},
		{"a negative batch", func(nm *notificationv2beta2.NotificationManager) { nm.Spec.BatchMaxSize = -1 }, invalidField("spec.batchMaxSize")},
		{"a missing key", func(nm *notificationv2beta2.NotificationManager) { nm.Spec.Template.LanguagePack[0].Key = "fr" }, invalidField("spec.template.languagePack[0].key")},
		{"a missing ConfigMap", func(nm *notificationv2beta2.NotificationManager) { nm.Spec.Template.Text.Name = "gone" }, func(t *testing.T, err error) {
			assert.True(t, apierrors.IsNotFound(err), "got %v", err)
			assert.ErrorContains(t, err, "spec.template.text")
		}},
		{"a template that does not parse", func(nm *notificationv2beta2.NotificationManager) {
			nm.Spec.Template.Text = nil
			nm.Spec.Template.LanguagePack = []*notificationv2beta2.ConfigmapKeySelector{{Name: "templates", Key: "a.tmpl"}}
		}, invalidField("languagePacks[0]")},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			nm := stored.DeepCopy()
			tc.mut(nm)
			_, err := notification.SettingsOf(ctx, env.Client, nm, "unused")
			require.Error(t, err)
			tc.check(t, err)
		})
	}
}

func invalidField(field string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		var inv *notification.InvalidError
		require.True(t, errors.As(err, &inv), "got %v", err)
		assert.Equal(t, field, inv.Field)
	}
}
