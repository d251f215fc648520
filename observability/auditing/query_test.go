package auditing_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/auditing"
)

func TestParseAuditQuery(t *testing.T) {
	v, err := url.ParseQuery("operation=statistics&workspace_filter=a,b&objectref_namespace_search=dev&objectref_resource_filter=deploy" +
		"&verb_filter=create,delete&user_filter=alice&group_search=ops&source_ip_search=10.0&response_code_filter=201,403" +
		"&response_status_filter=Failure&level_filter=Metadata&start_time=100&end_time=200&interval=5m&sort=asc&from=20&size=30")
	require.NoError(t, err)
	q, err := auditing.ParseAuditQuery(v)
	require.NoError(t, err)
	assert.Equal(t, auditing.AuditQuery{
		Operation: auditing.OperationStatistics, Workspaces: []string{"a", "b"}, NamespaceSearch: []string{"dev"},
		Resources: []string{"deploy"}, Verbs: []string{"create", "delete"}, Users: []string{"alice"}, GroupSearch: []string{"ops"},
		SourceIPSearch: []string{"10.0"}, Codes: []int{201, 403}, Statuses: []string{"Failure"}, Levels: []string{"Metadata"},
		Start: time.Unix(100, 0).UTC(), End: time.Unix(200, 0).UTC(), Interval: 5 * time.Minute, Ascending: true, From: 20, Size: 30,
	}, q)

	q, err = auditing.ParseAuditQuery(url.Values{})
	require.NoError(t, err)
	assert.Equal(t, auditing.AuditQuery{Operation: auditing.OperationQuery, Interval: auditing.DefaultInterval, Size: auditing.DefaultSize}, q)
}

func TestParseAuditQueryRefusals(t *testing.T) {
	for query, field := range map[string]string{
		"operation=export": "operation", "start_time=x": "start_time", "size=1001": "size", "from=-1": "from",
		"sort=up": "sort", "interval=1y": "interval", "start_time=9&end_time=3": "end_time",
		"response_code_filter=ok": "response_code_filter", "response_code_filter=99": "response_code_filter",
		"response_code_filter=600": "response_code_filter",
	} {
		v, err := url.ParseQuery(query)
		require.NoError(t, err)
		_, err = auditing.ParseAuditQuery(v)
		var ie *auditing.InvalidError
		require.ErrorAs(t, err, &ie, query)
		assert.Equal(t, field, ie.Field, query)
	}
}

// FuzzParseAuditQuery checks that any query string is either refused with
// an *InvalidError or gives a query within the documented bounds.
func FuzzParseAuditQuery(f *testing.F) {
	for _, seed := range []string{"", "operation=histogram&interval=1h", "workspace_filter=a,b&start_time=1&end_time=2", "response_code_filter=200,x", "user_search=%22)+or+*"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := auditing.ParseAuditQuery(v)
		if err != nil {
			var ie *auditing.InvalidError
			require.ErrorAs(t, err, &ie)
			return
		}
		assert.Contains(t, []auditing.Operation{auditing.OperationQuery, auditing.OperationStatistics, auditing.OperationHistogram}, q.Operation)
		assert.True(t, q.Size >= 0 && q.Size <= auditing.MaxSize)
		assert.True(t, q.From >= 0 && q.From <= auditing.MaxFrom)
		assert.Greater(t, q.Interval, time.Duration(0))
		assert.False(t, !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start))
		for _, c := range q.Codes {
			assert.True(t, c >= 100 && c <= 599)
		}
		for _, list := range [][]string{q.Workspaces, q.Namespaces, q.Names, q.Users, q.GroupSearch, q.Statuses} {
			assert.LessOrEqual(t, len(list), auditing.MaxListItems)
			for _, item := range list {
				assert.NotEmpty(t, item)
			}
		}
	})
}
