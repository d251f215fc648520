package kapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// The operations of a record query, as KubeSphere names them.
const (
	OperationQuery      = "query"
	OperationStatistics = "statistics"
	OperationHistogram  = "histogram"
)

// Bounds every record query shares.
const (
	DefaultSize          = 10
	MaxSize              = 1000
	MaxFrom              = 100_000
	MaxListItems         = 100
	DefaultInterval      = 15 * time.Minute
	DefaultHistogramSpan = 24 * time.Hour
)

// Window is the part of a record query that is not a filter: what it
// answers, over which time range, and which page.
type Window struct {
	Operation  string
	Start, End time.Time
	Interval   time.Duration
	Ascending  bool
	From, Size int
}

// ParseWindow reads operation (query when empty), start_time, end_time,
// interval, sort, from and size, refusing a bad one with a
// *fielderr.Invalid naming it.
func ParseWindow(v url.Values) (Window, error) {
	var w Window
	var err error
	switch op := v.Get("operation"); op {
	case "":
		w.Operation = OperationQuery
	case OperationQuery, OperationStatistics, OperationHistogram:
		w.Operation = op
	default:
		return Window{}, &fielderr.Invalid{Field: "operation", Reason: fmt.Sprintf("%q is not one of query, statistics, histogram", op)}
	}
	if w.Start, err = Seconds("start_time", v.Get("start_time")); err != nil {
		return Window{}, err
	}
	if w.End, err = Seconds("end_time", v.Get("end_time")); err != nil {
		return Window{}, err
	}
	if !w.Start.IsZero() && !w.End.IsZero() && w.End.Before(w.Start) {
		return Window{}, &fielderr.Invalid{Field: "end_time", Reason: "is before start_time"}
	}
	if w.Interval, err = Interval(v.Get("interval"), DefaultInterval); err != nil {
		return Window{}, err
	}
	if w.Ascending, err = Sort(v.Get("sort")); err != nil {
		return Window{}, err
	}
	if w.From, err = Count("from", v.Get("from"), 0, MaxFrom); err != nil {
		return Window{}, err
	}
	if w.Size, err = Count("size", v.Get("size"), DefaultSize, MaxSize); err != nil {
		return Window{}, err
	}
	return w, nil
}

// Match is the filter of one list parameter: everything when values is
// empty, else f(field, values...).
func Match(f func(string, ...string) logstore.Filter, field string, values []string) logstore.Filter {
	if len(values) == 0 {
		return logstore.Everything()
	}
	return f(field, values...)
}

// Require refuses a record API's missing options with a *fielderr.Invalid.
func Require(store logstore.Store, authorizer *authz.Authorizer, reader client.Reader) error {
	switch {
	case store == nil:
		return &fielderr.Invalid{Field: "Store", Reason: "required"}
	case authorizer == nil:
		return &fielderr.Invalid{Field: "Authorizer", Reason: "required"}
	case reader == nil:
		return &fielderr.Invalid{Field: "Reader", Reason: "required"}
	}
	return nil
}

// Records answers the record queries of one kind of record whose stored
// JSON is one field (events, audit events).
type Records struct {
	Scoped
	Store logstore.Store
	// Record is the field holding each record's JSON; Distinct the field
	// statistics count distinct values of.
	Record, Distinct string
	// Now is the clock of default histogram ranges; nil means time.Now.
	Now func() time.Time
}

// Page is a page of records with the total; Records is null when the page
// is empty, as KubeSphere answers.
type Page struct {
	Total   int64             `json:"total"`
	Records []json.RawMessage `json:"records"`
}

// Statistics counts the matching records and the distinct values among
// them, which KubeSphere calls resources.
type Statistics struct {
	Resources int64 `json:"resources"`
	Events    int64 `json:"events"`
}

// Buckets counts the matching records per interval.
type Buckets struct {
	Total   int64    `json:"total"`
	Buckets []Bucket `json:"buckets"`
}

// Answer is one of a page, statistics or a histogram, after the operation.
type Answer struct {
	Page       *Page
	Statistics *Statistics
	Histogram  *Buckets
}

// Answer answers asked in w for user, scoped by r.Scoped.
func (r Records) Answer(ctx context.Context, user authz.User, asked logstore.Filter, w Window) (Answer, error) {
	f, err := r.Filter(ctx, user, asked)
	if err != nil {
		return Answer{}, err
	}
	start, end := StoreRange(w.Start, w.End)
	switch w.Operation {
	case OperationStatistics:
		counts, err := r.Store.Count(ctx, f, start, end, r.Distinct)
		if err != nil {
			return Answer{}, err
		}
		return Answer{Statistics: &Statistics{Resources: counts.Distinct, Events: counts.Records}}, nil
	case OperationHistogram:
		now := r.Now
		if now == nil {
			now = time.Now
		}
		total, buckets, err := Histogram(ctx, r.Store, f, w.Start, w.End, w.Interval, DefaultHistogramSpan, now)
		if err != nil {
			return Answer{}, err
		}
		return Answer{Histogram: &Buckets{Total: total, Buckets: buckets}}, nil
	}
	size := w.Size
	if size == 0 {
		size = DefaultSize
	}
	page, err := r.Store.Search(ctx, logstore.Query{Filter: f, Start: start, End: end, Oldest: w.Ascending, Offset: w.From, Limit: size})
	if err != nil {
		return Answer{}, err
	}
	out := &Page{Total: page.Total}
	for _, rec := range page.Records {
		out.Records = append(out.Records, json.RawMessage(rec.Fields[r.Record]))
	}
	return Answer{Page: out}, nil
}
