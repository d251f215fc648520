package events_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	eventsv1alpha1 "github.com/spherekit/spherekit/observability/api/events/v1alpha1"
	"github.com/spherekit/spherekit/observability/events"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// raised collects what a Ruler sends.
type raised struct {
	mu     sync.Mutex
	alerts []events.Alert
	notes  []string // namespace/name of the notified events
}

func (r *raised) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.alerts {
		out = append(out, a.Labels["namespace"]+"/"+a.Labels["alertname"])
	}
	slices.Sort(out)
	return out
}

func (r *raised) notified() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.notes))
}

func rule(ns, name, scope string, labels map[string]string, rules ...eventsv1alpha1.EventRule) *eventsv1alpha1.Rule {
	l := map[string]string{eventsv1alpha1.ScopeLabel: scope}
	for k, v := range labels {
		l[k] = v
	}
	return &eventsv1alpha1.Rule{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l}, Spec: eventsv1alpha1.RuleSpec{Rules: rules}}
}

// TestRuler runs cluster, workspace and namespace rules on new events and
// checks what each raises, and that a tenant's Rule claiming a wider scope
// raises nothing.
func TestRuler(t *testing.T) {
	ctx := context.Background()
	home, nsA, nsB := cluster.NewNamespace(t), cluster.NewNamespace(t), cluster.NewNamespace(t)
	wsA := nsA + "-ws"
	for ns, ws := range map[string]string{nsA: wsA, nsB: nsB + "-ws"} {
		var n corev1.Namespace
		require.NoError(t, cluster.Client.Get(ctx, ctrlKey(ns), &n))
		n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		require.NoError(t, cluster.Client.Update(ctx, &n))
	}
	alert := func(name, cond string) eventsv1alpha1.EventRule {
		return eventsv1alpha1.EventRule{Name: name, Condition: cond, Enable: true, Type: eventsv1alpha1.RuleTypeAlert}
	}
	backOff := alert("BackOffAlert", `reason="BackOff" and count>3`)
	backOff.Labels = map[string]string{"severity": "warning"}
	backOff.Annotations = map[string]string{"message": "%message", "summary": "Back-off of %involvedObject.name%", "missing": "%nothing"}
	disabled := alert("Disabled", `type="Warning"`)
	disabled.Enable = false
	for _, r := range []*eventsv1alpha1.Rule{
		rule(home, "cluster-rules", eventsv1alpha1.ScopeCluster, nil,
			disabled, backOff,
			eventsv1alpha1.EventRule{Name: "Warnings", Condition: `type="Warning"`, Enable: true, Type: eventsv1alpha1.RuleTypeNotification},
			eventsv1alpha1.EventRule{Name: "Odd", Condition: `type="Warning"`, Enable: true, Type: "other"}),
		rule(home, "ws-a", eventsv1alpha1.ScopeWorkspace, map[string]string{eventsv1alpha1.WorkspaceLabel: wsA}, alert("WorkspaceA", `type="Normal"`)),
		rule(nsB, "own", eventsv1alpha1.ScopeNamespace, nil, alert("OwnB", `reason="Pulled"`)),
		rule(home, "probe", eventsv1alpha1.ScopeNamespace, nil, alert("Probe", `reason="Probe"`)),
		// A tenant's Rule cannot claim the cluster's or a workspace's scope.
		rule(nsA, "sneaky", eventsv1alpha1.ScopeCluster, nil, alert("Sneaky", `type!=""`)),
		rule(nsA, "sneaky-ws", eventsv1alpha1.ScopeWorkspace, map[string]string{eventsv1alpha1.WorkspaceLabel: nsB + "-ws"}, alert("SneakyWorkspace", `type!=""`)),
		rule(nsA, "bad", eventsv1alpha1.ScopeNamespace, nil, alert("Bad", `reason =`), alert("NotANumber", `reason > 3`)),
	} {
		require.NoError(t, cluster.Client.Create(ctx, r))
	}

	got := &raised{}
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{Scheme: cluster.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	require.NoError(t, err)
	ruler := &events.Ruler{
		RuleNamespace: home, BatchInterval: 100 * time.Millisecond,
		Alerts: func(_ context.Context, alerts []events.Alert) error {
			got.mu.Lock()
			defer got.mu.Unlock()
			got.alerts = append(got.alerts, alerts...)
			return nil
		},
		Notifications: func(_ context.Context, evs []*corev1.Event) error {
			got.mu.Lock()
			defer got.mu.Unlock()
			for _, e := range evs {
				got.notes = append(got.notes, e.Namespace+"/"+e.Name)
			}
			return nil
		},
	}
	require.NoError(t, ruler.SetupWithManager(ctx, mgr))
	mgrCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mgrCtx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.True(t, mgr.GetCache().WaitForCacheSync(ctx))
	// The Ruler evaluates the events that arrive once it runs: probe until
	// the rule namespace's own probe rule fires.
	testenv.Eventually(t, func() (bool, error) {
		probe := newEvent(home, "probe-"+time.Now().Format("150405.000000"), "Probe")
		if err := cluster.Client.Create(ctx, probe); err != nil {
			return false, err
		}
		time.Sleep(300 * time.Millisecond)
		return slices.Contains(got.names(), home+"/Probe"), nil
	}, "the ruler runs")

	backOffA := newEvent(nsA, "backoff", "BackOff")
	backOffA.Count = 5
	backOffA.InvolvedObject.FieldPath = "spec.containers{web}"
	pulledA := newEvent(nsA, "pulled", "Pulled")
	pulledA.Type = corev1.EventTypeNormal
	pulledB := newEvent(nsB, "pulled", "Pulled")
	pulledB.Type = corev1.EventTypeNormal
	backOffB := newEvent(nsB, "backoff", "BackOff")
	backOffB.Count = 2
	// otherA reaches a1's own rules, which do not parse or evaluate.
	otherA := newEvent(nsA, "other", "Other")
	for _, e := range []*corev1.Event{backOffA, pulledA, pulledB, backOffB, otherA} {
		require.NoError(t, cluster.Client.Create(ctx, e))
	}
	wantAlerts := []string{nsA + "/BackOffAlert", nsA + "/WorkspaceA", nsB + "/OwnB"}
	wantNotes := []string{nsA + "/backoff", nsA + "/other", nsB + "/backoff"}
	testenv.Eventually(t, func() (bool, error) {
		return len(without(got.names(), home)) >= len(wantAlerts) && len(without(got.notified(), home)) >= len(wantNotes), nil
	}, "the rules raise their alerts and notifications")
	time.Sleep(500 * time.Millisecond) // a sneaky rule would have fired by now
	slices.Sort(wantAlerts)
	slices.Sort(wantNotes)
	assert.Equal(t, wantAlerts, without(got.names(), home))
	assert.Equal(t, wantNotes, without(got.notified(), home))

	got.mu.Lock()
	defer got.mu.Unlock()
	for _, a := range got.alerts {
		if a.Labels["alertname"] != "BackOffAlert" {
			continue
		}
		assert.Equal(t, map[string]string{"alertname": "BackOffAlert", "alerttype": "event", "pod": "web-0", "namespace": nsA, "container": "web", "severity": "warning"}, a.Labels)
		assert.Equal(t, map[string]string{"message": "BackOff happened", "summary": "Back-off of web-0", "missing": "<nil>"}, a.Annotations)
		assert.Equal(t, backOffA.LastTimestamp.Unix(), a.StartsAt.Unix())
	}
}

func without(items []string, ns string) []string {
	var out []string
	for _, s := range items {
		if !strings.HasPrefix(s, ns+"/") {
			out = append(out, s)
		}
	}
	return out
}
