package monitoring_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// BenchmarkQueryOverhead measures one named metric (workspace_cpu_usage of
// a workspace) asked three ways of the same real Prometheus: raw (the
// expression sent through Prometheus's API client), through Client.Query
// (expression building, the namespace-free path, conversion to KubeSphere's
// shape) and through the handler (routing, authorization, JSON). The
// answers are checked equal first.
//
//	go test -run '^$' -bench QueryOverhead ./observability/monitoring/
func BenchmarkQueryOverhead(b *testing.B) {
	tn := setupTenantB(b)
	c := newClient(b)
	tgt := monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: tn.workspace}
	eventually(b, c, tgt, "workspace_cpu_usage", "workspace", map[string]float64{tn.workspace: 1.1}, 0.002)
	expr, err := monitoring.Expr("workspace_cpu_usage", tgt)
	require.NoError(b, err)
	at := time.Now()
	ctx := context.Background()

	raw, _, _, err := prom.API().Query(ctx, expr, at)
	require.NoError(b, err)
	viaClient, err := c.Query(ctx, tgt, []string{"workspace_cpu_usage"}, monitoring.QueryOptions{Time: at})
	require.NoError(b, err)
	rv := raw.(model.Vector)
	require.Len(b, rv, 1)
	require.Len(b, viaClient.Results[0].Data.Result, 1)
	require.Equal(b, float64(rv[0].Value), viaClient.Results[0].Data.Result[0].Value.Value)

	h := handlerFor(b, tn)
	path := monitoring.PathPrefix + "workspaces/" + tn.workspace + "?metrics_filter=workspace_cpu_usage$&time=" + strconv.FormatInt(at.Unix(), 10)
	serve := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("X-User", "root")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	require.Equal(b, http.StatusOK, serve().Code)

	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			if _, _, _, err := prom.API().Query(ctx, expr, at); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Query(ctx, tgt, []string{"workspace_cpu_usage"}, monitoring.QueryOptions{Time: at}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handler", func(b *testing.B) {
		for b.Loop() {
			if w := serve(); w.Code != http.StatusOK {
				b.Fatal(w.Body.String())
			}
		}
	})
}
