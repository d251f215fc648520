package logging

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// The fields of a container log record in the store (logstore.Record
// fields; the log line is the record's message), besides the tenant
// fields of logscope (cluster, workspace, namespace). NewIngester writes
// them.
const (
	FieldPod         = "pod"
	FieldContainer   = "container"
	FieldContainerID = "container_id"
	FieldNode        = "node"
)

// ReadPodLogs is the permission to read container logs: get pods/log, as
// in KubeSphere.
var ReadPodLogs = logscope.Permission{Verb: "get", Resource: "pods", Subresource: "log"}

// DefaultExportLimit is how many lines an export writes at most when
// ClientOptions.ExportLimit is zero, as KubeSphere's default.
const DefaultExportLimit = 100_000

// DefaultHistogramSpan is how far back a histogram without a start time
// reaches from its end.
const DefaultHistogramSpan = 24 * time.Hour

// ClientOptions configures NewClient.
type ClientOptions struct {
	// Store holds the records. Required.
	Store logstore.Store
	// Authorizer decides what each user may read. Required.
	Authorizer *authz.Authorizer
	// Reader reads Namespaces and WorkspaceTemplates for their creation
	// times, typically the cache the Authorizer is fed by. Required.
	Reader client.Reader
	// Cluster, when set, confines every query to the records of this
	// cluster (the cluster field). Set it when one store holds several
	// clusters' records: a namespace name means nothing across clusters.
	Cluster string
	// ExportLimit bounds an export's lines; zero means DefaultExportLimit.
	ExportLimit int
	// Now is the clock for default time ranges; nil means time.Now.
	Now func() time.Time
}

// Client answers container log queries for users, each scoped to what the
// user may read. Its methods are safe for concurrent use.
type Client struct {
	opts   ClientOptions
	scoped kapi.Scoped
}

// NewClient returns a Client, or an *InvalidError naming a missing or bad
// option.
func NewClient(opts ClientOptions) (*Client, error) {
	switch {
	case opts.Store == nil:
		return nil, &InvalidError{Field: "Store", Reason: "required"}
	case opts.Authorizer == nil:
		return nil, &InvalidError{Field: "Authorizer", Reason: "required"}
	case opts.Reader == nil:
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	case opts.ExportLimit < 0:
		return nil, &InvalidError{Field: "ExportLimit", Reason: "is negative"}
	}
	if opts.ExportLimit == 0 {
		opts.ExportLimit = DefaultExportLimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Client{opts: opts, scoped: kapi.Scoped{Authorizer: opts.Authorizer, Reader: opts.Reader, Permission: ReadPodLogs, Kind: logscope.KindLog, Cluster: opts.Cluster}}, nil
}

// Response is a log query's answer in KubeSphere's shape: one of its
// fields is set, after the operation.
type Response struct {
	Query      *Logs       `json:"query,omitempty"`
	Statistics *Statistics `json:"statistics,omitempty"`
	Histogram  *Histogram  `json:"histogram,omitempty"`
}

// Logs is a page of log records with the total.
type Logs struct {
	Total   int64       `json:"total"`
	Records []LogRecord `json:"records,omitempty"`
}

// LogRecord is one log line, as KubeSphere answers it.
type LogRecord struct {
	Log       string `json:"log,omitempty"`
	Time      string `json:"time,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
}

// Statistics counts the matching log records and the containers they came
// from.
type Statistics struct {
	Containers int64 `json:"containers"`
	Logs       int64 `json:"logs"`
}

// Histogram counts the matching records per interval (KubeSphere's key
// is histograms here, buckets for events and auditing).
type Histogram struct {
	Total   int64         `json:"total"`
	Buckets []kapi.Bucket `json:"histograms"`
}

// Scope is the scope user reads logs in (logscope.Of with ReadPodLogs).
func (c *Client) Scope(ctx context.Context, user authz.User) (logscope.Scope, error) {
	return logscope.Of(ctx, c.opts.Authorizer, c.opts.Reader, user, ReadPodLogs)
}

// Filter is the store filter of q for user: what q asks ANDed with the
// user's scope (and the Client's cluster). Every query goes through it.
func (c *Client) Filter(ctx context.Context, user authz.User, q LogQuery) (logstore.Filter, error) {
	return c.scoped.Filter(ctx, user, q.filter())
}

// filter is what q asks, without a scope.
func (q LogQuery) filter() logstore.Filter {
	parts := []logstore.Filter{
		listFilter(logstore.Equal, logscope.FieldNamespace, q.Namespaces),
		listFilter(logstore.ContainsFold, logscope.FieldNamespace, q.NamespaceQuery),
		listFilter(logstore.ContainsFold, FieldPod, q.WorkloadQuery),
		listFilter(logstore.Equal, FieldPod, q.Pods),
		listFilter(logstore.ContainsFold, FieldPod, q.PodQuery),
		listFilter(logstore.Equal, FieldContainer, q.Containers),
		listFilter(logstore.ContainsFold, FieldContainer, q.ContainerQuery),
		listFilter(logstore.ContainsFold, logstore.MessageField, q.Keywords),
	}
	if len(q.Workloads) > 0 {
		var ws []logstore.Filter
		for _, w := range q.Workloads {
			ws = append(ws, logstore.Matches(FieldPod, WorkloadPodName(w)))
		}
		parts = append(parts, logstore.Or(ws...))
	}
	return logstore.And(parts...)
}

// listFilter is f(field, values...), or no condition for an empty list.
func listFilter(f func(string, ...string) logstore.Filter, field string, values []string) logstore.Filter {
	if len(values) == 0 {
		return logstore.Everything()
	}
	return f(field, values...)
}

// Query answers q for user: a page, statistics or a histogram, after
// q.Operation. For OperationExport use Export.
func (c *Client) Query(ctx context.Context, user authz.User, q LogQuery) (*Response, error) {
	f, err := c.Filter(ctx, user, q)
	if err != nil {
		return nil, err
	}
	start, end := kapi.StoreRange(q.Start, q.End)
	switch q.Operation {
	case "", OperationQuery:
		size := q.Size
		if size == 0 {
			size = DefaultSize
		}
		page, err := c.opts.Store.Search(ctx, logstore.Query{Filter: f, Start: start, End: end, Oldest: q.Ascending, Offset: q.From, Limit: size})
		if err != nil {
			return nil, err
		}
		logs := &Logs{Total: page.Total}
		for _, r := range page.Records {
			logs.Records = append(logs.Records, logRecord(r))
		}
		return &Response{Query: logs}, nil
	case OperationStatistics:
		counts, err := c.opts.Store.Count(ctx, f, start, end, FieldContainerID)
		if err != nil {
			return nil, err
		}
		return &Response{Statistics: &Statistics{Containers: counts.Distinct, Logs: counts.Records}}, nil
	case OperationHistogram:
		total, buckets, err := kapi.Histogram(ctx, c.opts.Store, f, q.Start, q.End, q.Interval, DefaultHistogramSpan, c.opts.Now)
		if err != nil {
			return nil, err
		}
		return &Response{Histogram: &Histogram{Total: total, Buckets: buckets}}, nil
	}
	return nil, &InvalidError{Field: "operation", Reason: fmt.Sprintf("%q is answered by Export", q.Operation)}
}

// Export writes the log line of every record q selects for user to w,
// newest first (oldest first with Ascending), each ending in a newline
// and without terminal colour codes, at most ClientOptions.ExportLimit of
// them. Paging (From, Size) does not apply.
func (c *Client) Export(ctx context.Context, user authz.User, q LogQuery, w io.Writer) error {
	f, err := c.Filter(ctx, user, q)
	if err != nil {
		return err
	}
	return c.export(ctx, f, q, w)
}

// export writes the records f selects, as Export does.
func (c *Client) export(ctx context.Context, f logstore.Filter, q LogQuery, w io.Writer) error {
	start, end := kapi.StoreRange(q.Start, q.End)
	return c.opts.Store.Export(ctx, logstore.Query{Filter: f, Start: start, End: end, Oldest: q.Ascending, Limit: c.opts.ExportLimit}, func(r logstore.Record) error {
		line := stripANSI(r.Message)
		if !strings.HasSuffix(line, "\n") {
			line += "\n"
		}
		_, err := io.WriteString(w, line)
		return err
	})
}

func logRecord(r logstore.Record) LogRecord {
	return LogRecord{
		Log:       r.Message,
		Time:      r.Time.UTC().Format(time.RFC3339Nano),
		Namespace: r.Fields[logscope.FieldNamespace],
		Pod:       r.Fields[FieldPod],
		Container: r.Fields[FieldContainer],
	}
}
