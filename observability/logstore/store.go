package logstore

import (
	"context"
	"time"
)

// Record is one stored record: when it happened, its message, and its
// fields (such as namespace, pod and container for a log line). Field
// names are non-empty and do not start with an underscore, which the
// database reserves; an empty field value is the same as no field.
type Record struct {
	Time    time.Time
	Message string
	Fields  map[string]string
}

func (r Record) field(name string) string {
	if name == MessageField {
		return r.Message
	}
	return r.Fields[name]
}

// Query selects a page of records.
type Query struct {
	// Filter selects the records; the zero Filter selects all.
	Filter Filter
	// Start and End bound the records' time to [Start, End); a zero bound
	// leaves that side open.
	Start, End time.Time
	// Oldest orders the page oldest first; by default it is newest first.
	Oldest bool
	// Offset skips that many records of the order; Limit is the page size
	// (zero: no records, only the total).
	Offset, Limit int
}

// Page is one page of a Query's answer.
type Page struct {
	// Total is how many records the query selects, on every page.
	Total int64
	// Records are the page's records, in the query's order.
	Records []Record
}

// Counts is the answer of Store.Count.
type Counts struct {
	// Records is how many records the filter selects.
	Records int64
	// Distinct is how many distinct non-empty values the counted field has
	// among them.
	Distinct int64
}

// Bucket is one interval of a histogram: the records whose time is in
// [Time, Time+step).
type Bucket struct {
	Time  time.Time
	Count int64
}

// Store keeps records and answers queries on them. VictoriaLogs implements
// it.
type Store interface {
	// Write stores records. It returns an error unless every record was
	// accepted.
	Write(ctx context.Context, records []Record) error
	// Search returns one page of the records q selects, with their total.
	Search(ctx context.Context, q Query) (Page, error)
	// Count counts the records f selects in [start, end) and the distinct
	// non-empty values of field among them (none if field is empty).
	Count(ctx context.Context, f Filter, start, end time.Time, field string) (Counts, error)
	// Histogram counts the records f selects in [start, end) per step,
	// buckets aligned to multiples of step since the Unix epoch; empty
	// buckets are included.
	Histogram(ctx context.Context, f Filter, start, end time.Time, step time.Duration) ([]Bucket, error)
	// Export calls each for every record q selects (Offset and Limit
	// apply), in q's order, and stops at each's first error, which it
	// returns.
	Export(ctx context.Context, q Query, each func(Record) error) error
}
