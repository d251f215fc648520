package logstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// VictoriaLogs is a Store on a VictoriaLogs server. Its methods are safe
// for concurrent use.
type VictoriaLogs struct {
	base         *url.URL
	client       *http.Client
	streamFields string
	maxQueryLen  int
}

// DefaultMaxQueryLength is VictoriaLogs' default limit on a query's length
// (its -search.maxQueryLen flag).
const DefaultMaxQueryLength = 16 * 1024

// VictoriaLogsOptions are the optional settings of NewVictoriaLogs.
type VictoriaLogsOptions struct {
	// HTTPClient sends the requests; nil means a client with a 30-second
	// timeout.
	HTTPClient *http.Client
	// StreamFields are the record fields that identify a record's stream:
	// VictoriaLogs keeps a stream's records together, so queries that
	// select by these fields read only their streams. Choose fields with
	// few distinct values that queries always filter on, such as the
	// tenant fields (cluster, workspace, namespace).
	StreamFields []string
	// MaxQueryLength is the server's -search.maxQueryLen; zero means
	// DefaultMaxQueryLength. A query longer than it is refused before it is
	// sent, with an *InvalidError (Field "Filter"). A filter grows with the
	// values it names, such as the namespaces a user was granted one by
	// one: raise both where users hold many.
	MaxQueryLength int
}

// NewVictoriaLogs returns a Store on the VictoriaLogs server at address,
// such as http://127.0.0.1:9428.
func NewVictoriaLogs(address string, opts VictoriaLogsOptions) (*VictoriaLogs, error) {
	u, err := url.Parse(address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &InvalidError{Field: "address", Reason: fmt.Sprintf("%q is not an http(s) URL with a host", address), Err: err}
	}
	for _, f := range opts.StreamFields {
		if err := checkFieldName(f); err != nil {
			return nil, &InvalidError{Field: "StreamFields", Reason: err.Error()}
		}
	}
	if opts.MaxQueryLength < 0 {
		return nil, &InvalidError{Field: "MaxQueryLength", Reason: "is negative"}
	}
	if opts.MaxQueryLength == 0 {
		opts.MaxQueryLength = DefaultMaxQueryLength
	}
	c := opts.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	return &VictoriaLogs{base: u, client: c, streamFields: strings.Join(opts.StreamFields, ","), maxQueryLen: opts.MaxQueryLength}, nil
}

var _ Store = (*VictoriaLogs)(nil)

func checkFieldName(name string) error {
	switch {
	case name == "":
		return errors.New("a field name is empty")
	case strings.HasPrefix(name, "_"):
		return fmt.Errorf("field name %q starts with an underscore, which the database reserves", name)
	case strings.ContainsAny(name, ",\n"):
		return fmt.Errorf("field name %q holds a comma or a newline", name)
	}
	return nil
}

// Write stores records as JSON lines. It refuses, before writing any, a
// record without a time or with a reserved or empty field name.
func (v *VictoriaLogs) Write(ctx context.Context, records []Record) error {
	if len(records) == 0 {
		return nil
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for i, r := range records {
		if r.Time.IsZero() {
			return &InvalidError{Field: fmt.Sprintf("records[%d].Time", i), Reason: "is zero"}
		}
		line := make(map[string]string, len(r.Fields)+2)
		for k, val := range r.Fields {
			if err := checkFieldName(k); err != nil {
				return &InvalidError{Field: fmt.Sprintf("records[%d].Fields", i), Reason: err.Error()}
			}
			line[k] = val
		}
		line["_time"] = r.Time.UTC().Format(time.RFC3339Nano)
		line["_msg"] = r.Message
		if err := enc.Encode(line); err != nil {
			return &InvalidError{Field: fmt.Sprintf("records[%d]", i), Reason: err.Error(), Err: err}
		}
	}
	args := url.Values{"_time_field": {"_time"}, "_msg_field": {"_msg"}}
	if v.streamFields != "" {
		args.Set("_stream_fields", v.streamFields)
	}
	resp, err := v.do(ctx, "write", http.MethodPost, "/insert/jsonline", args, &body)
	if err != nil {
		return err
	}
	return drain(resp)
}

// Flush makes every record written so far visible to queries at once
// (VictoriaLogs otherwise shows them within about a second). Tests call it
// after writing.
func (v *VictoriaLogs) Flush(ctx context.Context) error {
	resp, err := v.do(ctx, "flush", http.MethodGet, "/internal/force_flush", nil, nil)
	if err != nil {
		return err
	}
	return drain(resp)
}

// Search returns one page of the records q selects, with their total.
func (v *VictoriaLogs) Search(ctx context.Context, q Query) (Page, error) {
	if err := q.check(); err != nil {
		return Page{}, err
	}
	if q.Filter.IsNothing() {
		return Page{}, nil
	}
	counts, err := v.Count(ctx, q.Filter, q.Start, q.End, "")
	if err != nil {
		return Page{}, err
	}
	page := Page{Total: counts.Records}
	if q.Limit == 0 || int64(q.Offset) >= page.Total {
		return page, nil
	}
	err = v.Export(ctx, q, func(r Record) error {
		page.Records = append(page.Records, r)
		return nil
	})
	return page, err
}

// Export calls each for every record q selects, in q's order.
func (v *VictoriaLogs) Export(ctx context.Context, q Query, each func(Record) error) error {
	if err := q.check(); err != nil {
		return err
	}
	if q.Filter.IsNothing() {
		return nil
	}
	order := "desc"
	if q.Oldest {
		order = "asc"
	}
	logsql := q.Filter.LogsQL() + " | sort by (_time " + order + ")"
	if q.Offset > 0 {
		logsql += " offset " + strconv.Itoa(q.Offset)
	}
	if q.Limit > 0 {
		logsql += " limit " + strconv.Itoa(q.Limit)
	}
	if err := v.checkLength(logsql); err != nil {
		return err
	}
	resp, err := v.do(ctx, "export", http.MethodPost, "/select/logsql/query", timeArgs(logsql, q.Start, q.End), nil)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		r, err := decodeRecord(sc.Bytes())
		if err != nil {
			return &ServerError{Op: "export", Status: resp.StatusCode, Err: err}
		}
		if err := each(r); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		// VictoriaLogs cuts the connection when a query fails after its
		// answer has begun.
		return &ServerError{Op: "export", Status: resp.StatusCode, Err: fmt.Errorf("answer cut short: %w", err)}
	}
	return nil
}

// Count counts the records f selects in [start, end), and the distinct
// non-empty values of field among them when field is not empty.
func (v *VictoriaLogs) Count(ctx context.Context, f Filter, start, end time.Time, field string) (Counts, error) {
	if f.IsNothing() {
		return Counts{}, nil
	}
	if err := checkRange(start, end); err != nil {
		return Counts{}, err
	}
	logsql := f.LogsQL() + " | stats count() records"
	if field != "" {
		// count_uniq counts the distinct non-empty values.
		logsql += ", count_uniq(" + strconv.Quote(field) + ") distinct"
	}
	if err := v.checkLength(logsql); err != nil {
		return Counts{}, err
	}
	resp, err := v.do(ctx, "count", http.MethodPost, "/select/logsql/stats_query", timeArgs(logsql, start, end), nil)
	if err != nil {
		return Counts{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	var answer struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return Counts{}, &ServerError{Op: "count", Status: resp.StatusCode, Err: fmt.Errorf("decode the answer: %w", err)}
	}
	var c Counts
	for _, r := range answer.Data.Result {
		s, _ := r.Value[1].(string)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Counts{}, &ServerError{Op: "count", Status: resp.StatusCode, Err: fmt.Errorf("count %q: %w", s, err)}
		}
		switch r.Metric["__name__"] {
		case "records":
			c.Records = n
		case "distinct":
			c.Distinct = n
		}
	}
	return c, nil
}

// Histogram counts the records f selects in [start, end) per step.
func (v *VictoriaLogs) Histogram(ctx context.Context, f Filter, start, end time.Time, step time.Duration) ([]Bucket, error) {
	switch {
	case start.IsZero() || end.IsZero():
		return nil, &InvalidError{Field: "start", Reason: "a histogram needs both start and end"}
	case step < time.Second || step%time.Second != 0:
		return nil, &InvalidError{Field: "step", Reason: fmt.Sprintf("%s is not a whole number of seconds of at least one", step)}
	case end.Sub(start)/step > maxBuckets:
		return nil, &InvalidError{Field: "step", Reason: fmt.Sprintf("%s over %s makes more than %d buckets", step, end.Sub(start), maxBuckets)}
	}
	if err := checkRange(start, end); err != nil {
		return nil, err
	}
	// Every bucket the range touches, aligned to step since the epoch.
	sec := int64(step / time.Second)
	first := time.Unix(start.Unix()-((start.Unix()%sec)+sec)%sec, 0).UTC()
	var buckets []Bucket
	index := map[int64]int{}
	for t := first; t.Before(end); t = t.Add(step) {
		index[t.Unix()] = len(buckets)
		buckets = append(buckets, Bucket{Time: t})
	}
	if f.IsNothing() {
		return buckets, nil
	}
	// The hits API widens start to its bucket's; the filter cuts the
	// first bucket at start again.
	logsql := And(f, NotBefore(start), Before(end)).LogsQL()
	if err := v.checkLength(logsql); err != nil {
		return nil, err
	}
	args := timeArgs(logsql, start, end)
	args.Set("step", strconv.FormatInt(sec, 10)+"s")
	resp, err := v.do(ctx, "histogram", http.MethodPost, "/select/logsql/hits", args, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var answer struct {
		Hits []struct {
			Timestamps []time.Time `json:"timestamps"`
			Values     []int64     `json:"values"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, &ServerError{Op: "histogram", Status: resp.StatusCode, Err: fmt.Errorf("decode the answer: %w", err)}
	}
	for _, h := range answer.Hits {
		if len(h.Timestamps) != len(h.Values) {
			return nil, &ServerError{Op: "histogram", Status: resp.StatusCode, Err: errors.New("timestamps and values differ in number")}
		}
		for i, t := range h.Timestamps {
			j, ok := index[t.Unix()]
			if !ok {
				return nil, &ServerError{Op: "histogram", Status: resp.StatusCode, Err: fmt.Errorf("bucket %s is not a multiple of the step within the range", t)}
			}
			buckets[j].Count += h.Values[i]
		}
	}
	return buckets, nil
}

// checkLength refuses a query the server would refuse for its length.
func (v *VictoriaLogs) checkLength(logsql string) error {
	if len(logsql) > v.maxQueryLen {
		return &InvalidError{Field: "Filter", Reason: fmt.Sprintf("renders as %d bytes of LogsQL, over the server's limit of %d (raise -search.maxQueryLen and MaxQueryLength)", len(logsql), v.maxQueryLen)}
	}
	return nil
}

// maxBuckets bounds a histogram's length.
const maxBuckets = 10_000

func (q Query) check() error {
	switch {
	case q.Offset < 0:
		return &InvalidError{Field: "Offset", Reason: "is negative"}
	case q.Limit < 0:
		return &InvalidError{Field: "Limit", Reason: "is negative"}
	}
	return checkRange(q.Start, q.End)
}

func checkRange(start, end time.Time) error {
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return &InvalidError{Field: "end", Reason: fmt.Sprintf("%s is not after start %s", end.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))}
	}
	return nil
}

// timeArgs are the arguments of a query over [start, end).
func timeArgs(logsql string, start, end time.Time) url.Values {
	args := url.Values{"query": {logsql}}
	if !start.IsZero() {
		args.Set("start", start.UTC().Format(time.RFC3339Nano))
	}
	if !end.IsZero() {
		args.Set("end", end.UTC().Format(time.RFC3339Nano))
	}
	return args
}

// decodeRecord reads one JSON line of a query's answer.
func decodeRecord(line []byte) (Record, error) {
	var fields map[string]string
	if err := json.Unmarshal(line, &fields); err != nil {
		return Record{}, fmt.Errorf("decode a record: %w", err)
	}
	t, err := time.Parse(time.RFC3339Nano, fields["_time"])
	if err != nil {
		return Record{}, fmt.Errorf("a record's time: %w", err)
	}
	r := Record{Time: t, Message: fields["_msg"]}
	for k, val := range fields {
		if strings.HasPrefix(k, "_") {
			continue
		}
		if r.Fields == nil {
			r.Fields = make(map[string]string, len(fields))
		}
		r.Fields[k] = val
	}
	return r, nil
}

// do sends one request, with args in a form body for POST, and returns the
// answer if its status is 200.
func (v *VictoriaLogs) do(ctx context.Context, op, method, path string, args url.Values, body io.Reader) (*http.Response, error) {
	u := *v.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	var req *http.Request
	var err error
	switch {
	case body != nil:
		u.RawQuery = args.Encode()
		req, err = http.NewRequestWithContext(ctx, method, u.String(), body)
	case method == http.MethodPost:
		req, err = http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(args.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	default:
		u.RawQuery = args.Encode()
		req, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return nil, &ServerError{Op: op, Err: err}
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, &ServerError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		_ = resp.Body.Close()
		return nil, &ServerError{Op: op, Status: resp.StatusCode, Message: strings.TrimSpace(string(msg))}
	}
	return resp, nil
}

func drain(resp *http.Response) error {
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
