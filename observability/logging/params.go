package logging

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
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

// intervalRE is the interval syntax this package accepts: KubeSphere's
// units but the calendar ones (M, q, y), whose buckets are not of one
// width.
var intervalRE = regexp.MustCompile(`^([1-9][0-9]{0,5})([smhdw])$`)

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
		if *l.dst, err = splitList(l.name, v.Get(l.name)); err != nil {
			return LogQuery{}, err
		}
	}
	if q.Start, err = parseSeconds("start_time", v.Get("start_time")); err != nil {
		return LogQuery{}, err
	}
	if q.End, err = parseSeconds("end_time", v.Get("end_time")); err != nil {
		return LogQuery{}, err
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return LogQuery{}, &InvalidError{Field: "end_time", Reason: "is before start_time"}
	}
	if q.Interval, err = parseInterval(v.Get("interval")); err != nil {
		return LogQuery{}, err
	}
	switch s := v.Get("sort"); s {
	case "", "desc":
	case "asc":
		q.Ascending = true
	default:
		return LogQuery{}, &InvalidError{Field: "sort", Reason: fmt.Sprintf("%q is not asc or desc", s)}
	}
	if q.From, err = parseCount("from", v.Get("from"), 0, MaxFrom); err != nil {
		return LogQuery{}, err
	}
	if q.Size, err = parseCount("size", v.Get("size"), DefaultSize, MaxSize); err != nil {
		return LogQuery{}, err
	}
	return q, nil
}

// splitList splits a comma-separated parameter, trimming spaces and
// dropping empty items.
func splitList(name, s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	if len(out) > MaxListItems {
		return nil, &InvalidError{Field: name, Reason: fmt.Sprintf("has %d items; at most %d are allowed", len(out), MaxListItems)}
	}
	return out, nil
}

func parseSeconds(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return time.Time{}, &InvalidError{Field: name, Reason: fmt.Sprintf("%q is not a time in whole seconds since the epoch", s), Err: err}
	}
	return time.Unix(n, 0).UTC(), nil
}

func parseInterval(s string) (time.Duration, error) {
	if s == "" {
		return DefaultInterval, nil
	}
	m := intervalRE.FindStringSubmatch(s)
	if m == nil {
		return 0, &InvalidError{Field: "interval", Reason: fmt.Sprintf("%q is not a count and one of the units s, m, h, d, w (such as 15m)", s)}
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

func parseCount(name, s string, def, limit int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, &InvalidError{Field: name, Reason: fmt.Sprintf("%q is not a whole number", s), Err: err}
	case n < 0:
		return 0, &InvalidError{Field: name, Reason: "is negative"}
	case n > limit:
		return 0, &InvalidError{Field: name, Reason: fmt.Sprintf("%d is above the maximum of %d", n, limit)}
	}
	return n, nil
}
