package logging

import (
	"fmt"
	"net/url"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/observability/internal/kapi"
)

// InvalidError reports an input the package refuses, naming the input
// (Field: a query parameter, an option) and why (Reason). Nothing was
// read when a query returns it.
type InvalidError = fielderr.Invalid

// Operation is what a log query answers.
type Operation string

const (
	// OperationQuery answers a page of log records with the total.
	OperationQuery Operation = "query"
	// OperationStatistics answers how many records and containers match.
	OperationStatistics Operation = "statistics"
	// OperationHistogram answers how many records match per interval.
	OperationHistogram Operation = "histogram"
	// OperationExport streams every matching record's log line as text.
	OperationExport Operation = "export"
)

const (
	// DefaultSize is a page's size when the query names none.
	DefaultSize = 10
	// MaxSize is the largest page a query may ask for.
	MaxSize = 1000
	// MaxFrom is the largest offset a query may ask for; beyond it, narrow
	// the query (a time range, a pod) instead of paging.
	MaxFrom = 100_000
	// DefaultInterval is a histogram's bucket width when the query names
	// none.
	DefaultInterval = 15 * time.Minute
	// MaxListItems bounds each comma-separated parameter.
	MaxListItems = 100
)

// LogQuery is a log query with KubeSphere's parameters (ParseLogQuery
// reads them from a URL's query). Lists are ORed within a parameter and
// every parameter given is ANDed with the others.
type LogQuery struct {
	// Operation is what to answer; empty means OperationQuery.
	Operation Operation
	// Namespaces are exact namespace names (namespaces); NamespaceQuery
	// substrings of them, ignoring case (namespace_query).
	Namespaces     []string
	NamespaceQuery []string
	// Workloads are workload names whose pods are selected by KubeSphere's
	// generated-name rule (workloads, see WorkloadPodName);
	// WorkloadQuery substrings of pod names, ignoring case
	// (workload_query).
	Workloads     []string
	WorkloadQuery []string
	// Pods are exact pod names (pods); PodQuery substrings (pod_query).
	Pods     []string
	PodQuery []string
	// Containers are exact container names (containers); ContainerQuery
	// substrings (container_query).
	Containers     []string
	ContainerQuery []string
	// Keywords are substrings of the log line, ignoring case (log_query).
	Keywords []string
	// Start and End bound the records' time, both included as in
	// KubeSphere (start_time and end_time, in seconds since the epoch);
	// zero leaves a side open.
	Start, End time.Time
	// Interval is a histogram's bucket width (interval); zero means
	// DefaultInterval.
	Interval time.Duration
	// Ascending orders a page oldest first (sort=asc); by default newest
	// first.
	Ascending bool
	// From and Size select the page (from, size; Size zero means
	// DefaultSize).
	From, Size int
}

// ParseLogQuery reads a log query from KubeSphere's query parameters:
// operation, namespaces, namespace_query, workloads, workload_query, pods,
// pod_query, containers, container_query, log_query, start_time, end_time,
// interval, sort, from, size. It refuses what KubeSphere would pass on to
// its database unchecked, with an *InvalidError naming the parameter: an
// unknown operation or sort, a time that is not whole seconds, an end
// before the start, an interval it cannot bucket by, a negative from, a
// size above MaxSize, more than MaxListItems items in a list.
func ParseLogQuery(v url.Values) (LogQuery, error) {
	var q LogQuery
	var err error
	switch op := Operation(v.Get("operation")); op {
	case "", OperationQuery, OperationStatistics, OperationHistogram, OperationExport:
		q.Operation = op
	default:
		return LogQuery{}, &InvalidError{Field: "operation", Reason: fmt.Sprintf("%q is not one of query, statistics, histogram, export", op)}
	}
	if q.Operation == "" {
		q.Operation = OperationQuery
	}
	lists := []struct {
		name string
		dst  *[]string
	}{
		{"namespaces", &q.Namespaces}, {"namespace_query", &q.NamespaceQuery},
		{"workloads", &q.Workloads}, {"workload_query", &q.WorkloadQuery},
		{"pods", &q.Pods}, {"pod_query", &q.PodQuery},
		{"containers", &q.Containers}, {"container_query", &q.ContainerQuery},
		{"log_query", &q.Keywords},
	}
	for _, l := range lists {
		if *l.dst, err = kapi.List(l.name, v.Get(l.name), MaxListItems); err != nil {
			return LogQuery{}, err
		}
	}
	if q.Start, err = kapi.Seconds("start_time", v.Get("start_time")); err != nil {
		return LogQuery{}, err
	}
	if q.End, err = kapi.Seconds("end_time", v.Get("end_time")); err != nil {
		return LogQuery{}, err
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return LogQuery{}, &InvalidError{Field: "end_time", Reason: "is before start_time"}
	}
	if q.Interval, err = kapi.Interval(v.Get("interval"), DefaultInterval); err != nil {
		return LogQuery{}, err
	}
	if q.Ascending, err = kapi.Sort(v.Get("sort")); err != nil {
		return LogQuery{}, err
	}
	if q.From, err = kapi.Count("from", v.Get("from"), 0, MaxFrom); err != nil {
		return LogQuery{}, err
	}
	if q.Size, err = kapi.Count("size", v.Get("size"), DefaultSize, MaxSize); err != nil {
		return LogQuery{}, err
	}
	return q, nil
}
