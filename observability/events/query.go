package events

import (
	"context"
	"encoding/json"
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
	DefaultSize          = kapi.DefaultSize
	MaxSize              = kapi.MaxSize
	MaxFrom              = kapi.MaxFrom
	MaxListItems         = kapi.MaxListItems
	DefaultInterval      = kapi.DefaultInterval
	DefaultHistogramSpan = kapi.DefaultHistogramSpan
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
	w, err := kapi.ParseWindow(v)
	if err != nil {
		return EventQuery{}, err
	}
	q.Operation, q.Start, q.End, q.Interval, q.Ascending, q.From, q.Size = Operation(w.Operation), w.Start, w.End, w.Interval, w.Ascending, w.From, w.Size
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
	return q, nil
}

func (q EventQuery) filter() logstore.Filter {
	list := kapi.Match
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
	records kapi.Records
}

// NewClient returns a Client, or an *InvalidError naming a missing option.
func NewClient(opts ClientOptions) (*Client, error) {
	if err := kapi.Require(opts.Store, opts.Authorizer, opts.Reader); err != nil {
		return nil, err
	}
	return &Client{records: kapi.Records{
		Scoped: kapi.Scoped{Authorizer: opts.Authorizer, Reader: opts.Reader, Permission: ReadEvents, Kind: logscope.KindEvent, Cluster: opts.Cluster},
		Store:  opts.Store, Record: FieldEvent, Distinct: FieldInvolvedUID, Now: opts.Now,
	}}, nil
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
	return c.records.Filter(ctx, user, q.filter())
}

// Query answers q for user.
func (c *Client) Query(ctx context.Context, user authz.User, q EventQuery) (*Response, error) {
	a, err := c.records.Answer(ctx, user, q.filter(), kapi.Window{Operation: string(q.Operation), Start: q.Start, End: q.End, Interval: q.Interval, Ascending: q.Ascending, From: q.From, Size: q.Size})
	if err != nil {
		return nil, err
	}
	return &Response{Query: (*Events)(a.Page), Statistics: (*Statistics)(a.Statistics), Histogram: (*Histogram)(a.Histogram)}, nil
}
