package notification

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// KindNotification is the kind (logscope.FieldKind) of a history record,
// so that history shares a store with logs, events and the audit trail.
const KindNotification = "notification"

// The fields of a history record.
const (
	FieldTenant    = "tenant"
	FieldReceiver  = "receiver"
	FieldChannel   = "channel"
	FieldOutcome   = "outcome"
	FieldError     = "error"
	FieldAttempts  = "attempts"
	FieldAlertName = "alertname"
	FieldAlert     = "alert"
)

// The outcomes of a notification (FieldOutcome).
const (
	OutcomeSent   = "sent"
	OutcomeFailed = "failed"
)

// Bounds of a history query.
const (
	DefaultHistorySize = 10
	MaxHistorySize     = 1000
)

// ReadAllHistory is the permission to read every tenant's history and the
// global receivers': list receivers of notification.kubesphere.io across
// the platform, which KubeSphere gives the platform's administrators.
// Everybody else reads the history of their own receivers.
var ReadAllHistory = authz.Attributes{Verb: "list", APIGroup: notificationv2beta2.GroupName, Resource: "receivers", Scope: authz.ScopeGlobal}

// HistoryOptions configures NewHistory.
type HistoryOptions struct {
	// Store keeps the history; Authorizer decides who reads what.
	// Required.
	Store      logstore.Store
	Authorizer *authz.Authorizer
	// Cluster stamps every record and confines every query, when set.
	Cluster string
}

// History records every notification's outcome, one record per alert
// and receiver channel, and answers per tenant what was sent to them.
// Its methods are safe for concurrent use.
type History struct {
	opts HistoryOptions
}

// NewHistory returns a History, or an *InvalidError naming a missing
// option.
func NewHistory(opts HistoryOptions) (*History, error) {
	switch {
	case opts.Store == nil:
		return nil, &InvalidError{Field: "Store", Reason: "required"}
	case opts.Authorizer == nil:
		return nil, &InvalidError{Field: "Authorizer", Reason: "required"}
	}
	return &History{opts: opts}, nil
}

// Record writes the outcome of every alert of results: sent, or failed
// with the last error.
func (h *History) Record(ctx context.Context, results []Result) error {
	var records []logstore.Record
	for _, r := range results {
		outcome, reason := OutcomeSent, ""
		if r.Err != nil {
			outcome, reason = OutcomeFailed, r.Err.Error()
		}
		for _, a := range r.Data.Alerts {
			alert, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("record the history: %w", err)
			}
			records = append(records, logstore.Record{
				Time:    r.At,
				Message: a.Labels["alertname"] + ": " + first(a.Annotations, "message", "summary", "summary_cn"),
				Fields: map[string]string{
					logscope.FieldKind: KindNotification, logscope.FieldCluster: h.opts.Cluster,
					logscope.FieldNamespace: a.Labels[LabelNamespace],
					FieldTenant:             r.Target.Tenant, FieldReceiver: r.Target.Receiver, FieldChannel: r.Target.Channel,
					FieldOutcome: outcome, FieldError: reason, FieldAttempts: strconv.Itoa(r.Attempts),
					FieldAlertName: a.Labels["alertname"], FieldAlert: string(alert),
				},
			})
		}
	}
	if len(records) == 0 {
		return nil
	}
	if err := h.opts.Store.Write(ctx, records); err != nil {
		return fmt.Errorf("record the history: %w", err)
	}
	return nil
}

// HistoryQuery selects history entries; lists are ORed within a field,
// fields ANDed.
type HistoryQuery struct {
	Receivers, Channels, AlertNames, Namespaces []string
	// Outcome is OutcomeSent or OutcomeFailed; empty means both.
	Outcome string
	// Start and End bound the entries' time to [Start, End); zero leaves
	// a side open.
	Start, End time.Time
	// Oldest orders oldest first (newest first by default); From skips,
	// Size is the page's size (DefaultHistorySize when zero).
	Oldest     bool
	From, Size int
}

// HistoryEntry is one alert's notification on one receiver channel.
type HistoryEntry struct {
	Time                      time.Time
	Tenant, Receiver, Channel string
	Outcome, Error            string
	Attempts                  int
	Alert                     Alert
}

// HistoryPage is a page of entries with the total.
type HistoryPage struct {
	Total   int64
	Entries []HistoryEntry
}

// Query answers q for user: the entries of the user's own receivers, or
// every entry for a user with ReadAllHistory. A bad query is an
// *InvalidError naming the field.
func (h *History) Query(ctx context.Context, user authz.User, q HistoryQuery) (HistoryPage, error) {
	switch {
	case q.Outcome != "" && q.Outcome != OutcomeSent && q.Outcome != OutcomeFailed:
		return HistoryPage{}, &InvalidError{Field: "Outcome", Reason: fmt.Sprintf("%q is not %s or %s", q.Outcome, OutcomeSent, OutcomeFailed)}
	case q.Size < 0 || q.Size > MaxHistorySize:
		return HistoryPage{}, &InvalidError{Field: "Size", Reason: fmt.Sprintf("must be within 0 and %d", MaxHistorySize)}
	case q.From < 0:
		return HistoryPage{}, &InvalidError{Field: "From", Reason: "must not be negative"}
	case user.Name == "":
		return HistoryPage{}, &InvalidError{Field: "user", Reason: "required"}
	}
	all := ReadAllHistory
	all.User = user
	d, err := h.opts.Authorizer.Authorize(ctx, all)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("authorize the history query: %w", err)
	}
	parts := []logstore.Filter{logstore.Equal(logscope.FieldKind, KindNotification)}
	if !d.Allowed {
		parts = append(parts, logstore.Equal(FieldTenant, user.Name))
	}
	if h.opts.Cluster != "" {
		parts = append(parts, logstore.Equal(logscope.FieldCluster, h.opts.Cluster))
	}
	parts = append(parts, kapi.Match(logstore.Equal, FieldReceiver, q.Receivers), kapi.Match(logstore.Equal, FieldChannel, q.Channels),
		kapi.Match(logstore.Equal, FieldAlertName, q.AlertNames), kapi.Match(logstore.Equal, logscope.FieldNamespace, q.Namespaces))
	if q.Outcome != "" {
		parts = append(parts, logstore.Equal(FieldOutcome, q.Outcome))
	}
	size := q.Size
	if size == 0 {
		size = DefaultHistorySize
	}
	page, err := h.opts.Store.Search(ctx, logstore.Query{Filter: logstore.And(parts...), Start: q.Start, End: q.End, Oldest: q.Oldest, Offset: q.From, Limit: size})
	if err != nil {
		return HistoryPage{}, fmt.Errorf("query the history: %w", err)
	}
	out := HistoryPage{Total: page.Total}
	for _, r := range page.Records {
		e := HistoryEntry{Time: r.Time, Tenant: r.Fields[FieldTenant], Receiver: r.Fields[FieldReceiver], Channel: r.Fields[FieldChannel], Outcome: r.Fields[FieldOutcome], Error: r.Fields[FieldError]}
		e.Attempts, _ = strconv.Atoi(r.Fields[FieldAttempts]) // written by Record
		if err := json.Unmarshal([]byte(r.Fields[FieldAlert]), &e.Alert); err != nil {
			return HistoryPage{}, fmt.Errorf("query the history: entry of %s: %w", r.Time, err)
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}
