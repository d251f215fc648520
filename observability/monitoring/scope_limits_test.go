package monitoring_test

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/monitoring"
)

func TestQueryLimitsCheckRange(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		limits monitoring.QueryLimits
		end    time.Time
		step   time.Duration
		field  string // "" when accepted
	}{
		{"a day at 10m", monitoring.QueryLimits{}, t0.Add(24 * time.Hour), 10 * time.Minute, ""},
		{"exactly the default points", monitoring.QueryLimits{}, t0.Add(10999 * time.Second), time.Second, ""},
		{"one more than the default", monitoring.QueryLimits{}, t0.Add(11000 * time.Second), time.Second, "step"},
		{"own bound", monitoring.QueryLimits{MaxPoints: 100}, t0.Add(100 * time.Minute), time.Minute, "step"},
		{"within own bound", monitoring.QueryLimits{MaxPoints: 101}, t0.Add(100 * time.Minute), time.Minute, ""},
		{"range over the limit", monitoring.QueryLimits{MaxRange: 7 * 24 * time.Hour}, t0.Add(8 * 24 * time.Hour), time.Hour, "end"},
		{"range at the limit", monitoring.QueryLimits{MaxRange: 7 * 24 * time.Hour}, t0.Add(7 * 24 * time.Hour), time.Hour, ""},
		{"instant-like", monitoring.QueryLimits{}, t0, time.Minute, ""},
		{"reversed", monitoring.QueryLimits{}, t0.Add(-time.Second), time.Minute, "end"},
		{"zero step", monitoring.QueryLimits{}, t0.Add(time.Hour), 0, "step"},
		{"negative step", monitoring.QueryLimits{}, t0.Add(time.Hour), -time.Minute, "step"},
		{"huge range, tiny step", monitoring.QueryLimits{}, time.Unix(1<<40, 0), time.Nanosecond, "step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.limits.CheckRange(t0, tt.end, tt.step)
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			var ie *monitoring.InvalidError
			require.True(t, errors.As(err, &ie), "want an *InvalidError, got %v", err)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

func TestQueryLimitsCheckResult(t *testing.T) {
	vec := func(n int) model.Vector { return make(model.Vector, n) }
	tests := []struct {
		name    string
		limits  monitoring.QueryLimits
		value   model.Value
		refused bool
	}{
		{"no bound", monitoring.QueryLimits{}, vec(100000), false},
		{"vector at the bound", monitoring.QueryLimits{MaxSeries: 3}, vec(3), false},
		{"vector over", monitoring.QueryLimits{MaxSeries: 3}, vec(4), true},
		{"matrix over", monitoring.QueryLimits{MaxSeries: 1}, make(model.Matrix, 2), true},
		{"scalar", monitoring.QueryLimits{MaxSeries: 1}, &model.Scalar{}, false},
		{"nil", monitoring.QueryLimits{MaxSeries: 1}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.limits.CheckResult(tt.value)
			if !tt.refused {
				assert.NoError(t, err)
				return
			}
			var ie *monitoring.InvalidError
			require.True(t, errors.As(err, &ie), "want an *InvalidError, got %v", err)
			assert.Equal(t, "query", ie.Field)
			assert.Contains(t, ie.Reason, "more than the limit")
		})
	}
}
