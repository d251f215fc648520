package monitoring

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultStep is the resolution of a range query that names none
// (KubeSphere's default).
const DefaultStep = 10 * time.Minute

// ClientOptions configures NewClient.
type ClientOptions struct {
	// Reader reads Namespaces, to floor a namespaced query at its
	// namespace's creation time. Required; a manager's cache will do.
	Reader client.Reader
	// MaxConcurrentQueries bounds the queries one call sends to Prometheus
	// at once (one per metric). Zero means 8.
	MaxConcurrentQueries int
}

// Client asks Prometheus for the catalog's named metrics and answers in
// KubeSphere's shape. It is safe for concurrent use.
type Client struct {
	api  promv1.API
	opts ClientOptions
}

// NewClient returns a Client over api, Prometheus's HTTP API client
// (promv1.NewAPI over an api.Client for Prometheus's address).
func NewClient(api promv1.API, opts ClientOptions) (*Client, error) {
	if api == nil {
		return nil, &InvalidError{Field: "api", Reason: "required"}
	}
	if opts.Reader == nil {
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	}
	if opts.MaxConcurrentQueries < 0 {
		return nil, &InvalidError{Field: "MaxConcurrentQueries", Reason: "must not be negative"}
	}
	if opts.MaxConcurrentQueries == 0 {
		opts.MaxConcurrentQueries = 8
	}
	return &Client{api: api, opts: opts}, nil
}

// QueryOptions are the optional inputs of Query.
type QueryOptions struct {
	// Time is the instant to evaluate at; zero means now.
	Time time.Time
	// SortMetric, when set, orders every metric's series by this metric's
	// values (see Metrics.Sort); SortType is SortAscending or, by default,
	// SortDescending.
	SortMetric string
	SortType   string
	// Page and Limit cut the sorted series into pages (see
	// Metrics.Paginate); zero means no paging.
	Page, Limit int
}

// QueryRangeOptions are the inputs of QueryRange.
type QueryRangeOptions struct {
	// Start and End bound the range (both required, Start not after End).
	Start, End time.Time
	// Step is the resolution; zero means DefaultStep.
	Step time.Duration
}

// Query evaluates the named metrics about t at one instant and returns one
// result per metric, in the order asked. A metric Prometheus fails to
// evaluate carries the error in its result; the error returned is for bad
// input (an *InvalidError), a namespace that does not exist (a
// *NotFoundError), a time before the namespace was created
// (ErrBeforeCreation) or a failure to read the namespace.
func (c *Client) Query(ctx context.Context, t Target, metrics []string, opts QueryOptions) (*Metrics, error) {
	exprs, err := c.prepare(t, metrics)
	if err != nil {
		return nil, err
	}
	if opts.Page < 0 || opts.Limit < 0 {
		return nil, &InvalidError{Field: "page", Reason: "page and limit must not be negative"}
	}
	ts := opts.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	if t.Namespace != "" {
		created, err := c.namespaceCreated(ctx, t.Namespace)
		if err != nil {
			return nil, err
		}
		if ts.Before(created) {
			return nil, fmt.Errorf("query namespace %q: %w", t.Namespace, ErrBeforeCreation)
		}
	}
	res := c.run(ctx, metrics, exprs, t, func(ctx context.Context, expr string) (model.Value, error) {
		v, _, _, err := c.api.Query(ctx, expr, ts)
		return v, err
	})
	if opts.SortMetric != "" {
		res.Sort(opts.SortMetric, opts.SortType, t.Level.identifier())
		res.Paginate(opts.Page, opts.Limit)
	}
	return res, nil
}

// QueryRange evaluates the named metrics about t over a range. For a
// namespaced Target the range is floored at the namespace's creation time
// as KubeSphere does: a range ending before it is ErrBeforeCreation, and a
// start before it moves to the earliest step (counted back from End) after
// it. Errors are as for Query.
func (c *Client) QueryRange(ctx context.Context, t Target, metrics []string, opts QueryRangeOptions) (*Metrics, error) {
	exprs, err := c.prepare(t, metrics)
	if err != nil {
		return nil, err
	}
	r, err := rangeOf(opts)
	if err != nil {
		return nil, err
	}
	if t.Namespace != "" {
		created, err := c.namespaceCreated(ctx, t.Namespace)
		if err != nil {
			return nil, err
		}
		if r.End.Before(created) {
			return nil, fmt.Errorf("query namespace %q: %w", t.Namespace, ErrBeforeCreation)
		}
		if r.Start.Before(created) {
			r.Start = r.End
			for r.Start.Add(-r.Step).After(created) {
				r.Start = r.Start.Add(-r.Step)
			}
		}
	}
	if t.MeterStep == 0 {
		t.MeterStep = r.Step
	}
	return c.run(ctx, metrics, exprs, t, func(ctx context.Context, expr string) (model.Value, error) {
		v, _, _, err := c.api.QueryRange(ctx, expr, r)
		return v, err
	}), nil
}

func rangeOf(opts QueryRangeOptions) (promv1.Range, error) {
	r := promv1.Range{Start: opts.Start, End: opts.End, Step: opts.Step}
	switch {
	case r.Start.IsZero() || r.End.IsZero():
		return r, &InvalidError{Field: "start", Reason: "a range query needs start and end"}
	case r.Start.After(r.End):
		return r, &InvalidError{Field: "start", Reason: "'start' must be before 'end'."}
	case r.Step < 0:
		return r, &InvalidError{Field: "step", Reason: "must be positive"}
	case r.Step == 0:
		r.Step = DefaultStep
	}
	return r, nil
}

// prepare checks the Target and builds every metric's expression before
// anything is sent.
func (c *Client) prepare(t Target, metrics []string) ([]string, error) {
	if len(metrics) == 0 {
		return nil, &InvalidError{Field: "metrics", Reason: "name at least one metric"}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	exprs := make([]string, len(metrics))
	for i, m := range metrics {
		e, err := Expr(m, t)
		if err != nil {
			return nil, err
		}
		exprs[i] = e
	}
	return exprs, nil
}

func (c *Client) namespaceCreated(ctx context.Context, name string) (time.Time, error) {
	var ns corev1.Namespace
	if err := c.opts.Reader.Get(ctx, client.ObjectKey{Name: name}, &ns); err != nil {
		if apierrors.IsNotFound(err) {
			return time.Time{}, &NotFoundError{Field: "namespace", Kind: "Namespace", Name: name, Err: err}
		}
		return time.Time{}, fmt.Errorf("read namespace %q: %w", name, err)
	}
	return ns.CreationTimestamp.Time, nil
}

// run sends one query per metric, at most MaxConcurrentQueries at once, and
// converts the answers.
func (c *Client) run(ctx context.Context, metrics, exprs []string, t Target, query func(context.Context, string) (model.Value, error)) *Metrics {
	out := &Metrics{Results: make([]MetricResult, len(metrics))}
	keep := seriesFilter(t)
	sem := make(chan struct{}, c.opts.MaxConcurrentQueries)
	var wg sync.WaitGroup
	for i := range metrics {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := MetricResult{MetricName: metrics[i]}
			v, err := query(ctx, exprs[i])
			if err != nil {
				r.Error = errorText(err)
			} else {
				r.Data = convert(v, keep)
			}
			out.Results[i] = r
		}()
	}
	wg.Wait()
	return out
}

// errorText is Prometheus's message for a failed query (the client's
// *promv1.Error carries it), else the error's text.
func errorText(err error) string {
	var perr *promv1.Error
	if errors.As(err, &perr) {
		return perr.Msg
	}
	return err.Error()
}

// seriesFilter keeps, for a pod Target with a namespaced resources filter,
// only the named namespace/pod pairs (and bare pod names); nil keeps all.
func seriesFilter(t Target) func(model.Metric) bool {
	if t.Level != LevelPod || t.Namespace != "" || t.NamespacedResourcesFilter == "" {
		return nil
	}
	pairs, bare := map[string]bool{}, map[string]bool{}
	for _, part := range strings.Split(strings.TrimRight(t.NamespacedResourcesFilter, "$"), "|") {
		if strings.Contains(part, "/") {
			pairs[part] = true
		} else {
			bare[part] = true
		}
	}
	return func(m model.Metric) bool {
		return pairs[string(m["namespace"])+"/"+string(m["pod"])] || bare[string(m["pod"])]
	}
}

// convert turns Prometheus's answer into a MetricData with statistics.
func convert(v model.Value, keep func(model.Metric) bool) MetricData {
	switch v := v.(type) {
	case model.Vector:
		d := MetricData{ResultType: ResultTypeVector, Result: make([]Series, 0, len(v))}
		for _, s := range v {
			if keep != nil && !keep(s.Metric) {
				continue
			}
			p := Point{Time: s.Timestamp.Time(), Value: float64(s.Value)}
			series := Series{Labels: labelMap(s.Metric), Value: &p}
			series.fillStats()
			d.Result = append(d.Result, series)
		}
		return d
	case model.Matrix:
		d := MetricData{ResultType: ResultTypeMatrix, Result: make([]Series, 0, len(v))}
		for _, s := range v {
			if keep != nil && !keep(s.Metric) {
				continue
			}
			series := Series{Labels: labelMap(s.Metric), Values: make([]Point, len(s.Values))}
			for i, p := range s.Values {
				series.Values[i] = Point{Time: p.Timestamp.Time(), Value: float64(p.Value)}
			}
			series.fillStats()
			d.Result = append(d.Result, series)
		}
		return d
	case *model.Scalar:
		p := Point{Time: v.Timestamp.Time(), Value: float64(v.Value)}
		s := Series{Value: &p}
		s.fillStats()
		return MetricData{ResultType: ResultTypeVector, Result: []Series{s}}
	}
	return MetricData{}
}

func labelMap(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// SelectMetrics returns the names of t's level (of t.Component for
// LevelComponent) that metrics_filter matches, in catalog order, as
// KubeSphere's endpoints choose them: meters are left out, and the filter
// is a regular expression matched anywhere in the name (KubeSphere's
// console anchors its alternatives with $). An empty filter matches all.
func SelectMetrics(t Target, metricsFilter string) ([]string, error) {
	if metricsFilter == "" {
		metricsFilter = ".*"
	}
	re, err := regexp.Compile(metricsFilter)
	if err != nil {
		return nil, &InvalidError{Field: "metrics_filter", Reason: "not a valid regular expression: " + err.Error(), Err: err}
	}
	var out []string
	for _, m := range catalog() {
		if m.Meter || m.Level != t.Level || (t.Level == LevelComponent && m.Component != t.Component) {
			continue
		}
		if re.MatchString(m.Name) {
			out = append(out, m.Name)
		}
	}
	return out, nil
}
