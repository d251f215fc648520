package prometheus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// pollInterval is how often the waits ask Prometheus again.
const pollInterval = 200 * time.Millisecond

// WaitForQuery runs the instant query until ok accepts its result and
// returns that result. A nil ok accepts any non-empty result. A query
// Prometheus refuses (a syntax error, a non-vector result) ends the wait at
// once; otherwise ctx bounds it, and the error then says what the query
// last returned.
func (s *Server) WaitForQuery(ctx context.Context, query string, ok func(model.Vector) bool) (model.Vector, error) {
	if ok == nil {
		ok = func(v model.Vector) bool { return len(v) > 0 }
	}
	var last string
	for {
		val, _, _, err := s.api.Query(ctx, query, time.Now())
		switch {
		case err != nil && ctx.Err() == nil && isBadQuery(err):
			return nil, fmt.Errorf("prometheus: query %q: %w", query, err)
		case err != nil:
			last = "error: " + err.Error()
		default:
			v, isVector := val.(model.Vector)
			if !isVector {
				return nil, fmt.Errorf("prometheus: query %q returned a %s, not a vector", query, val.Type())
			}
			if ok(v) {
				return v, nil
			}
			last = "result: " + v.String()
			if len(v) == 0 {
				last = "result: empty"
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("prometheus: query %q: condition not met (last %s): %w", query, last, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// isBadQuery reports whether Prometheus refused the query itself.
func isBadQuery(err error) bool {
	var e *promv1.Error
	return errors.As(err, &e) && e.Type == promv1.ErrBadData
}

// WaitForTargets waits until every target of the named jobs (of every job
// when none is named) has been scraped successfully, and each named job has
// at least one target. ctx bounds the wait; the error then lists the targets
// that are not up with their last scrape error.
func (s *Server) WaitForTargets(ctx context.Context, jobs ...string) error {
	var last string
	for {
		res, err := s.api.Targets(ctx)
		if err != nil {
			last = err.Error()
		} else if last = targetsNotUp(res.Active, jobs); last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("prometheus: targets not up: %s: %w", last, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// targetsNotUp describes the targets of jobs (all when empty) that are not
// up and the jobs without a target; empty when all are up.
func targetsNotUp(active []promv1.ActiveTarget, jobs []string) string {
	seen := map[string]bool{}
	var bad []string
	for _, t := range active {
		job := t.ScrapePool
		if len(jobs) > 0 && !slices.Contains(jobs, job) {
			continue
		}
		seen[job] = true
		if t.Health != promv1.HealthGood {
			bad = append(bad, fmt.Sprintf("%s %s is %s (%s)", job, t.ScrapeURL, t.Health, t.LastError))
		}
	}
	for _, j := range jobs {
		if !seen[j] {
			bad = append(bad, "job "+j+" has no target")
		}
	}
	sort.Strings(bad)
	return strings.Join(bad, "; ")
}
