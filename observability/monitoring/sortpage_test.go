package monitoring

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vec builds a vector result from (name, value) pairs; a NaN value stands
// for itself, a pair with no value is written as name only via novalue.
func vec(metric string, pairs ...any) MetricResult {
	r := MetricResult{MetricName: metric, Data: MetricData{ResultType: ResultTypeVector}}
	for i := 0; i < len(pairs); i += 2 {
		s := Series{Labels: map[string]string{"namespace": pairs[i].(string)}}
		if v, ok := pairs[i+1].(float64); ok {
			s.Value = &Point{Time: time.Unix(1700000000, 0), Value: v}
		}
		r.Data.Result = append(r.Data.Result, s)
	}
	return r
}

// names lists the identifier of each entry ("" for a hole).
func names(r MetricResult) []string {
	out := []string{}
	for _, s := range r.Data.Result {
		out = append(out, s.Labels["namespace"])
	}
	return out
}

func TestSortAndPaginate(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name        string
		in          []MetricResult
		target      string
		order       string
		page, limit int
		want        map[string][]string
		wantTotal   int
		wantPages   int
	}{
		{
			name:      "descending by default, other metrics follow the same order",
			in:        []MetricResult{vec("cpu", "a", 1.0, "b", 3.0, "c", 2.0), vec("mem", "a", 10.0, "b", 20.0, "c", 30.0)},
			target:    "cpu",
			want:      map[string][]string{"cpu": {"b", "c", "a"}, "mem": {"b", "c", "a"}},
			wantTotal: 3, wantPages: 1,
		},
		{
			name:   "ascending",
			in:     []MetricResult{vec("cpu", "a", 1.0, "b", 3.0, "c", 2.0)},
			target: "cpu", order: SortAscending,
			want:      map[string][]string{"cpu": {"a", "c", "b"}},
			wantTotal: 3, wantPages: 1,
		},
		{
			name:      "ties by name, NaN and missing values last",
			in:        []MetricResult{vec("cpu", "d", nan, "c", 1.0, "a", 1.0, "e", nil, "b", 5.0)},
			target:    "cpu",
			want:      map[string][]string{"cpu": {"b", "a", "c", "d", "e"}},
			wantTotal: 5, wantPages: 1,
		},
		{
			name: "resources the target lacks come after, by name; holes keep indexes aligned",
			in: []MetricResult{
				vec("cpu", "b", 2.0, "a", 1.0),
				vec("pods", "z", 1.0, "a", 4.0, "y", 2.0),
			},
			target:    "cpu",
			want:      map[string][]string{"cpu": {"b", "a", "", ""}, "pods": {"", "a", "y", "z"}},
			wantTotal: 4, wantPages: 1,
		},
		{
			name:   "second page of two",
			in:     []MetricResult{vec("cpu", "a", 1.0, "b", 3.0, "c", 2.0), vec("mem", "a", 1.0, "c", 1.0)},
			target: "cpu", page: 2, limit: 2,
			want:      map[string][]string{"cpu": {"a"}, "mem": {"a"}},
			wantTotal: 3, wantPages: 2,
		},
		{
			name:   "page past the end is empty",
			in:     []MetricResult{vec("cpu", "a", 1.0)},
			target: "cpu", page: 3, limit: 5,
			want:      map[string][]string{"cpu": {}},
			wantTotal: 1, wantPages: 1,
		},
		{
			name: "errors and matrices are left alone",
			in: []MetricResult{
				vec("cpu", "b", 1.0, "a", 2.0),
				{MetricName: "broken", Error: "bad_data", Data: MetricData{ResultType: ResultTypeVector, Result: vec("x", "q", 1.0).Data.Result}},
				{MetricName: "range", Data: MetricData{ResultType: ResultTypeMatrix, Result: vec("x", "z", 1.0, "y", 1.0).Data.Result}},
			},
			target:    "cpu",
			want:      map[string][]string{"cpu": {"a", "b"}, "broken": {"q"}, "range": {"z", "y"}},
			wantTotal: 2, wantPages: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Metrics{Results: tt.in}
			m.Sort(tt.target, tt.order, "namespace")
			m.Paginate(tt.page, tt.limit)
			got := map[string][]string{}
			for _, r := range m.Results {
				got[r.MetricName] = names(r)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			assert.Equal(t, tt.wantTotal, m.TotalItem, "total_item")
			assert.Equal(t, tt.wantPages, m.TotalPage, "total_page")
		})
	}
}

func TestSortNoTarget(t *testing.T) {
	m := &Metrics{Results: []MetricResult{vec("cpu", "b", 1.0, "a", 2.0)}}
	m.Sort("", "", "namespace")
	assert.Equal(t, []string{"b", "a"}, names(m.Results[0]))
	assert.Zero(t, m.TotalItem)
}

// TestJSONShape checks the wire shape against KubeSphere's: field names,
// points as [seconds, "value"], statistics as ten-decimal strings, and the
// metering fields present and empty.
func TestJSONShape(t *testing.T) {
	s := Series{Labels: map[string]string{"namespace": "demo"}, Values: []Point{
		{Time: time.Unix(1585658599, 195e6), Value: 1}, {Time: time.Unix(1585658659, 195e6), Value: 2},
	}}
	s.fillStats()
	m := Metrics{Results: []MetricResult{{MetricName: "namespace_cpu_usage", Data: MetricData{ResultType: ResultTypeMatrix, Result: []Series{s}}}}}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"results":[{"metric_name":"namespace_cpu_usage","data":{"resultType":"matrix","result":[{
		"metric":{"namespace":"demo"},
		"values":[[1585658599.195,"1"],[1585658659.195,"2"]],
		"min_value":"1.0000000000","max_value":"2.0000000000","avg_value":"1.5000000000","sum_value":"3.0000000000",
		"fee":"","resource_unit":"","currency_unit":""}]}}]}`, string(b))

	var back Metrics
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.Results[0].Data.Result[0].Values[0].Time.Equal(s.Values[0].Time))
	assert.Equal(t, 2.0, back.Results[0].Data.Result[0].Values[1].Value)
}
