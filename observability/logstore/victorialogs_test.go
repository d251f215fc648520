package logstore_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/logstore"
)

// expected is what a query must answer, computed in Go with Filter.Match:
// the records f selects in [start, end), newest first.
func expected(f logstore.Filter, start, end time.Time) []logstore.Record {
	var out []logstore.Record
	for _, r := range dataset {
		if (start.IsZero() || !r.Time.Before(start)) && (end.IsZero() || r.Time.Before(end)) && f.Match(r) {
			out = append(out, r)
		}
	}
	slices.Reverse(out)
	return out
}

func messages(rs []logstore.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Message
	}
	return out
}

// filters are the differential test's cases: each is answered by the
// database and by Filter.Match, and the answers must agree. Several try to
// widen a query with LogsQL in a value.
var filters = []struct {
	name   string
	filter logstore.Filter
}{
	{"everything", logstore.Everything()},
	{"one namespace", logstore.Equal("namespace", "ns-a")},
	{"namespaces are case-sensitive", logstore.Equal("namespace", "Ns-A")},
	{"a namespace whose name is LogsQL", logstore.Equal("namespace", `x") or ("`)},
	{"a value that tries to close the literal", logstore.Equal("namespace", `ns-a") or ("ns-b`)},
	{"a value that tries a pipe", logstore.Equal("namespace", `ns-a" | delete namespace`)},
	{"a value that tries a wildcard", logstore.Equal("namespace", `*`)},
	{"several namespaces", logstore.Equal("namespace", "ns-a", "ns-b", "nope")},
	{"a pod prefix", logstore.HasPrefix("pod", "web-7c9f1-")},
	{"a prefix that tries a wildcard", logstore.HasPrefix("pod", `*`)},
	{"a substring of the message, any case", logstore.ContainsFold(logstore.MessageField, "timeout")},
	{"a substring with regexp syntax", logstore.ContainsFold(logstore.MessageField, "a.b*c (x)")},
	{"a substring that is only regexp syntax", logstore.ContainsFold(logstore.MessageField, ".*")},
	{"a substring with non-ASCII letters", logstore.ContainsFold(logstore.MessageField, "ÜBERPRÜFUNG")},
	{"a whole-value regexp", logstore.Matches("pod", regexp.MustCompile(`web-7c9f[02]-0000[0-3]`))},
	{"a regexp that would match inside a value", logstore.Matches("pod", regexp.MustCompile(`7c9f`))},
	{"records without a container", logstore.Equal("container", "")},
	{"a time bound and a workspace", logstore.And(logstore.NotBefore(base.Add(30*time.Minute)), logstore.Equal("workspace", "ws-2"))},
	{"or of and and not", logstore.Or(logstore.Equal("namespace", "ns-b"),
		logstore.And(logstore.Equal("workspace", "ws-2"), logstore.Not(logstore.HasPrefix("pod", "web-7c9f0"))))},
	{"nothing", logstore.Nothing()},
}

func TestSearchAgreesWithMatch(t *testing.T) {
	ctx := context.Background()
	for _, tt := range filters {
		t.Run(tt.name, func(t *testing.T) {
			want := expected(tt.filter, time.Time{}, time.Time{})
			page, err := store.Search(ctx, logstore.Query{Filter: tt.filter, Limit: 1000})
			require.NoError(t, err)
			assert.Equal(t, int64(len(want)), page.Total)
			assert.Equal(t, messages(want), messages(page.Records), "newest first")
			if len(want) > 0 {
				assert.Equal(t, want[0], page.Records[0], "time, message and fields read back as written")
			}

			oldest := slices.Clone(want)
			slices.Reverse(oldest)
			page, err = store.Search(ctx, logstore.Query{Filter: tt.filter, Oldest: true, Offset: 3, Limit: 5})
			require.NoError(t, err)
			assert.Equal(t, int64(len(want)), page.Total)
			assert.Equal(t, messages(oldest[min(3, len(oldest)):min(8, len(oldest))]), messages(page.Records), "oldest first, from the fourth")

			containers := map[string]bool{}
			for _, r := range want {
				if c := r.Fields["container"]; c != "" {
					containers[c] = true
				}
			}
			counts, err := store.Count(ctx, tt.filter, time.Time{}, time.Time{}, "container")
			require.NoError(t, err)
			assert.Equal(t, logstore.Counts{Records: int64(len(want)), Distinct: int64(len(containers))}, counts)
		})
	}
}

func TestSearchTimeRange(t *testing.T) {
	start, end := base.Add(10*time.Minute), base.Add(20*time.Minute)
	f := logstore.Equal("workspace", "ws-1")
	want := expected(f, start, end)
	require.NotEmpty(t, want)
	page, err := store.Search(context.Background(), logstore.Query{Filter: f, Start: start, End: end, Limit: 1000})
	require.NoError(t, err)
	assert.Equal(t, int64(len(want)), page.Total)
	assert.Equal(t, messages(want), messages(page.Records), "[start, end): end excluded")
	assert.Equal(t, start, page.Records[len(page.Records)-1].Time, "start included")
}

func TestHistogram(t *testing.T) {
	f := logstore.Equal("workspace", "ws-1")
	start, end, step := base.Add(5*time.Minute), base.Add(time.Hour), 10*time.Minute
	buckets, err := store.Histogram(context.Background(), f, start, end, step)
	require.NoError(t, err)
	var want []logstore.Bucket
	for b := base; b.Before(end); b = b.Add(step) {
		want = append(want, logstore.Bucket{Time: b, Count: int64(len(expected(f, maxTime(b, start), minTime(b.Add(step), end))))})
	}
	assert.Equal(t, want, buckets, "aligned to the step, empty buckets included, the range cut at start")

	buckets, err = store.Histogram(context.Background(), logstore.Nothing(), start, end, step)
	require.NoError(t, err)
	assert.Len(t, buckets, len(want))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func TestExport(t *testing.T) {
	f := logstore.Equal("namespace", "ns-b")
	want := expected(f, time.Time{}, time.Time{})
	var got []logstore.Record
	require.NoError(t, store.Export(context.Background(), logstore.Query{Filter: f}, func(r logstore.Record) error {
		got = append(got, r)
		return nil
	}))
	assert.Equal(t, messages(want), messages(got), "every record, newest first, without a limit")

	stop := errors.New("enough")
	calls := 0
	err := store.Export(context.Background(), logstore.Query{Filter: f}, func(logstore.Record) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 3, calls)
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	field := func(t *testing.T, err error) string {
		t.Helper()
		var ie *logstore.InvalidError
		require.ErrorAs(t, err, &ie)
		return ie.Field
	}
	t.Run("negative offset", func(t *testing.T) {
		_, err := store.Search(ctx, logstore.Query{Offset: -1})
		assert.Equal(t, "Offset", field(t, err))
	})
	t.Run("end not after start", func(t *testing.T) {
		_, err := store.Search(ctx, logstore.Query{Start: base, End: base})
		assert.Equal(t, "end", field(t, err))
	})
	t.Run("a step under a second", func(t *testing.T) {
		_, err := store.Histogram(ctx, logstore.Everything(), base, base.Add(time.Hour), 500*time.Millisecond)
		assert.Equal(t, "step", field(t, err))
	})
	t.Run("too many buckets", func(t *testing.T) {
		_, err := store.Histogram(ctx, logstore.Everything(), base, base.Add(365*24*time.Hour), time.Second)
		assert.Equal(t, "step", field(t, err))
	})
	t.Run("a histogram without an end", func(t *testing.T) {
		_, err := store.Histogram(ctx, logstore.Everything(), base, time.Time{}, time.Minute)
		assert.Equal(t, "start", field(t, err))
	})
	t.Run("a bad record writes nothing", func(t *testing.T) {
		marker := logstore.Equal("namespace", "refusals")
		good := logstore.Record{Time: base, Message: "good", Fields: map[string]string{"namespace": "refusals"}}
		for _, bad := range []logstore.Record{
			{Message: "no time", Fields: map[string]string{"namespace": "refusals"}},
			{Time: base, Message: "reserved field", Fields: map[string]string{"namespace": "refusals", "_stream": "x"}},
			{Time: base, Message: "empty field name", Fields: map[string]string{"namespace": "refusals", "": "x"}},
		} {
			err := store.Write(ctx, []logstore.Record{good, bad})
			assert.Contains(t, field(t, err), "records[1]", bad.Message)
		}
		require.NoError(t, store.Flush(ctx))
		counts, err := store.Count(ctx, marker, time.Time{}, time.Time{}, "")
		require.NoError(t, err)
		assert.Zero(t, counts.Records)
	})
	t.Run("an address that is not http", func(t *testing.T) {
		_, err := logstore.NewVictoriaLogs("ftp://example.com", logstore.VictoriaLogsOptions{})
		assert.Equal(t, "address", field(t, err))
	})
	t.Run("a reserved stream field", func(t *testing.T) {
		_, err := logstore.NewVictoriaLogs(server.URL(), logstore.VictoriaLogsOptions{StreamFields: []string{"_msg"}})
		assert.Equal(t, "StreamFields", field(t, err))
	})
	t.Run("a query longer than the server allows", func(t *testing.T) {
		short, err := logstore.NewVictoriaLogs(server.URL(), logstore.VictoriaLogsOptions{MaxQueryLength: 64})
		require.NoError(t, err)
		_, err = short.Search(ctx, logstore.Query{Filter: logstore.Equal("namespace", strings.Repeat("n", 100)), Limit: 1})
		assert.Equal(t, "Filter", field(t, err))
	})
	t.Run("the database's refusal is a ServerError", func(t *testing.T) {
		wrong, err := logstore.NewVictoriaLogs(server.URL()+"/no/such/prefix", logstore.VictoriaLogsOptions{})
		require.NoError(t, err)
		_, err = wrong.Search(ctx, logstore.Query{Limit: 1})
		var se *logstore.ServerError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "count", se.Op)
		assert.Equal(t, 400, se.Status)
	})
}
