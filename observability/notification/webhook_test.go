package notification_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
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

func TestNewData(t *testing.T) {
	a := alert("PodCrash", "namespace", "demo", "pod", "web-0", "severity", "warning")
	a.Annotations = map[string]string{"summary": "crash", "runbook": "x"}
	b := alert("PodCrash", "namespace", "demo", "pod", "web-1", "severity", "")
	b.Annotations = map[string]string{"summary": "crash"}
	d := notification.NewData([]notification.Alert{a, b}, map[string]string{"alertname": "PodCrash"})
	assert.Equal(t, map[string]string{"alertname": "PodCrash", "namespace": "demo"}, d.CommonLabels)
	assert.Equal(t, map[string]string{"summary": "crash"}, d.CommonAnnotations)
	assert.Equal(t, map[string]string{"alertname": "PodCrash"}, d.GroupLabels)
	empty := notification.NewData(nil, nil)
	assert.Empty(t, empty.CommonLabels)
	assert.NotNil(t, empty.GroupLabels)
}

// TestSendWebhook posts to a real HTTP server in the test, with a bearer
// token read from a Secret on the real API server, then over TLS with the
// server's CA, and with basic authentication.
func TestSendWebhook(t *testing.T) {
	ctx := context.Background()
	ns := env.NewNamespace(t)
	require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hook"}, Data: map[string][]byte{"token": []byte("s3cret")}}))
	secrets := notification.Secrets{Reader: env.Client, Namespace: ns}

	type received struct {
		auth, user, password, contentType string
		data                              notification.Data
	}
	got := make(chan received, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rec received
		rec.auth, rec.contentType = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		rec.user, rec.password, _ = r.BasicAuth()
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &rec.data); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/fail" {
			http.Error(w, "no room", http.StatusInsufficientStorage)
			return
		}
		got <- rec
	})
	data := notification.NewData([]notification.Alert{alert("PodCrash", "namespace", "demo")}, nil)

	plain := httptest.NewServer(handler)
	defer plain.Close()
	r := &notificationv2beta2.WebhookReceiver{URL: ptr.To(plain.URL + "/hook"), HTTPConfig: &notificationv2beta2.HTTPClientConfig{
		BearerToken: &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: "hook", Key: "token"}}}}}
	require.NoError(t, notification.SendWebhook(ctx, secrets, r, data, 0))
	rec := <-got
	assert.Equal(t, "Bearer s3cret", rec.auth)
	assert.Equal(t, "application/json", rec.contentType)
	require.Len(t, rec.data.Alerts, 1)
	assert.Equal(t, "PodCrash", rec.data.Alerts[0].Labels["alertname"])

	t.Run("over TLS, trusting the server's CA, with basic authentication", func(t *testing.T) {
		tlsServer := httptest.NewTLSServer(handler)
		defer tlsServer.Close()
		ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsServer.Certificate().Raw})
		r := &notificationv2beta2.WebhookReceiver{URL: ptr.To(tlsServer.URL), HTTPConfig: &notificationv2beta2.HTTPClientConfig{
			BasicAuth: &notificationv2beta2.BasicAuth{Username: "hook", Password: &notificationv2beta2.Credential{Value: "pw"}},
			TLSConfig: &notificationv2beta2.TLSConfig{RootCA: &notificationv2beta2.Credential{Value: string(ca)}}}}
		require.NoError(t, notification.SendWebhook(ctx, secrets, r, data, 0))
		rec := <-got
		assert.Equal(t, "hook", rec.user)
		assert.Equal(t, "pw", rec.password)

		r.HTTPConfig.TLSConfig = nil
		require.ErrorContains(t, notification.SendWebhook(ctx, secrets, r, data, 0), "certificate", "without the CA the server is not trusted")
	})
	t.Run("failures", func(t *testing.T) {
		err := notification.SendWebhook(ctx, secrets, &notificationv2beta2.WebhookReceiver{URL: ptr.To(plain.URL + "/fail")}, data, 0)
		require.ErrorContains(t, err, "507 Insufficient Storage: no room")

		missing := &notificationv2beta2.WebhookReceiver{URL: ptr.To(plain.URL), HTTPConfig: &notificationv2beta2.HTTPClientConfig{
			BearerToken: &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: "hook", Key: "nope"}}}}}
		var ie *notification.InvalidError
		require.ErrorAs(t, notification.SendWebhook(ctx, secrets, missing, data, 0), &ie)

		err = notification.SendWebhook(ctx, secrets, &notificationv2beta2.WebhookReceiver{}, data, 0)
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, "spec.webhook", ie.Field)

		svc := &notificationv2beta2.WebhookReceiver{Service: &notificationv2beta2.ServiceReference{Namespace: "monitoring", Name: "hook", Port: ptr.To[int32](8080), Path: ptr.To("/alerts")}}
		require.ErrorContains(t, notification.SendWebhook(ctx, secrets, svc, data, time.Second), "http://hook.monitoring.svc:8080/alerts", "a Service is reached by its cluster DNS name")

		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}))
		defer slow.Close()
		err = notification.SendWebhook(ctx, secrets, &notificationv2beta2.WebhookReceiver{URL: ptr.To(slow.URL)}, data, 100*time.Millisecond)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestGroup(t *testing.T) {
	alerts := []notification.Alert{
		alert("PodCrash", "namespace", "demo", "pod", "a"),
		alert("NodeDown", "node", "n1"),
		alert("PodCrash", "namespace", "demo", "pod", "b"),
		alert("PodCrash", "namespace", "prod", "pod", "c"),
	}
	groups := notification.Group(alerts, []string{"alertname", "namespace"})
	require.Len(t, groups, 3)
	assert.Equal(t, map[string]string{"alertname": "PodCrash", "namespace": "demo"}, groups[0].GroupLabels)
	assert.Len(t, groups[0].Alerts, 2)
	assert.Equal(t, map[string]string{"alertname": "PodCrash", "namespace": "demo"}, groups[0].CommonLabels)
	assert.Equal(t, map[string]string{"alertname": "NodeDown"}, groups[1].GroupLabels, "an empty value is left out")
	assert.Equal(t, "c", groups[2].Alerts[0].Labels["pod"])

	all := notification.Group(alerts, nil)
	require.Len(t, all, 1)
	assert.Len(t, all[0].Alerts, 4)
	assert.Empty(t, all[0].GroupLabels)
	assert.Empty(t, notification.Group(nil, []string{"alertname"}))
}
