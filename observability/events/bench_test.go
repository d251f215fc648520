package events_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/spherekit/spherekit/observability/events"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

// BenchmarkExporterLag creates b.N Events at 1,000 per second (paced, from
// 32 writers) while an Exporter with its default batching runs, and
// measures each event's lag: from its create returning to its record
// being searchable in VictoriaLogs (the store is polled every 50 ms, so
// lags are up to 50 ms late). rate/s is the create rate the API server
// sustained; lost events fail the benchmark.
func BenchmarkExporterLag(b *testing.B) {
	ctx := context.Background()
	ns := fmt.Sprintf("bench-lag-%d", time.Now().UnixNano())
	require.NoError(b, cluster.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	cfg := rest.CopyConfig(cluster.Config)
	cfg.QPS, cfg.Burst = -1, 0
	c, err := client.New(cfg, client.Options{Scheme: cluster.Scheme})
	require.NoError(b, err)
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{Scheme: cluster.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	require.NoError(b, err)
	require.NoError(b, (&events.Exporter{Store: store, Cluster: "host"}).SetupWithManager(ctx, mgr))
	mgrCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mgrCtx) }()
	defer func() {
		cancel()
		require.NoError(b, <-done)
	}()
	require.True(b, mgr.GetCache().WaitForCacheSync(ctx))

	var mu sync.Mutex
	created := make(map[string]time.Time, b.N)
	seen := map[string]bool{}
	var lags []time.Duration
	poll := func() error {
		if err := store.Flush(ctx); err != nil {
			return err
		}
		now := time.Now()
		return store.Export(ctx, logstore.Query{Filter: logstore.Equal(logscope.FieldNamespace, ns)}, func(r logstore.Record) error {
			name := r.Fields[events.FieldName]
			if seen[name] {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			if at, ok := created[name]; ok {
				seen[name] = true
				lags = append(lags, now.Sub(at))
			}
			return nil
		})
	}

	b.ResetTimer()
	start := time.Now()
	const writers, rate = 32, 1000
	work := make(chan int)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range work {
				name := fmt.Sprintf("ev-%d", i)
				e := newEvent(ns, name, "Bench")
				e.InvolvedObject.Name = name
				if err := c.Create(ctx, e); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				created[name] = time.Now()
				mu.Unlock()
			}
		})
	}
	polled := make(chan error, 1)
	stopPolling := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopPolling:
				polled <- nil
				return
			case <-time.After(50 * time.Millisecond):
			}
			if err := poll(); err != nil {
				polled <- err
				return
			}
		}
	}()
	// Event i is due at start + i/rate: ahead of that, wait (in steps of
	// 10 ms, since finer timers are not kept on a loaded machine).
	for i := range b.N {
		if due := start.Add(time.Duration(i) * time.Second / rate); time.Until(due) > 10*time.Millisecond {
			time.Sleep(time.Until(due))
		}
		work <- i
	}
	close(work)
	wg.Wait()
	sent := time.Since(start)
	close(errs)
	require.NoError(b, <-errs)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(lags)
		mu.Unlock()
		if n >= b.N {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stopPolling)
	require.NoError(b, <-polled)
	b.StopTimer()
	require.Len(b, lags, b.N, "every event is stored")
	slices.Sort(lags)
	q := func(p float64) float64 { return lags[min(len(lags)-1, int(p*float64(len(lags))))].Seconds() * 1000 }
	b.ReportMetric(float64(b.N)/sent.Seconds(), "rate/s")
	b.ReportMetric(q(0.5), "p50-lag-ms")
	b.ReportMetric(q(0.99), "p99-lag-ms")
	b.ReportMetric(q(1), "max-lag-ms")
}
