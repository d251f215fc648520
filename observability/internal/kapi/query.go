package kapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Scoped is what a record API's Client needs to scope a user's query.
type Scoped struct {
	Authorizer *authz.Authorizer
	Reader     client.Reader
	Permission logscope.Permission
	// Kind is the kind of record the API reads (logscope.FieldKind).
	Kind string
	// Cluster, when set, confines every query to this cluster's records.
	Cluster string
}

// Filter is asked ANDed with user's scope (logscope.Of with the
// permission), the kind of record and the cluster: every query of a
// record API goes through it.
func (s Scoped) Filter(ctx context.Context, user authz.User, asked logstore.Filter) (logstore.Filter, error) {
	scope, err := logscope.Of(ctx, s.Authorizer, s.Reader, user, s.Permission)
	if err != nil {
		return logstore.Filter{}, err
	}
	parts := []logstore.Filter{logstore.Equal(logscope.FieldKind, s.Kind), scope.Filter(), asked}
	if s.Cluster != "" {
		parts = append(parts, logstore.Equal(logscope.FieldCluster, s.Cluster))
	}
	return logstore.And(parts...), nil
}

// Bucket is one interval of a histogram in KubeSphere's shape: its start
// in milliseconds since the epoch, and its count.
type Bucket struct {
	Time  int64 `json:"time"`
	Count int64 `json:"count"`
}

// Histogram counts the records f selects per interval over KubeSphere's
// inclusive [start, end] in seconds: end defaults to now, start to span
// before end. A bad interval is refused as the parameter interval.
func Histogram(ctx context.Context, store logstore.Store, f logstore.Filter, start, end time.Time, interval, span time.Duration, now func() time.Time) (int64, []Bucket, error) {
	start, end = StoreRange(start, end)
	if end.IsZero() {
		end = now().Truncate(time.Second).Add(time.Second)
	}
	if start.IsZero() {
		start = end.Add(-span)
	}
	buckets, err := store.Histogram(ctx, f, start, end, interval)
	if err != nil {
		var inv *fielderr.Invalid
		if errors.As(err, &inv) && inv.Field == "step" {
			return 0, nil, &fielderr.Invalid{Field: "interval", Reason: inv.Reason}
		}
		return 0, nil, err
	}
	var total int64
	out := make([]Bucket, 0, len(buckets))
	for _, b := range buckets {
		total += b.Count
		out = append(out, Bucket{Time: b.Time.UnixMilli(), Count: b.Count})
	}
	return total, out, nil
}

// StoreRange turns KubeSphere's inclusive [start, end] in seconds into the
// store's [start, end).
func StoreRange(start, end time.Time) (time.Time, time.Time) {
	if !end.IsZero() {
		end = end.Add(time.Second)
	}
	return start, end
}

// Endpoint is a read-only record API: the paths it serves, how it reads
// a query, and how it answers one for a user.
type Endpoint[Q any] struct {
	Paths  []string
	Parse  func(url.Values) (Q, error)
	Caller func(*http.Request) (authz.User, error)
	// Serve answers q for user on w; an error it returns before writing
	// is answered as a Status (400 for *fielderr.Invalid, else 500).
	Serve func(w http.ResponseWriter, r *http.Request, user authz.User, q Q) error
}

// ServeHTTP answers GET on the endpoint's paths: 404 for another path, 405
// for another method, 400 for a bad parameter, 401 when Caller fails.
func (e Endpoint[Q]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	known := false
	for _, p := range e.Paths {
		known = known || r.URL.Path == p
	}
	switch {
	case !known:
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no route for "+r.URL.Path)
		return
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "method "+r.Method+" is not allowed; this API is read-only")
		return
	}
	q, err := e.Parse(r.URL.Query())
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	user, err := e.Caller(r)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "identify the caller: "+err.Error())
		return
	}
	if err := e.Serve(w, r, user, q); err != nil {
		WriteError(w, err)
	}
}

// WriteError answers err as a Status: 400 for *fielderr.Invalid, else 500.
func WriteError(w http.ResponseWriter, err error) {
	var inv *fielderr.Invalid
	if errors.As(err, &inv) {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	apistatus.WriteFailure(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
}

// JSONEndpoint is an Endpoint on paths that answers query's result as
// JSON with 200.
func JSONEndpoint[Q, R any](paths []string, parse func(url.Values) (Q, error), caller func(*http.Request) (authz.User, error), query func(context.Context, authz.User, Q) (R, error)) Endpoint[Q] {
	return Endpoint[Q]{
		Paths:  paths,
		Parse:  parse,
		Caller: caller,
		Serve: func(w http.ResponseWriter, r *http.Request, user authz.User, q Q) error {
			res, err := query(r.Context(), user, q)
			if err == nil {
				apistatus.WriteJSON(w, http.StatusOK, res)
			}
			return err
		},
	}
}
