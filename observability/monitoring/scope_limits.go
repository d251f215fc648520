package monitoring

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// DefaultMaxPoints is the most points a range query may ask for when
// QueryLimits.MaxPoints is zero: Prometheus's own bound.
const DefaultMaxPoints = 11000

// QueryLimits bounds what one tenant query may cost. The zero value allows
// DefaultMaxPoints points per series and any range and number of series.
type QueryLimits struct {
	// MaxPoints bounds the points of a range query,
	// (end-start)/step + 1; zero means DefaultMaxPoints.
	MaxPoints int
	// MaxRange bounds end-start of a range query; zero means no bound.
	MaxRange time.Duration
	// MaxSeries bounds the series a result may hold; zero means no
	// bound.
	MaxSeries int
}

// CheckRange refuses a range query whose range is reversed or longer than
// MaxRange, whose step is not positive, or that asks for more than
// MaxPoints points, with an *InvalidError naming the parameter ("end" or
// "step"). Call it before sending the query.
func (l QueryLimits) CheckRange(start, end time.Time, step time.Duration) error {
	if step <= 0 {
		return &InvalidError{Field: "step", Reason: fmt.Sprintf("%s is not a positive duration", step)}
	}
	if end.Before(start) {
		return &InvalidError{Field: "end", Reason: fmt.Sprintf("%s is before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))}
	}
	span := end.Sub(start)
	if l.MaxRange > 0 && span > l.MaxRange {
		return &InvalidError{Field: "end", Reason: fmt.Sprintf("the range %s is longer than the limit of %s", span, l.MaxRange)}
	}
	maxPoints := l.MaxPoints
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	// Compare in durations, not in a point count, so a huge range cannot
	// overflow the division's result into a small number.
	if points := int64(span/step) + 1; span/step >= time.Duration(maxPoints) || points > int64(maxPoints) {
		return &InvalidError{Field: "step", Reason: fmt.Sprintf("%s over %s is %d points, more than the limit of %d; raise the step", step, span, points, maxPoints)}
	}
	return nil
}

// CheckSeries refuses a result of n series when that is more than
// MaxSeries, with an *InvalidError on "query".
func (l QueryLimits) CheckSeries(n int) error {
	if l.MaxSeries > 0 && n > l.MaxSeries {
		return &InvalidError{Field: "query", Reason: fmt.Sprintf("the result has %d series, more than the limit of %d; narrow the query or aggregate it", n, l.MaxSeries)}
	}
	return nil
}

// CheckResult applies CheckSeries to a result from Prometheus's API (as
// client_golang's v1.API returns it): a vector's or a matrix's series, one
// for a scalar or a string.
func (l QueryLimits) CheckResult(v model.Value) error {
	switch r := v.(type) {
	case nil:
		return nil
	case model.Vector:
		return l.CheckSeries(len(r))
	case model.Matrix:
		return l.CheckSeries(len(r))
	default:
		return l.CheckSeries(1)
	}
}
