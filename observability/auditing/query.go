package auditing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Operation is what an audit query answers.
type Operation string

const (
	// OperationQuery answers a page of audit events with the total.
	OperationQuery Operation = "query"
	// OperationStatistics answers how many audit events and distinct
	// requests (audit IDs) match.
	OperationStatistics Operation = "statistics"
	// OperationHistogram answers how many audit events match per interval.
	OperationHistogram Operation = "histogram"
)

// Bounds of an audit query, as in packages logging and events.
const (
	DefaultSize          = kapi.DefaultSize
	MaxSize              = kapi.MaxSize
	MaxFrom              = kapi.MaxFrom
	MaxListItems         = kapi.MaxListItems
	DefaultInterval      = kapi.DefaultInterval
	DefaultHistogramSpan = kapi.DefaultHistogramSpan
)

// ReadAudit is the permission to read audit events: list events, as in
// KubeSphere, which grants the audit trail of a namespace or workspace to
// whoever may list its events.
var ReadAudit = logscope.Permission{Verb: "list", Resource: "events"}

// AuditQuery is an audit query with KubeSphere's parameters
// (ParseAuditQuery). Lists are ORed within a parameter, parameters ANDed;
// *Search lists find substrings ignoring case.
type AuditQuery struct {
	Operation Operation
	// Workspaces and WorkspaceSearch (workspace_filter, workspace_search).
	Workspaces, WorkspaceSearch []string
	// Namespaces and NamespaceSearch: the object's namespace
	// (objectref_namespace_filter, _search).
	Namespaces, NamespaceSearch []string
	// Names and NameSearch: the object's name (objectref_name_filter,
	// _search).
	Names, NameSearch []string
	// Resources and Subresources: prefixes of the object's resource and
	// subresource, as KubeSphere's phrase-prefix match
	// (objectref_resource_filter, objectref_subresource_filter).
	Resources, Subresources []string
	// Levels and Verbs (level_filter, verb_filter).
	Levels, Verbs []string
	// Users and UserSearch: the user name (user_filter, user_search);
	// GroupSearch: one of the user's groups (group_search).
	Users, UserSearch, GroupSearch []string
	// SourceIPSearch: one of the source addresses (source_ip_search).
	SourceIPSearch []string
	// Codes and Statuses: the response's HTTP code and status
	// (response_code_filter, response_status_filter).
	Codes    []int
	Statuses []string
	// Start and End bound when the request was received, both included
	// (start_time, end_time in seconds); zero leaves a side open.
	Start, End time.Time
	Interval   time.Duration
	Ascending  bool
	From, Size int
}

// ParseAuditQuery reads KubeSphere's audit query parameters, refusing bad
// ones with an *InvalidError naming the parameter.
func ParseAuditQuery(v url.Values) (AuditQuery, error) {
	var q AuditQuery
	w, err := kapi.ParseWindow(v)
	if err != nil {
		return AuditQuery{}, err
	}
	q.Operation, q.Start, q.End, q.Interval, q.Ascending, q.From, q.Size = Operation(w.Operation), w.Start, w.End, w.Interval, w.Ascending, w.From, w.Size
	var codes []string
	for _, l := range []struct {
		name string
		dst  *[]string
	}{
		{"workspace_filter", &q.Workspaces}, {"workspace_search", &q.WorkspaceSearch},
		{"objectref_namespace_filter", &q.Namespaces}, {"objectref_namespace_search", &q.NamespaceSearch},
		{"objectref_name_filter", &q.Names}, {"objectref_name_search", &q.NameSearch},
		{"objectref_resource_filter", &q.Resources}, {"objectref_subresource_filter", &q.Subresources},
		{"level_filter", &q.Levels}, {"verb_filter", &q.Verbs},
		{"user_filter", &q.Users}, {"user_search", &q.UserSearch}, {"group_search", &q.GroupSearch},
		{"source_ip_search", &q.SourceIPSearch},
		{"response_code_filter", &codes}, {"response_status_filter", &q.Statuses},
	} {
		if *l.dst, err = kapi.List(l.name, v.Get(l.name), MaxListItems); err != nil {
			return AuditQuery{}, err
		}
	}
	for _, c := range codes {
		code, err := strconv.Atoi(c)
		if err != nil || code < 100 || code > 599 {
			return AuditQuery{}, &InvalidError{Field: "response_code_filter", Reason: fmt.Sprintf("%q is not an HTTP status code", c)}
		}
		q.Codes = append(q.Codes, code)
	}
	return q, nil
}

func (q AuditQuery) filter() logstore.Filter {
	list := kapi.Match
	codes := make([]string, 0, len(q.Codes))
	for _, c := range q.Codes {
		codes = append(codes, strconv.Itoa(c))
	}
	return logstore.And(
		list(logstore.Equal, logscope.FieldWorkspace, q.Workspaces),
		list(logstore.ContainsFold, logscope.FieldWorkspace, q.WorkspaceSearch),
		list(logstore.Equal, logscope.FieldNamespace, q.Namespaces),
		list(logstore.ContainsFold, logscope.FieldNamespace, q.NamespaceSearch),
		list(logstore.Equal, FieldName, q.Names),
		list(logstore.ContainsFold, FieldName, q.NameSearch),
		list(logstore.HasPrefix, FieldResource, q.Resources),
		list(logstore.HasPrefix, FieldSubresource, q.Subresources),
		list(logstore.Equal, FieldLevel, q.Levels),
		list(logstore.Equal, FieldVerb, q.Verbs),
		list(logstore.Equal, FieldUser, q.Users),
		list(logstore.ContainsFold, FieldUser, q.UserSearch),
		list(logstore.ContainsFold, FieldGroups, q.GroupSearch),
		list(logstore.ContainsFold, FieldSourceIPs, q.SourceIPSearch),
		list(logstore.Equal, FieldCode, codes),
		list(logstore.Equal, FieldStatus, q.Statuses),
	)
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

// Client answers audit queries for users, each scoped to what the user may
// read (ReadAudit, by logscope.Of). Its methods are safe for concurrent
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
		Scoped: kapi.Scoped{Authorizer: opts.Authorizer, Reader: opts.Reader, Permission: ReadAudit, Kind: logscope.KindAudit, Cluster: opts.Cluster},
		Store:  opts.Store, Record: FieldEvent, Distinct: FieldAuditID, Now: opts.Now,
	}}, nil
}

// Response is an audit query's answer in KubeSphere's shape: one of its
// fields is set, after the operation.
type Response struct {
	Query      *Events     `json:"query,omitempty"`
	Statistics *Statistics `json:"statistics,omitempty"`
	Histogram  *Histogram  `json:"histogram,omitempty"`
}

// Events is a page of audit events with the total, each in KubeSphere's
// shape (decode one into an Event). Records is null when the page is
// empty, as KubeSphere answers.
type Events struct {
	Total   int64             `json:"total"`
	Records []json.RawMessage `json:"records"`
}

// Statistics counts the matching audit events and the distinct requests
// (audit IDs) among them, which KubeSphere calls resources.
type Statistics struct {
	Resources int64 `json:"resources"`
	Events    int64 `json:"events"`
}

// Histogram counts the matching audit events per interval.
type Histogram struct {
	Total   int64         `json:"total"`
	Buckets []kapi.Bucket `json:"buckets"`
}

// Filter is the store filter of q for user: the user's scope AND q (AND
// the Client's cluster).
func (c *Client) Filter(ctx context.Context, user authz.User, q AuditQuery) (logstore.Filter, error) {
	return c.records.Filter(ctx, user, q.filter())
}

// Query answers q for user.
func (c *Client) Query(ctx context.Context, user authz.User, q AuditQuery) (*Response, error) {
	a, err := c.records.Answer(ctx, user, q.filter(), kapi.Window{Operation: string(q.Operation), Start: q.Start, End: q.End, Interval: q.Interval, Ascending: q.Ascending, From: q.From, Size: q.Size})
	if err != nil {
		return nil, err
	}
	return &Response{Query: (*Events)(a.Page), Statistics: (*Statistics)(a.Statistics), Histogram: (*Histogram)(a.Histogram)}, nil
}
