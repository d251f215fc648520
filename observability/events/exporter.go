package events

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// InvalidError reports an option or input the package refuses, naming it
// (Field) and why (Reason). It is the SDK's one input-error shape.
type InvalidError = fielderr.Invalid

// Defaults of Exporter.
const (
	DefaultBatchSize     = 500
	DefaultBatchInterval = 2 * time.Second
	// MaxPending bounds the event states an Exporter holds while the store
	// refuses them; beyond it the oldest are dropped, and logged.
	MaxPending = 100_000
)

// lookupChunk is how many events one store lookup of a restart asks
// about, which keeps the query within the store's length limit.
const lookupChunk = 100

// Exporter writes every state of the cluster's Events to Store. It is a
// manager Runnable that runs on the leader only; add it with
// SetupWithManager.
type Exporter struct {
	// Store receives the records. Required.
	Store logstore.Store
	// Cluster is stamped on every record as its cluster field.
	Cluster string
	// BatchSize and BatchInterval bound a batch: it is written when it
	// holds BatchSize states or BatchInterval after the last write. Zero
	// means DefaultBatchSize and DefaultBatchInterval.
	BatchSize     int
	BatchInterval time.Duration

	// cache is the manager's: Events are watched and Namespaces read
	// through it.
	cache cache.Cache

	mu       sync.Mutex
	pending  []*corev1.Event
	restated []*corev1.Event // listed again at start: the store may hold them
	full     chan struct{}
	// written is the resource version last written per event.
	written map[types.UID]string
}

// SetupWithManager adds x to mgr; it watches Events and reads Namespaces
// through mgr's cache.
func (x *Exporter) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	switch {
	case x.Store == nil:
		return fmt.Errorf("events exporter: %w", &InvalidError{Field: "Store", Reason: "required"})
	case x.BatchSize < 0:
		return fmt.Errorf("events exporter: %w", &InvalidError{Field: "BatchSize", Reason: "is negative"})
	case x.BatchInterval < 0:
		return fmt.Errorf("events exporter: %w", &InvalidError{Field: "BatchInterval", Reason: "is negative"})
	}
	x.cache = mgr.GetCache()
	return mgr.Add(x)
}

// NeedLeaderElection reports that only the leader writes.
func (x *Exporter) NeedLeaderElection() bool { return true }

// Start watches Events and writes batches until ctx ends, then writes
// what it holds (for up to ten seconds) and returns.
func (x *Exporter) Start(ctx context.Context) error {
	size, interval := x.BatchSize, x.BatchInterval
	if size == 0 {
		size = DefaultBatchSize
	}
	if interval == 0 {
		interval = DefaultBatchInterval
	}
	x.mu.Lock()
	x.full = make(chan struct{}, 1)
	x.written = map[types.UID]string{}
	x.mu.Unlock()
	log := ctrl.LoggerFrom(ctx).WithName("events-exporter")

	inf, err := x.cache.GetInformer(ctx, &corev1.Event{})
	if err != nil {
		return fmt.Errorf("events exporter: watch events: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if e, ok := obj.(*corev1.Event); ok {
				x.add(e, initial, size)
			}
		},
		UpdateFunc: func(_, obj any) {
			if e, ok := obj.(*corev1.Event); ok {
				x.add(e, false, size)
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if e, ok := obj.(*corev1.Event); ok {
				x.mu.Lock()
				delete(x.written, e.UID)
				x.mu.Unlock()
			}
		},
	})
	if err != nil {
		return fmt.Errorf("events exporter: watch events: %w", err)
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()

	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := x.Flush(final); err != nil {
				log.Error(err, "write the last events")
			}
			return nil
		case <-ticker.C:
		case <-x.full:
		}
		if err := x.Flush(ctx); err != nil && ctx.Err() == nil {
			log.Error(err, "write events; will retry")
		}
	}
}

// add queues one state of an event.
func (x *Exporter) add(e *corev1.Event, initial bool, size int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.written[e.UID] == e.ResourceVersion {
		return
	}
	if initial {
		x.restated = append(x.restated, e)
	} else {
		x.pending = append(x.pending, e)
	}
	if n := len(x.pending) + len(x.restated); n > MaxPending {
		drop := n - MaxPending
		if drop > len(x.pending) {
			drop = len(x.pending)
		}
		x.pending = x.pending[drop:]
	}
	if len(x.pending)+len(x.restated) >= size {
		select {
		case x.full <- struct{}{}:
		default:
		}
	}
}

// Flush writes every queued event state now. On failure the states stay
// queued for the next try.
func (x *Exporter) Flush(ctx context.Context) error {
	x.mu.Lock()
	pending, restated := x.pending, x.restated
	x.pending, x.restated = nil, nil
	x.mu.Unlock()
	requeue := func() {
		x.mu.Lock()
		x.pending = append(pending, x.pending...)
		x.restated = append(restated, x.restated...)
		x.mu.Unlock()
	}
	stored, err := x.storedStates(ctx, restated)
	if err != nil {
		requeue()
		return err
	}
	workspaces := map[string]string{}
	seen := map[string]bool{}
	var records []logstore.Record
	var states []*corev1.Event
	for _, e := range append(restated, pending...) {
		key := string(e.UID) + "/" + e.ResourceVersion
		if stored[key] || seen[key] {
			continue
		}
		seen[key] = true
		ws, err := x.workspace(ctx, e, workspaces)
		if err != nil {
			requeue()
			return err
		}
		r, err := Record(e, ws, x.Cluster)
		if err != nil {
			continue // an event that cannot be encoded cannot be stored
		}
		records = append(records, r)
		states = append(states, e)
	}
	if len(records) > 0 {
		if err := x.Store.Write(ctx, records); err != nil {
			requeue()
			return fmt.Errorf("write %d event states: %w", len(records), err)
		}
	}
	x.mu.Lock()
	for _, e := range append(restated, states...) {
		x.written[e.UID] = e.ResourceVersion
	}
	x.mu.Unlock()
	return nil
}

// storedStates asks the store which of the events listed again at start
// it already holds, as "uid/resourceVersion" keys.
func (x *Exporter) storedStates(ctx context.Context, events []*corev1.Event) (map[string]bool, error) {
	out := map[string]bool{}
	for len(events) > 0 {
		chunk := events[:min(lookupChunk, len(events))]
		events = events[len(chunk):]
		uids := make([]string, len(chunk))
		oldest := Time(chunk[0])
		for i, e := range chunk {
			uids[i] = string(e.UID)
			if t := Time(e); t.Before(oldest) {
				oldest = t
			}
		}
		f := logstore.And(logstore.Equal(logscope.FieldKind, logscope.KindEvent), logstore.Equal(FieldEventUID, uids...))
		if x.Cluster != "" {
			f = logstore.And(f, logstore.Equal(logscope.FieldCluster, x.Cluster))
		}
		err := x.Store.Export(ctx, logstore.Query{Filter: f, Start: oldest}, func(r logstore.Record) error {
			out[r.Fields[FieldEventUID]+"/"+r.Fields[FieldResourceVersion]] = true
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("look up events already written: %w", err)
		}
	}
	return out, nil
}

// workspace is the workspace of e's namespace now, memoized in seen.
func (x *Exporter) workspace(ctx context.Context, e *corev1.Event, seen map[string]string) (string, error) {
	ns := e.InvolvedObject.Namespace
	if ns == "" {
		ns = e.Namespace
	}
	if ns == "" {
		return "", nil
	}
	if ws, ok := seen[ns]; ok {
		return ws, nil
	}
	var n corev1.Namespace
	switch err := x.cache.Get(ctx, client.ObjectKey{Name: ns}, &n); {
	case apierrors.IsNotFound(err):
	case err != nil:
		return "", fmt.Errorf("read namespace %s: %w", ns, err)
	}
	seen[ns] = n.Labels[tenantv1beta1.WorkspaceLabel]
	return seen[ns], nil
}
