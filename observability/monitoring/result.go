package monitoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
)

// Result types, as KubeSphere's API returns them.
const (
	ResultTypeVector = "vector" // an instant query: one value per series
	ResultTypeMatrix = "matrix" // a range query: values over time
)

// Metrics is the answer of a query for several named metrics, in
// KubeSphere's shape: {results, page, total_page, total_item}. Page,
// TotalPage and TotalItem are set when the results were sorted and paged.
type Metrics struct {
	Results   []MetricResult `json:"results"`
	Page      int            `json:"page,omitempty"`
	TotalPage int            `json:"total_page,omitempty"`
	TotalItem int            `json:"total_item,omitempty"`
}

// MetricResult is one named metric's answer: its data, or the error
// Prometheus gave for it.
type MetricResult struct {
	MetricName string     `json:"metric_name,omitempty"`
	Data       MetricData `json:"data,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// MetricData holds a metric's series.
type MetricData struct {
	ResultType string   `json:"resultType,omitempty"`
	Result     []Series `json:"result,omitempty"`
}

// Series is one series: its labels and its value (vector) or values
// (matrix), with KubeSphere's statistics over the points: minimum, maximum,
// average and sum, as decimal strings with ten digits after the point. The
// fee and unit fields of KubeSphere's metering are present and empty.
type Series struct {
	Labels map[string]string `json:"metric,omitempty"`
	Value  *Point            `json:"value,omitempty"`
	Values []Point           `json:"values,omitempty"`

	MinValue     string `json:"min_value"`
	MaxValue     string `json:"max_value"`
	AvgValue     string `json:"avg_value"`
	SumValue     string `json:"sum_value"`
	Fee          string `json:"fee"`
	ResourceUnit string `json:"resource_unit"`
	CurrencyUnit string `json:"currency_unit"`
}

// Point is one sample. In JSON it is Prometheus's and KubeSphere's pair
// [<unix seconds>, "<value>"].
type Point struct {
	Time  time.Time
	Value float64
}

// MarshalJSON writes [seconds, "value"].
func (p Point) MarshalJSON() ([]byte, error) {
	ts := float64(p.Time.UnixMilli()) / 1000
	return []byte("[" + strconv.FormatFloat(ts, 'f', -1, 64) + "," + strconv.Quote(formatValue(p.Value)) + "]"), nil
}

// UnmarshalJSON reads [seconds, "value"].
func (p *Point) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 2 {
		return errors.New("a point is [timestamp, value]")
	}
	var ts float64
	if err := json.Unmarshal(raw[0], &ts); err != nil {
		return fmt.Errorf("point timestamp: %w", err)
	}
	var vs string
	if err := json.Unmarshal(raw[1], &vs); err != nil {
		return fmt.Errorf("point value: %w", err)
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return fmt.Errorf("point value: %w", err)
	}
	p.Time = time.UnixMilli(int64(math.Round(ts * 1000)))
	p.Value = v
	return nil
}

// formatValue renders a sample value as Prometheus does (NaN, +Inf, -Inf,
// shortest decimal otherwise).
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// fillStats sets the statistics of s over its points.
func (s *Series) fillStats() {
	points := s.Values
	if s.Value != nil {
		points = []Point{*s.Value}
	}
	if len(points) == 0 {
		return
	}
	minV, maxV := points[0].Value, points[0].Value
	sum := new(big.Float)
	for _, p := range points {
		minV = math.Min(minV, p.Value)
		maxV = math.Max(maxV, p.Value)
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			sum.Add(sum, big.NewFloat(p.Value))
		}
	}
	avg := new(big.Float).Quo(sum, big.NewFloat(float64(len(points))))
	s.MinValue = stat(minV)
	s.MaxValue = stat(maxV)
	s.SumValue = sum.Text('f', 10)
	s.AvgValue = avg.Text('f', 10)
}

func stat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return formatValue(v)
	}
	return big.NewFloat(v).Text('f', 10)
}
