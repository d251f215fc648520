package notification_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/testenv/alertmanager"
	"github.com/spherekit/spherekit/testenv/mailpit"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// trigger is a scrape target whose series spherekit_e2e_trigger a test
// raises, one per label value, to make Prometheus's rule fire.
type trigger struct {
	mu     sync.Mutex
	series []string
}

func (tr *trigger) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# TYPE spherekit_e2e_trigger gauge")
	for _, s := range tr.series {
		fmt.Fprintf(w, "spherekit_e2e_trigger{%s} 1\n", s)
	}
}

func (tr *trigger) raise(namespace, id string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.series = append(tr.series, fmt.Sprintf("namespace=%q,id=%q", namespace, id))
}

// alertPipeline is the whole chain on real servers: a scrape target,
// Prometheus with an alerting rule on it, Alertmanager sending to a
// Dispatcher's webhook with a bearer token, and a tenant member of the
// alert's namespace whose mail goes to mailpit.
type alertPipeline struct {
	prom      *prometheus.Server
	trigger   *trigger
	namespace string
	mailbox   string
}

// startAlertPipeline starts the chain for the length of the test.
func startAlertPipeline(tb testing.TB) *alertPipeline {
	tb.Helper()
	ctx := context.Background()
	p := fmt.Sprintf("e%d", time.Now().UnixNano()%1_000_000_000)
	pl := &alertPipeline{trigger: &trigger{}, namespace: p + "-demo", mailbox: p + "-alice@example.com"}
	alice := p + "-alice"

	// The tenancy and alice's mail settings, in the API server.
	view := []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	host, portText, err := net.SplitHostPort(mail.SMTPAddress())
	require.NoError(tb, err)
	port, err := strconv.Atoi(portText)
	require.NoError(tb, err)
	create(tb,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: pl.namespace}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: pl.namespace}, Rules: view},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: alice, Namespace: pl.namespace},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: alice}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "viewer"}},
		&notificationv2beta2.Config{ObjectMeta: meta(alice+"-smtp", "type", "tenant", "user", alice), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{
			From: "alerts@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}},
		&notificationv2beta2.Receiver{ObjectMeta: meta(alice, "type", "tenant", "user", alice), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{pl.mailbox}}}},
	)

	az := startAuthorizer(tb)
	history, err := notification.NewHistory(notification.HistoryOptions{Store: store, Authorizer: az, Cluster: p})
	require.NoError(tb, err)
	d, err := notification.NewDispatcher(notification.DispatcherOptions{
		Reader: env.Client, Deliverer: &notification.Deliverer{GroupLabels: []string{"alertname", "id"}},
		History: history, Tenants: notification.TenantsWhoSee(ctx, az),
		BatchMaxWait: 20 * time.Millisecond, Token: "am-" + p,
	})
	require.NoError(tb, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Start(runCtx) }()
	tb.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	})
	hook := httptest.NewServer(d)
	tb.Cleanup(hook.Close)
	target := httptest.NewServer(pl.trigger)
	tb.Cleanup(target.Close)

	am, err := alertmanager.Start(ctx, alertmanager.Options{Progress: testWriter{tb}, Config: fmt.Sprintf(`
route:
  receiver: spherekit
  group_by: [alertname, namespace, id]
  group_wait: 10ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: spherekit
  webhook_configs:
  - url: %s
    send_resolved: true
    http_config:
      authorization:
        type: Bearer
        credentials: am-%s
`, hook.URL, p)})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = am.Stop() })
	prom, err := prometheus.Start(ctx, prometheus.Options{
		Progress:      testWriter{tb},
		ScrapeConfigs: []prometheus.ScrapeConfig{{JobName: "trigger", Targets: []string{strings.TrimPrefix(target.URL, "http://")}}},
		Alertmanagers: []string{am.Address()},
		RuleFiles: map[string]string{"e2e.yaml": `
groups:
- name: e2e
  rules:
  - alert: SpherekitE2E
    expr: spherekit_e2e_trigger > 0
    labels:
      rule_level: namespace
      severity: warning
    annotations:
      summary: "trigger {{ $labels.id }} in {{ $labels.namespace }}"
`},
	})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = prom.Stop() })
	pl.prom = prom
	return pl
}

// waitMail waits until the mailbox holds a message whose subject
// contains want, and returns it.
func (pl *alertPipeline) waitMail(ctx context.Context, want string) (mailpit.Message, error) {
	for {
		msgs, err := mail.Messages(ctx, pl.mailbox)
		if err != nil {
			return mailpit.Message{}, err
		}
		for _, m := range msgs {
			if strings.Contains(m.Subject, want) {
				return m, nil
			}
		}
		select {
		case <-ctx.Done():
			return mailpit.Message{}, fmt.Errorf("no message %q in %s: %w", want, pl.mailbox, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// testWriter sends a server's progress lines to the test log.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestPrometheusToMailbox: an alert the real Prometheus fires goes
// through the real Alertmanager to the Dispatcher's webhook (with its
// bearer token) and lands in the mailbox of the tenant who may see its
// namespace.
func TestPrometheusToMailbox(t *testing.T) {
	pl := startAlertPipeline(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pl.trigger.raise(pl.namespace, "first")
	m, err := pl.waitMail(ctx, "id=first")
	require.NoError(t, err)
	require.Equal(t, "[firing] alertname=SpherekitE2E id=first", m.Subject)
	full, err := mail.Message(ctx, m.ID)
	require.NoError(t, err)
	require.Contains(t, full.Text, "trigger first in "+pl.namespace)
}

// BenchmarkPrometheusToMailbox measures the time from a series crossing
// the rule's threshold (scraped every second, the rule evaluated every
// second) to the SMTP server holding the tenant's message, through
// Prometheus, Alertmanager (group_wait 10ms), the Dispatcher (batch wait
// 20ms), routing by the authorizer's index and SMTP delivery.
func BenchmarkPrometheusToMailbox(b *testing.B) {
	pl := startAlertPipeline(b)
	ctx := context.Background()
	arrived := map[string]time.Time{}
	b.ResetTimer()
	for i := range b.N {
		id := "b" + strconv.Itoa(i)
		pl.trigger.raise(pl.namespace, id)
		waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
		_, err := pl.waitMail(waitCtx, "id="+id)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		arrived[id] = time.Now()
	}
	b.StopTimer()
	// From the moment Prometheus's rule fired (the alert's activeAt; the
	// rule has no for:) to the message in the mailbox.
	res, err := pl.prom.API().Alerts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var sum time.Duration
	n := 0
	for _, a := range res.Alerts {
		if at, ok := arrived[string(a.Labels["id"])]; ok {
			sum += at.Sub(a.ActiveAt)
			n++
		}
	}
	if n != len(arrived) {
		b.Fatalf("Prometheus reports %d of the %d alerts", n, len(arrived))
	}
	b.ReportMetric(float64(sum.Milliseconds())/float64(n), "firing-to-mailbox-ms")
}
