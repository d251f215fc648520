package logging_test

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/logging"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
)

var benchRecords = flag.Int("logbench.records", 1_000_000, "records BenchmarkScopedQuery writes (the issue's figure is 10,000,000)")

// Benchmark data: benchNamespaces namespaces in workspaces of 100, records
// spread over a day, written once per process.
const (
	benchNamespaces = 2000
	benchPerWS      = 100
)

var (
	benchOnce    sync.Once
	benchErr     error
	benchStart   time.Time
	benchCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

func benchData(b *testing.B) {
	benchOnce.Do(func() {
		ctx := context.Background()
		benchStart = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
		const batch = 50_000
		records := make([]logstore.Record, 0, batch)
		step := 24 * time.Hour / time.Duration(*benchRecords)
		for i := range *benchRecords {
			ns := i % benchNamespaces
			records = append(records, logstore.Record{
				Time:    benchStart.Add(time.Duration(i) * step),
				Message: fmt.Sprintf("GET /api/items/%d 200 %dms", i%977, i%300),
				Fields: map[string]string{
					logscope.FieldNamespace: fmt.Sprintf("bench-ns-%04d", ns),
					logscope.FieldKind:      logscope.KindLog,
					logscope.FieldWorkspace: fmt.Sprintf("bench-ws-%02d", ns/benchPerWS),
					logging.FieldPod:        fmt.Sprintf("web-6d4cf56db6-%05d", i%50),
					logging.FieldContainer:  "web",
				},
			})
			if len(records) == batch {
				if benchErr = store.Write(ctx, records); benchErr != nil {
					return
				}
				records = records[:0]
			}
		}
		if benchErr = store.Write(ctx, records); benchErr == nil {
			benchErr = store.Flush(ctx)
		}
	})
	require.NoError(b, benchErr)
}

// BenchmarkScopedQuery compares, for a user who sees n namespaces (whole
// workspaces of 100), a page of their logs with the total through
// spherekit's scope (one term per workspace) and through KubeSphere's
// approach (one term per namespace, each from its creation), on the same
// VictoriaLogs. Both must give the same answer first.
func BenchmarkScopedQuery(b *testing.B) {
	benchData(b)
	ctx := context.Background()
	for _, n := range []int{100, 500, 2000} {
		var byWorkspace, byNamespace logscope.Scope
		for ws := range n / benchPerWS {
			byWorkspace.Workspaces = append(byWorkspace.Workspaces, logscope.ScopeItem{Name: fmt.Sprintf("bench-ws-%02d", ws), Created: benchCreated})
		}
		for ns := range n {
			byNamespace.Namespaces = append(byNamespace.Namespaces, logscope.ScopeItem{Name: fmt.Sprintf("bench-ns-%04d", ns), Created: benchCreated})
		}
		// Two questions: a keyword over all the user's logs (the data read
		// grows with n for both), and one namespace of theirs (the same
		// data for every n).
		for _, asked := range []struct {
			name   string
			filter logstore.Filter
		}{
			{"keyword", logstore.ContainsFold(logstore.MessageField, "/api/items/42 ")},
			{"one-namespace", logstore.Equal(logscope.FieldNamespace, "bench-ns-0042")},
		} {
			query := func(s logscope.Scope) logstore.Query {
				return logstore.Query{Filter: logstore.And(s.Filter(), asked.filter), Start: benchStart, End: benchStart.Add(24 * time.Hour), Limit: 10}
			}
			a, err := store.Search(ctx, query(byWorkspace))
			require.NoError(b, err)
			k, err := store.Search(ctx, query(byNamespace))
			require.NoError(b, err)
			require.Equal(b, a.Total, k.Total, "both scopes select the same records")
			require.Equal(b, a.Records, k.Records)
			require.NotZero(b, a.Total)
			for _, c := range []struct {
				name  string
				scope logscope.Scope
			}{{"spherekit-workspaces", byWorkspace}, {"kubesphere-namespaces", byNamespace}} {
				b.Run(fmt.Sprintf("%s/%s/namespaces=%d", asked.name, c.name, n), func(b *testing.B) {
					q := query(c.scope)
					for b.Loop() {
						if _, err := store.Search(ctx, q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
