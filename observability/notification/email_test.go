package notification_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

func TestRenderEmail(t *testing.T) {
	a := alert("PodCrash", "namespace", "demo", "pod", "web-0")
	a.Annotations = map[string]string{"summary": "web-0 restarts"}
	a.StartsAt = time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	b := alert("PodCrash", "namespace", "demo", "pod", "web-1")
	b.Status = notification.StatusResolved
	msg, err := notification.RenderEmail(notification.Group([]notification.Alert{a, b}, []string{"alertname", "namespace"})[0])
	require.NoError(t, err)
	assert.Equal(t, "[firing:2] alertname=PodCrash namespace=demo", msg.Subject)
	assert.Contains(t, msg.Body, "firing: PodCrash\n  web-0 restarts\n  alertname=PodCrash\n  namespace=demo\n  pod=web-0\n  since 2026-12-01 05:00:00 UTC\n")
	assert.Contains(t, msg.Body, "resolved: PodCrash\n")

	b.Status = notification.StatusResolved
	a.Status = notification.StatusResolved
	msg, err = notification.RenderEmail(notification.NewData([]notification.Alert{a}, map[string]string{"alertname": "PodCrash"}))
	require.NoError(t, err)
	assert.Equal(t, "[resolved] alertname=PodCrash", msg.Subject)
}

// TestSendEmail delivers to the real mailpit: authenticated with a
// password from a Secret, then with a subject that tries to add a header,
// then to a server that is not there.
func TestSendEmail(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "smtp"}, Data: map[string][]byte{"password": []byte("pw")}}))
	secrets := notification.Secrets{Reader: env.Client, Namespace: ns}
	host, portText, err := net.SplitHostPort(mail.SMTPAddress())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	cfg := &notificationv2beta2.EmailConfig{From: "alerts@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port},
		AuthUsername: ptr.To("alerts"), AuthPassword: &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: "smtp", Key: "password"}}}}
	to := fmt.Sprintf("alice-%d@example.com", time.Now().UnixNano())
	receiver := &notificationv2beta2.EmailReceiver{To: []string{to}}

	a := alert("PodCrash", "namespace", "demo", "pod", "web-0")
	a.Annotations = map[string]string{"summary": "web-0 restarts"}
	msg, err := notification.RenderEmail(notification.NewData([]notification.Alert{a}, map[string]string{"alertname": "PodCrash"}))
	require.NoError(t, err)
	require.NoError(t, notification.SendEmail(ctx, secrets, cfg, receiver, msg, 0))
	got, err := mail.Messages(ctx, to)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "[firing] alertname=PodCrash", got[0].Subject)
	full, err := mail.Message(ctx, got[0].ID)
	require.NoError(t, err)
	assert.Contains(t, full.Text, "web-0 restarts")

	t.Run("a subject cannot add headers", func(t *testing.T) {
		to := fmt.Sprintf("bob-%d@example.com", time.Now().UnixNano())
		evil := notification.Email{Subject: "hi\r\nBcc: mallory@example.com", Body: "body"}
		require.NoError(t, notification.SendEmail(ctx, secrets, cfg, &notificationv2beta2.EmailReceiver{To: []string{to}}, evil, 0))
		got, err := mail.Messages(ctx, to)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.True(t, strings.HasPrefix(got[0].Subject, "hi"))
		headers, err := mail.Headers(ctx, got[0].ID)
		require.NoError(t, err)
		assert.NotContains(t, headers, "Bcc", "the subject's line break did not start a header")
		assert.Len(t, headers["Subject"], 1)
	})
	t.Run("refusals", func(t *testing.T) {
		gone := *cfg
		gone.SmartHost.Port = 1
		require.ErrorContains(t, notification.SendEmail(ctx, secrets, &gone, receiver, msg, 2*time.Second), "reach SMTP server")
		tlsOnly := *cfg
		tlsOnly.RequireTLS = ptr.To(true)
		require.ErrorContains(t, notification.SendEmail(ctx, secrets, &tlsOnly, receiver, msg, 0), "does not offer STARTTLS")
		var ie *notification.InvalidError
		require.ErrorAs(t, notification.SendEmail(ctx, secrets, cfg, &notificationv2beta2.EmailReceiver{}, msg, 0), &ie)
		assert.Equal(t, "spec.email.to", ie.Field)
		noSecret := *cfg
		noSecret.AuthPassword = &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: "missing", Key: "password"}}}
		require.ErrorContains(t, notification.SendEmail(ctx, secrets, &noSecret, receiver, msg, 0), "read secret")
	})
}
