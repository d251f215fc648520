package notification_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// hookRecorder is a webhook receiver that keeps what it was sent.
type hookRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, string(body))
	h.mu.Unlock()
}

func (h *hookRecorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

// TestDispatcher runs the whole pipeline on the real servers: tenants and
// their members in the API server, read by an Authorizer fed from a
// cache; notification objects in the API server; Alertmanager's webhook
// payload posted to the Dispatcher; email delivered to mailpit; history
// kept in VictoriaLogs and read back per tenant.
func TestDispatcher(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := fmt.Sprintf("d%d", time.Now().UnixNano()%1_000_000_000)
	ws, demo, other := p+"-ws", p+"-demo", p+"-other"
	alice, bob, carol, root := p+"-alice", p+"-bob", p+"-carol", p+"-root"

	// The tenancy: alice is a member of demo, carol of the workspace demo
	// is in, bob of another project; root administers the platform.
	view := []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}
	user := func(n string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}}
	}
	ref := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	wsl := map[string]string{tenantv1beta1.WorkspaceLabel: ws}
	create(t,
		&tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: demo, Labels: wsl}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: p + "-admin"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: root}, Subjects: user(root), RoleRef: ref("GlobalRole", p+"-admin")},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ws + "-viewer", Labels: wsl}, Rules: view},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: carol, Labels: wsl}, Subjects: user(carol), RoleRef: ref("WorkspaceRole", ws+"-viewer")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: demo}, Rules: view},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: alice, Namespace: demo}, Subjects: user(alice), RoleRef: ref("Role", "viewer")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: other}, Rules: view},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: bob, Namespace: other}, Subjects: user(bob), RoleRef: ref("Role", "viewer")},
	)

	// The notification objects: alice's and bob's mail through mailpit,
	// carol's through an SMTP server that is down, and a global webhook.
	// (Tenant configs, not a default one: other tests' default configs
	// would compete for the tenants' receivers.)
	hook := &hookRecorder{}
	hookServer := httptest.NewServer(hook)
	defer hookServer.Close()
	host, portText, err := net.SplitHostPort(mail.SMTPAddress())
	require.NoError(t, err)
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	down, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	downPort := down.Addr().(*net.TCPAddr).Port
	require.NoError(t, down.Close())
	to := func(u string) string { return u + "@example.com" }
	tenantReceiver := func(u string) *notificationv2beta2.Receiver {
		return &notificationv2beta2.Receiver{ObjectMeta: meta(u, "type", "tenant", "user", u), Spec: notificationv2beta2.ReceiverSpec{Email: &notificationv2beta2.EmailReceiver{To: []string{to(u)}}}}
	}
	create(t,
		&notificationv2beta2.Config{ObjectMeta: meta(p+"-alice-smtp", "type", "tenant", "user", alice), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "platform@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}},
		&notificationv2beta2.Config{ObjectMeta: meta(p+"-bob-smtp", "type", "tenant", "user", bob), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "platform@example.com", SmartHost: notificationv2beta2.HostPort{Host: host, Port: port}}}},
		&notificationv2beta2.Config{ObjectMeta: meta(p+"-carol-smtp", "type", "tenant", "user", carol), Spec: notificationv2beta2.ConfigSpec{Email: &notificationv2beta2.EmailConfig{From: "carol@example.com", SmartHost: notificationv2beta2.HostPort{Host: "127.0.0.1", Port: downPort}}}},
		tenantReceiver(alice), tenantReceiver(bob), tenantReceiver(carol),
		&notificationv2beta2.Receiver{ObjectMeta: meta(p+"-pager", "type", "global"), Spec: notificationv2beta2.ReceiverSpec{Webhook: &notificationv2beta2.WebhookReceiver{
			URL: ptr.To(hookServer.URL), AlertSelector: &notificationv2beta2.LabelSelector{MatchLabels: map[string]string{"test": p}}}}},
	)

	az := startAuthorizer(t)
	history, err := notification.NewHistory(notification.HistoryOptions{Store: store, Authorizer: az, Cluster: p})
	require.NoError(t, err)
	d, err := notification.NewDispatcher(notification.DispatcherOptions{
		Reader:    env.Client,
		Deliverer: &notification.Deliverer{GroupLabels: []string{"alertname", "namespace"}, Attempts: 2, RetryWait: 10 * time.Millisecond, Timeout: 5 * time.Second},
		History:   history, Tenants: notification.TenantsWhoSee(ctx, az),
		BatchMaxWait: 200 * time.Millisecond, Token: "am-token",
	})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Start(runCtx) }()
	server := httptest.NewServer(d)
	defer server.Close()

	post := func(token, body string) int {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, server.URL, strings.NewReader(body))
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	payload := fmt.Sprintf(`{"version":"4","status":"firing","receiver":"spherekit","alerts":[
	 {"status":"firing","labels":{"alertname":"PodCrash","namespace":%q,"rule_level":"namespace","pod":"web-0","test":%q},"annotations":{"summary":"web-0 restarts"},"startsAt":"2026-12-01T04:00:00Z"},
	 {"status":"firing","labels":{"alertname":"NodeDown","test":%q},"startsAt":"2026-12-01T04:00:00Z"}]}`, demo, p, p)
	assert.Equal(t, http.StatusUnauthorized, post("", payload), "no token")
	assert.Equal(t, http.StatusUnauthorized, post("wrong", payload), "a wrong token")
	assert.Equal(t, http.StatusBadRequest, post("am-token", `{"version":"4","alerts":[{"labels":{}}]}`), "a malformed payload")
	require.Equal(t, http.StatusOK, post("am-token", payload))

	// alice and carol may see demo; alice's mail arrives, carol's fails
	// and is recorded; bob gets nothing; the cluster alert reaches only
	// the global webhook.
	mine := []string{alice, bob, carol, p + "-pager"} // other tests' global receivers get these alerts too
	require.NoError(t, waitHistory(ctx, history, root, mine, 4))
	got, err := mail.Messages(ctx, to(alice))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "[firing] alertname=PodCrash namespace="+demo, got[0].Subject)
	assert.Equal(t, 2, hook.count(), "one notification per group: PodCrash in demo, NodeDown")
	bobs, err := mail.Messages(ctx, to(bob))
	require.NoError(t, err)
	assert.Empty(t, bobs, "bob cannot see "+demo)

	entries := func(u string) []string {
		page, err := history.Query(ctx, authz.User{Name: u}, notification.HistoryQuery{Receivers: mine, Size: 100})
		require.NoError(t, err)
		var out []string
		for _, e := range page.Entries {
			out = append(out, fmt.Sprintf("%s %s/%s %s", e.Alert.Labels["alertname"], strings.TrimPrefix(e.Receiver, p+"-"), e.Channel, e.Outcome))
		}
		return out
	}
	assert.ElementsMatch(t, []string{"PodCrash alice/email sent"}, entries(alice))
	assert.ElementsMatch(t, []string{"PodCrash carol/email failed"}, entries(carol))
	assert.Empty(t, entries(bob), "bob's history is empty: nothing was sent to him")
	assert.ElementsMatch(t, []string{"PodCrash alice/email sent", "PodCrash carol/email failed", "PodCrash pager/webhook sent", "NodeDown pager/webhook sent"}, entries(root))
	failed, err := history.Query(ctx, authz.User{Name: carol}, notification.HistoryQuery{Outcome: notification.OutcomeFailed})
	require.NoError(t, err)
	require.Len(t, failed.Entries, 1)
	assert.Contains(t, failed.Entries[0].Error, strconv.Itoa(downPort), "the failure names the SMTP server that could not be reached")
	assert.Equal(t, 2, failed.Entries[0].Attempts)

	stop()
	require.NoError(t, <-done)

	t.Run("bad queries", func(t *testing.T) {
		for _, q := range []notification.HistoryQuery{{Outcome: "lost"}, {Size: -1}, {Size: notification.MaxHistorySize + 1}, {From: -1}} {
			_, err := history.Query(ctx, authz.User{Name: alice}, q)
			var inv *notification.InvalidError
			assert.True(t, errors.As(err, &inv), "%+v: %v", q, err)
		}
	})
}

// waitHistory waits until user's history of receivers has n entries.
func waitHistory(ctx context.Context, h *notification.History, user string, receivers []string, n int) error {
	for {
		if err := store.Flush(ctx); err != nil {
			return err
		}
		page, err := h.Query(ctx, authz.User{Name: user}, notification.HistoryQuery{Receivers: receivers, Size: 100})
		if err != nil {
			return err
		}
		if page.Total >= int64(n) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("history of %s has %d entries, want %d (%+v): %w", user, page.Total, n, page.Entries, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestDispatcherQueue: a full queue refuses alerts whole, and its
// webhook answers 503 so that Alertmanager sends them again; the queued
// ones are processed when the Dispatcher stops.
func TestDispatcherQueue(t *testing.T) {
	ctx := context.Background()
	az, err := authz.NewFromObjects()
	require.NoError(t, err)
	history, err := notification.NewHistory(notification.HistoryOptions{Store: store, Authorizer: az, Cluster: "queue"})
	require.NoError(t, err)
	d, err := notification.NewDispatcher(notification.DispatcherOptions{Reader: env.Client, Deliverer: &notification.Deliverer{}, History: history, Policy: notification.PolicyRouterOnly, QueueSize: 2, BatchMaxWait: time.Hour})
	require.NoError(t, err)
	require.NoError(t, d.Dispatch([]notification.Alert{alert("A")}))
	require.ErrorIs(t, d.Dispatch([]notification.Alert{alert("B"), alert("C")}), notification.ErrQueueFull)
	assert.Equal(t, 1, d.Queued(), "a refused dispatch queues nothing")

	server := httptest.NewServer(d)
	defer server.Close()
	resp, err := http.Post(server.URL, "application/json", strings.NewReader(`{"version":"4","alerts":[
	 {"status":"firing","labels":{"alertname":"B"},"startsAt":"2026-12-01T04:00:00Z"},{"status":"firing","labels":{"alertname":"C"},"startsAt":"2026-12-01T04:00:00Z"}]}`))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	runCtx, stop := context.WithCancel(ctx)
	stop()
	require.NoError(t, d.Start(runCtx))
	assert.Equal(t, 0, d.Queued(), "a stopping Dispatcher processes what is queued")

	for _, tc := range []struct {
		opts  notification.DispatcherOptions
		field string
	}{
		{notification.DispatcherOptions{}, "Reader"},
		{notification.DispatcherOptions{Reader: env.Client}, "Deliverer"},
		{notification.DispatcherOptions{Reader: env.Client, Deliverer: &notification.Deliverer{}}, "History"},
		{notification.DispatcherOptions{Reader: env.Client, Deliverer: &notification.Deliverer{}, History: history}, "Tenants"},
		{notification.DispatcherOptions{Reader: env.Client, Deliverer: &notification.Deliverer{}, History: history, Policy: "Some"}, "Policy"},
	} {
		_, err := notification.NewDispatcher(tc.opts)
		var inv *notification.InvalidError
		require.True(t, errors.As(err, &inv), "%v", err)
		assert.Equal(t, tc.field, inv.Field)
	}
}

// TestRateLimit: a channel's rate limit makes a notification wait for its
// turn, or fail with ErrRateLimited when the turn is beyond MaxWait; the
// failure is reported, not dropped.
func TestRateLimit(t *testing.T) {
	hook := &hookRecorder{}
	server := httptest.NewServer(hook)
	defer server.Close()
	objs := notification.Objects{Receivers: []notificationv2beta2.Receiver{
		{ObjectMeta: meta("pager", "type", "global"), Spec: notificationv2beta2.ReceiverSpec{Webhook: &notificationv2beta2.WebhookReceiver{URL: ptr.To(server.URL)}}},
	}}
	deliveries, err := notification.Route([]notification.Alert{alert("A"), alert("B"), alert("C")}, objs, notification.RouteOptions{Policy: notification.PolicyAll, Tenants: tenants})
	require.NoError(t, err)

	strict := &notification.Deliverer{GroupLabels: []string{"alertname"}, RateLimits: map[string]notification.RateLimit{"webhook": {Threshold: 2, Unit: time.Hour}}}
	results := strict.Deliver(context.Background(), deliveries, objs)
	require.Len(t, results, 3)
	assert.NoError(t, results[0].Err)
	assert.NoError(t, results[1].Err)
	require.ErrorIs(t, results[2].Err, notification.ErrRateLimited)
	assert.Equal(t, 1, results[2].Attempts, "a rate-limited notification is not retried")
	assert.Equal(t, 2, hook.count())

	patient := &notification.Deliverer{GroupLabels: []string{"alertname"}, RateLimits: map[string]notification.RateLimit{"webhook": {Threshold: 1, Unit: 50 * time.Millisecond, MaxWait: time.Minute}}}
	for _, r := range patient.Deliver(context.Background(), deliveries, objs) {
		assert.NoError(t, r.Err)
	}
	assert.Equal(t, 5, hook.count(), "waiting for its turn, every notification is sent")
}

// startAuthorizer runs a cache over the test cluster and an Authorizer fed
// by it, for the length of the test.
func startAuthorizer(t testing.TB) *authz.Authorizer {
	t.Helper()
	var az *authz.Authorizer
	env.StartCache(t, cache.Options{}, func(ctx context.Context, c cache.Cache) (err error) {
		az, err = authz.NewFromCache(logr.NewContext(ctx, logr.Discard()), c, authz.Options{})
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, az.WaitForSync(ctx))
	return az
}

func create(t testing.TB, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		require.NoError(t, env.Client.Create(context.Background(), o), "create %T %s", o, o.GetName())
	}
}
