package auditing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/auditing"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

// storedCreates counts the stored create audit events of ConfigMaps in ns.
func storedCreates(ctx context.Context, ns string) (int64, error) {
	if err := store.Flush(ctx); err != nil {
		return 0, err
	}
	f := logstore.And(logstore.Equal(logscope.FieldNamespace, ns), logstore.Equal(auditing.FieldVerb, "create"),
		logstore.Equal(auditing.FieldResource, "configmaps"), logstore.Equal(auditing.FieldCode, "201"))
	c, err := store.Count(ctx, f, time.Time{}, time.Time{}, "")
	return c.Records, err
}

// BenchmarkAuditTrailUnderWriteLoad drives the real kube-apiserver with 8
// writers creating b.N ConfigMaps, then waits until the sink has stored
// the create audit event of every one: creates/s is what the API server
// accepted under the load, audited/s the same count over the time until
// the whole trail was stored (the API server batches every 200 ms here),
// lost what never arrived (the benchmark fails if any is lost).
func BenchmarkAuditTrailUnderWriteLoad(b *testing.B) {
	ctx := context.Background()
	ns := fmt.Sprintf("bench-audit-%d", time.Now().UnixNano())
	require.NoError(b, cluster.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	cfg := rest.CopyConfig(cluster.Config)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side rate limit
	c, err := client.New(cfg, client.Options{Scheme: cluster.Scheme})
	require.NoError(b, err)

	const writers = 8
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("cm-%d", i)}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	created := time.Since(start)
	close(errs)
	require.NoError(b, <-errs)
	var stored int64
	deadline := time.Now().Add(2 * time.Minute)
	for stored < int64(b.N) && time.Now().Before(deadline) {
		if stored, err = storedCreates(ctx, ns); err != nil {
			b.Fatal(err)
		}
		if stored < int64(b.N) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	audited := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/created.Seconds(), "creates/s")
	b.ReportMetric(float64(stored)/audited.Seconds(), "audited/s")
	b.ReportMetric(float64(int64(b.N)-stored), "lost")
	require.Equal(b, int64(b.N), stored, "every create's audit event is stored")
}

// BenchmarkSinkBatch compares one batch of 400 audit events (the API
// server's default batch size) through the sink (decode, workspace lookup,
// convert to KubeSphere's shape, write) with writing the same records to
// the store directly, the floor the sink adds to; both store the same
// records.
func BenchmarkSinkBatch(b *testing.B) {
	ctx := context.Background()
	ns := fmt.Sprintf("bench-sink-%d", time.Now().UnixNano())
	require.NoError(b, cluster.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	sink, err := auditing.NewSink(auditing.SinkOptions{Store: store, Reader: reader, Token: sinkToken, Cluster: clusterName})
	require.NoError(b, err)
	batch := func(prefix string) ([]auditv1.Event, []byte) {
		now := time.Now()
		events := make([]auditv1.Event, 400)
		for i := range events {
			events[i] = auditv1.Event{
				Level: auditv1.LevelMetadata, AuditID: types.UID(fmt.Sprintf("%s-%d", prefix, i)), Stage: auditv1.StageResponseComplete,
				RequestURI: "/api/v1/namespaces/" + ns + "/configmaps", Verb: "create", SourceIPs: []string{"10.0.0.7"},
				ObjectRef:                &auditv1.ObjectReference{Resource: "configmaps", Namespace: ns, Name: fmt.Sprintf("cm-%d", i), APIVersion: "v1"},
				ResponseStatus:           &metav1.Status{Code: 201},
				RequestReceivedTimestamp: metav1.NewMicroTime(now), StageTimestamp: metav1.NewMicroTime(now),
			}
			events[i].User.Username = "bench"
		}
		body, err := json.Marshal(auditv1.EventList{TypeMeta: metav1.TypeMeta{APIVersion: "audit.k8s.io/v1", Kind: "EventList"}, Items: events})
		require.NoError(b, err)
		return events, body
	}
	count := func(prefix string) int64 {
		require.NoError(b, store.Flush(ctx))
		c, err := store.Count(ctx, logstore.And(logstore.Equal(logscope.FieldNamespace, ns), logstore.HasPrefix(auditing.FieldAuditID, prefix+"-")), time.Time{}, time.Time{}, "")
		require.NoError(b, err)
		return c.Records
	}
	// Both sides store the same records.
	_, body := batch("check-sink")
	r := httptest.NewRequest(http.MethodPost, sinkPath, bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+sinkToken)
	w := httptest.NewRecorder()
	sink.ServeHTTP(w, r)
	require.Equal(b, http.StatusOK, w.Code, w.Body.String())
	events, _ := batch("check-direct")
	records := make([]logstore.Record, len(events))
	for i := range events {
		records[i], err = auditing.Record(&events[i], "", clusterName)
		require.NoError(b, err)
	}
	require.NoError(b, store.Write(ctx, records))
	require.Equal(b, int64(400), count("check-sink"))
	require.Equal(b, count("check-sink"), count("check-direct"))

	b.Run("sink", func(b *testing.B) {
		_, body := batch("sink")
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, sinkPath, bytes.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+sinkToken)
			w := httptest.NewRecorder()
			sink.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatal(w.Body.String())
			}
		}
		b.ReportMetric(float64(400*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("store-direct", func(b *testing.B) {
		for b.Loop() {
			if err := store.Write(ctx, records); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(400*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
