package events

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Operation is what an event query answers.
type Operation string

const (
	// OperationQuery answers a page of events with the total.
	OperationQuery Operation = "query"
	// OperationStatistics answers how many event states and involved
	// objects match.
	OperationStatistics Operation = "statistics"
	// OperationHistogram answers how many event states match per interval.
	OperationHistogram Operation = "histogram"
)

// Bounds of an event query, as in package logging.
const (
	DefaultSize          = 10
	MaxSize              = 1000
	MaxFrom              = 100_000
	MaxListItems         = 100
	DefaultInterval      = 15 * time.Minute
	DefaultHistogramSpan = 24 * time.Hour
)

// ReadEvents is the permission to read events: list events, as in
// KubeSphere.
var ReadEvents = logscope.Permission{Verb: "list", Resource: "events"}

// EventQuery is an event query with KubeSphere's parameters
// (ParseEventQuery). Lists are ORed within a parameter, parameters ANDed.
type EventQuery struct {
	Operation Operation
	// Workspaces and WorkspaceSearch: exact workspace names
	// (workspace_filter) and substrings of them, ignoring case
	// (workspace_search).
	Workspaces, WorkspaceSearch []string
	// Namespaces and NamespaceSearch: the involved object's namespace
	// (involved_object_namespace_filter, _search).
	Namespaces, NamespaceSearch []string
	// Names and NameSearch: the involved object's name
	// (involved_object_name_filter, _search).
	Names, NameSearch []string
	// Kinds: the involved object's kind (involved_object_kind_filter).
	Kinds []string
	// Reasons and ReasonSearch (reason_filter, reason_search).
	Reasons, ReasonSearch []string
	// MessageSearch: substrings of the message, ignoring case
	// (message_search).
	MessageSearch []string
	// Type: Normal or Warning (type_filter).
	Type string
	// Start and End bound the event's last time, both included
	// (start_time, end_time in seconds); zero leaves a side open.
	Start, End time.Time
	Interval   time.Duration
	Ascending  bool
	From, Size int
}

// ParseEventQuery reads KubeSphere's event query parameters, refusing
// bad ones with an *InvalidError naming the parameter.
func ParseEventQuery(v url.Values) (EventQuery, error) {
	var q EventQuery
	var err error
	switch op := Operation(v.Get("operation")); op {
	case "":
		q.Operation = OperationQuery
	case OperationQuery, OperationStatistics, OperationHistogram:
		q.Operation = op
	default:
		return EventQuery{}, &InvalidError{Field: "operation", Reason: fmt.Sprintf("%q is not one of query, statistics, histogram", op)}
	}
	for _, l := range []struct {
		name string
		dst  *[]string
	}{
		{"workspace_filter", &q.Workspaces}, {"workspace_search", &q.WorkspaceSearch},
		{"involved_object_namespace_filter", &q.Namespaces}, {"involved_object_namespace_search", &q.NamespaceSearch},
		{"involved_object_name_filter", &q.Names}, {"involved_object_name_search", &q.NameSearch},
		{"involved_object_kind_filter", &q.Kinds},
		{"reason_filter", &q.Reasons}, {"reason_search", &q.ReasonSearch},
		{"message_search", &q.MessageSearch},
	} {
		if *l.dst, err = kapi.List(l.name, v.Get(l.name), MaxListItems); err != nil {
			return EventQuery{}, err
		}
	}
	q.Type = v.Get("type_filter")
	if q.Start, err = kapi.Seconds("start_time", v.Get("start_time")); err != nil {
		return EventQuery{}, err
	}
	if q.End, err = kapi.Seconds("end_time", v.Get("end_time")); err != nil {
		return EventQuery{}, err
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return EventQuery{}, &InvalidError{Field: "end_time", Reason: "is before start_time"}
	}
	if q.Interval, err = kapi.Interval(v.Get("interval"), DefaultInterval); err != nil {
		return EventQuery{}, err
	}
	if q.Ascending, err = kapi.Sort(v.Get("sort")); err != nil {
		return EventQuery{}, err
	}
	if q.From, err = kapi.Count("from", v.Get("from"), 0, MaxFrom); err != nil {
		return EventQuery{}, err
	}
	if q.Size, err = kapi.Count("size", v.Get("size"), DefaultSize, MaxSize); err != nil {
		return EventQuery{}, err
	}
	return q, nil
}

func (q EventQuery) filter() logstore.Filter {
	list := func(f func(string, ...string) logstore.Filter, field string, values []string) logstore.Filter {
		if len(values) == 0 {
			return logstore.Everything()
		}
		return f(field, values...)
	}
	parts := []logstore.Filter{
		list(logstore.Equal, logscope.FieldWorkspace, q.Workspaces),
		list(logstore.ContainsFold, logscope.FieldWorkspace, q.WorkspaceSearch),
		list(logstore.Equal, logscope.FieldNamespace, q.Namespaces),
		list(logstore.ContainsFold, logscope.FieldNamespace, q.NamespaceSearch),
		list(logstore.Equal, FieldName, q.Names),
		list(logstore.ContainsFold, FieldName, q.NameSearch),
		list(logstore.Equal, FieldKind, q.Kinds),
		list(logstore.Equal, FieldReason, q.Reasons),
		list(logstore.ContainsFold, FieldReason, q.ReasonSearch),
		list(logstore.ContainsFold, logstore.MessageField, q.MessageSearch),
	}
	if q.Type != "" {
		parts = append(parts, logstore.Equal(FieldType, q.Type))
	}
	return logstore.And(parts...)
}

// ClientOptions configures NewClient.
type ClientOptions struct {
	// Store holds the records; Authorizer decides what each user may read;
	// Reader reads Namespaces and WorkspaceTemplates for their creation
	// times. Required.
	Store      logstore.Store
	Authorizer *authz.Authorizer
	Reader     client.Reader
	// Cluster, when set, confines every query to this cluster's records.
	Cluster string
	// Now is the clock of default histogram ranges; nil means time.Now.
	Now func() time.Time
}

// Client answers event queries for users, each scoped to what the user may
// read (list events, by logscope.Of). Its methods are safe for concurrent
// use.
type Client struct {
	opts   ClientOptions
	scoped kapi.Scoped
}

// NewClient returns a Client, or an *InvalidError naming a missing option.
func NewClient(opts ClientOptions) (*Client, error) {
	switch {
	case opts.Store == nil:
		return nil, &InvalidError{Field: "Store", Reason: "required"}
	case opts.Authorizer == nil:
		return nil, &InvalidError{Field: "Authorizer", Reason: "required"}
	case opts.Reader == nil:
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Client{opts: opts, scoped: kapi.Scoped{Authorizer: opts.Authorizer, Reader: opts.Reader, Permission: ReadEvents, Kind: logscope.KindEvent, Cluster: opts.Cluster}}, nil
}

// Response is an event query's answer in KubeSphere's shape: one of its
// fields is set, after the operation.
type Response struct {
	Query      *Events     `json:"query,omitempty"`
	Statistics *Statistics `json:"statistics,omitempty"`
	Histogram  *Histogram  `json:"histogram,omitempty"`
}

// Events is a page of events (core/v1 Events as JSON) with the total.
// Records is null when the page is empty, as KubeSphere answers.
type Events struct {
	Total   int64             `json:"total"`
	Records []json.RawMessage `json:"records"`
}

// Statistics counts the matching event states and the objects they are
// about.
type Statistics struct {
	Resources int64 `json:"resources"`
	Events    int64 `json:"events"`
}

// Histogram counts the matching event states per interval (KubeSphere's
// key is buckets here, histograms for logs).
type Histogram struct {
	Total   int64         `json:"total"`
	Buckets []kapi.Bucket `json:"buckets"`
}

// Filter is the store filter of q for user: the user's scope AND q (AND
// the Client's cluster).
func (c *Client) Filter(ctx context.Context, user authz.User, q EventQuery) (logstore.Filter, error) {
	return c.scoped.Filter(ctx, user, q.filter())
}

// Query answers q for user.
func (c *Client) Query(ctx context.Context, user authz.User, q EventQuery) (*Response, error) {
	f, err := c.Filter(ctx, user, q)
	if err != nil {
		return nil, err
	}
	switch q.Operation {
	case OperationStatistics:
		start, end := kapi.StoreRange(q.Start, q.End)
		counts, err := c.opts.Store.Count(ctx, f, start, end, FieldInvolvedUID)
		if err != nil {
			return nil, err
		}
		return &Response{Statistics: &Statistics{Resources: counts.Distinct, Events: counts.Records}}, nil
	case OperationHistogram:
		total, buckets, err := kapi.Histogram(ctx, c.opts.Store, f, q.Start, q.End, q.Interval, DefaultHistogramSpan, c.opts.Now)
		if err != nil {
			return nil, err
		}
		return &Response{Histogram: &Histogram{Total: total, Buckets: buckets}}, nil
	}
	size := q.Size
	if size == 0 {
		size = DefaultSize
	}
	start, end := kapi.StoreRange(q.Start, q.End)
	page, err := c.opts.Store.Search(ctx, logstore.Query{Filter: f, Start: start, End: end, Oldest: q.Ascending, Offset: q.From, Limit: size})
	if err != nil {
		return nil, err
	}
	out := &Events{Total: page.Total}
	for _, r := range page.Records {
		out.Records = append(out.Records, json.RawMessage(r.Fields[FieldEvent]))
	}
	return &Response{Query: out}, nil
}
