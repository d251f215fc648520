package logging_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/logging"
)

func TestParseLogQuery(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		q, err := logging.ParseLogQuery(url.Values{})
		require.NoError(t, err)
		assert.Equal(t, logging.LogQuery{Operation: logging.OperationQuery, Interval: logging.DefaultInterval, Size: logging.DefaultSize}, q)
	})
	t.Run("every parameter", func(t *testing.T) {
		v, err := url.ParseQuery("operation=histogram&namespaces=a,+b,,c&namespace_query=x&workloads=web&workload_query=w&pods=p1&pod_query=p" +
			"&containers=c1&container_query=c&log_query=error,Timeout&start_time=1700000000&end_time=1700003600&interval=5m&sort=asc&from=20&size=50")
		require.NoError(t, err)
		q, err := logging.ParseLogQuery(v)
		require.NoError(t, err)
		assert.Equal(t, logging.LogQuery{
			Operation: logging.OperationHistogram, Namespaces: []string{"a", "b", "c"}, NamespaceQuery: []string{"x"},
			Workloads: []string{"web"}, WorkloadQuery: []string{"w"}, Pods: []string{"p1"}, PodQuery: []string{"p"},
			Containers: []string{"c1"}, ContainerQuery: []string{"c"}, Keywords: []string{"error", "Timeout"},
			Start: time.Unix(1700000000, 0).UTC(), End: time.Unix(1700003600, 0).UTC(), Interval: 5 * time.Minute,
			Ascending: true, From: 20, Size: 50,
		}, q)
	})
	refusals := []struct {
		query, field string
	}{
		{"operation=delete", "operation"},
		{"start_time=yesterday", "start_time"},
		{"start_time=-5", "start_time"},
		{"end_time=1.5", "end_time"},
		{"start_time=200&end_time=100", "end_time"},
		{"interval=1M", "interval"},
		{"interval=15", "interval"},
		{"interval=0m", "interval"},
		{"sort=random", "sort"},
		{"from=-1", "from"},
		{"from=100001", "from"},
		{"size=1001", "size"},
		{"size=ten", "size"},
		{"namespaces=" + strings.Repeat("n,", logging.MaxListItems+1), "namespaces"},
	}
	for _, tt := range refusals {
		t.Run("refuses "+tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			_, err = logging.ParseLogQuery(v)
			var ie *logging.InvalidError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

// FuzzParseLogQuery checks that any query string is either refused with an
// *InvalidError or gives a query within the documented bounds.
func FuzzParseLogQuery(f *testing.F) {
	for _, seed := range []string{"", "operation=export&size=5", "namespaces=a,b&start_time=1&end_time=2", "interval=99w&from=3", "log_query=%22)+or+*"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := logging.ParseLogQuery(v)
		if err != nil {
			var ie *logging.InvalidError
			require.ErrorAs(t, err, &ie)
			return
		}
		assert.Contains(t, []logging.Operation{logging.OperationQuery, logging.OperationStatistics, logging.OperationHistogram, logging.OperationExport}, q.Operation)
		assert.True(t, q.Size >= 0 && q.Size <= logging.MaxSize)
		assert.True(t, q.From >= 0 && q.From <= logging.MaxFrom)
		assert.Greater(t, q.Interval, time.Duration(0))
		assert.False(t, !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start))
		for _, list := range [][]string{q.Namespaces, q.Pods, q.Keywords, q.Workloads} {
			assert.LessOrEqual(t, len(list), logging.MaxListItems)
			for _, item := range list {
				assert.NotEmpty(t, item)
			}
		}
	})
}

func TestWorkloadPodName(t *testing.T) {
	long47 := strings.Repeat("a", 47)
	long60 := strings.Repeat("b", 60)
	tests := []struct {
		workload string
		matches  []string
		misses   []string
	}{
		{"mysql",
			[]string{"mysql-6d4cf56db6-x7k2p", "mysql-0", "mysql-12", "mysql-x7k2p"},
			[]string{"mysql", "mysql-6d4cf56db6-x7k2", "mysql-aeiou-x7k2p", "other-mysql-0", "mysql-0-extra", "mysqlx-0"}},
		{"a.b", []string{"a.b-0"}, []string{"axb-0"}},
		{long47, []string{long47 + "-bcdfghjklm" + "x7k2p", long47 + "-3"}, []string{long47 + "-bcdfghjklm-x7k2p"}},
		{long60, []string{long60[:58] + "x7k2p", long60 + "-1"}, []string{long60 + "-x7k2p"}},
	}
	for _, tt := range tests {
		t.Run(tt.workload, func(t *testing.T) {
			re := logging.WorkloadPodName(tt.workload)
			anchored := "^(?:" + re.String() + ")$"
			for _, p := range tt.matches {
				assert.Regexp(t, anchored, p)
			}
			for _, p := range tt.misses {
				assert.NotRegexp(t, anchored, p)
			}
		})
	}
}
