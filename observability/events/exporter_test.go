package events_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/spherekit/spherekit/observability/events"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// runExporter runs a manager with an Exporter and returns the function
// that stops it and waits until it has.
func runExporter(t *testing.T) (stop func()) {
	t.Helper()
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{Scheme: cluster.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	require.NoError(t, err)
	x := &events.Exporter{Store: store, Cluster: "host", BatchInterval: 100 * time.Millisecond}
	require.NoError(t, x.SetupWithManager(context.Background(), mgr))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		require.NoError(t, <-done)
	}
	t.Cleanup(stop)
	return stop
}

// states lists the stored states of the events of namespace ns, as
// "name count" strings, sorted.
func states(t *testing.T, ns string) []string {
	t.Helper()
	require.NoError(t, store.Flush(context.Background()))
	var out []string
	err := store.Export(context.Background(), logstore.Query{Filter: logstore.Equal(logscope.FieldNamespace, ns)}, func(r logstore.Record) error {
		e, err := events.Event(r)
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %d", e.Name, e.Count))
		return nil
	})
	require.NoError(t, err)
	sort.Strings(out)
	return out
}

func newEvent(ns, name, reason string) *corev1.Event {
	now := metav1.Now()
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "web-0", APIVersion: "v1"},
		Reason:         reason, Message: reason + " happened", Type: corev1.EventTypeWarning,
		Count: 1, FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "test"},
	}
}

func TestExporter(t *testing.T) {
	ctx := context.Background()
	ns := cluster.NewNamespace(t)
	var n corev1.Namespace
	require.NoError(t, cluster.Client.Get(ctx, ctrlKey(ns), &n))
	n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: "team-a"}
	require.NoError(t, cluster.Client.Update(ctx, &n))

	stop := runExporter(t)
	e := newEvent(ns, "backoff", "BackOff")
	require.NoError(t, cluster.Client.Create(ctx, e))
	require.NoError(t, cluster.Client.Create(ctx, newEvent(ns, "pulled", "Pulled")))
	testenv.Eventually(t, func() (bool, error) { return len(states(t, ns)) == 2, nil }, "the new events are stored")

	// A new count is a new state.
	e.Count = 2
	e.LastTimestamp = metav1.NewTime(e.LastTimestamp.Add(time.Second))
	require.NoError(t, cluster.Client.Update(ctx, e))
	testenv.Eventually(t, func() (bool, error) { return len(states(t, ns)) == 3, nil }, "the second state is stored")

	t.Run("records carry the tenant fields and the event", func(t *testing.T) {
		require.NoError(t, store.Flush(ctx))
		page, err := store.Search(ctx, logstore.Query{Filter: logstore.Equal(logscope.FieldNamespace, ns), Limit: 1})
		require.NoError(t, err)
		require.Len(t, page.Records, 1)
		r := page.Records[0]
		assert.Equal(t, "team-a", r.Fields[logscope.FieldWorkspace])
		assert.Equal(t, "host", r.Fields[logscope.FieldCluster])
		assert.Equal(t, "BackOff", r.Fields[events.FieldReason])
		assert.Equal(t, "Pod", r.Fields[events.FieldKind])
		assert.Equal(t, "BackOff happened", r.Message)
		got, err := events.Event(r)
		require.NoError(t, err)
		assert.Equal(t, int32(2), got.Count, "newest first")
	})

	// While no exporter runs: an event changes again, a new one comes, and
	// one stays as it was.
	stop()
	e.Count = 3
	e.LastTimestamp = metav1.NewTime(e.LastTimestamp.Add(time.Second))
	require.NoError(t, cluster.Client.Update(ctx, e))
	require.NoError(t, cluster.Client.Create(ctx, newEvent(ns, "scheduled", "Scheduled")))

	runExporter(t)
	testenv.Eventually(t, func() (bool, error) { return len(states(t, ns)) >= 5, nil }, "the states seen after the restart are stored")
	// Let the exporter settle, then check nothing was written twice.
	time.Sleep(time.Second)
	assert.Equal(t, []string{"backoff 1", "backoff 2", "backoff 3", "pulled 1", "scheduled 1"}, states(t, ns),
		"each state once: the restart lists every event again and writes only the states the store lacks")
}

func TestSetupRefusals(t *testing.T) {
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{Scheme: cluster.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	require.NoError(t, err)
	for _, tt := range []struct {
		x     *events.Exporter
		field string
	}{
		{&events.Exporter{}, "Store"},
		{&events.Exporter{Store: store, BatchSize: -1}, "BatchSize"},
		{&events.Exporter{Store: store, BatchInterval: -time.Second}, "BatchInterval"},
	} {
		err := tt.x.SetupWithManager(context.Background(), mgr)
		var ie *events.InvalidError
		require.True(t, errors.As(err, &ie), "%v", err)
		assert.Equal(t, tt.field, ie.Field)
	}
}

func ctrlKey(name string) client.ObjectKey { return client.ObjectKey{Name: name} }

// TestExporterKeepsEventsAPIEvents: an events.k8s.io/v1 Event (what newer
// controllers write) is the same object as its core/v1 form, so the
// exporter's core/v1 watch keeps it, with its note as the message and its
// eventTime as the time.
func TestExporterKeepsEventsAPIEvents(t *testing.T) {
	ctx := context.Background()
	ns := cluster.NewNamespace(t)
	runExporter(t)
	at := metav1.NewMicroTime(time.Now().Add(-time.Minute).Truncate(time.Microsecond))
	require.NoError(t, cluster.Client.Create(ctx, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-0.scheduled"},
		EventTime:  at, ReportingController: "example.com/scheduler", ReportingInstance: "scheduler-1",
		Action: "Binding", Reason: "Scheduled", Note: "assigned web-0 to node-1", Type: corev1.EventTypeNormal,
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "web-0", APIVersion: "v1"},
	}))
	var r logstore.Record
	testenv.Eventually(t, func() (bool, error) {
		if err := store.Flush(ctx); err != nil {
			return false, err
		}
		page, err := store.Search(ctx, logstore.Query{Filter: logstore.Equal(logscope.FieldNamespace, ns), Limit: 1})
		if err != nil || len(page.Records) == 0 {
			return false, err
		}
		r = page.Records[0]
		return true, nil
	}, "the events.k8s.io Event is stored")
	assert.Equal(t, "assigned web-0 to node-1", r.Message)
	assert.Equal(t, "Scheduled", r.Fields[events.FieldReason])
	assert.Equal(t, "web-0", r.Fields[events.FieldName])
	assert.True(t, at.Time.Equal(r.Time), "the event time, %v, is the record's, %v", at.Time, r.Time)
}
