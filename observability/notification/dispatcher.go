package notification

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/observability/alerting"
	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// Defaults of a Dispatcher, as the NotificationManager's batchMaxSize and
// batchMaxWait default.
const (
	DefaultBatchMaxSize = 100
	DefaultBatchMaxWait = time.Minute
	DefaultQueueSize    = 10_000
	// DrainTimeout bounds how long a stopping Dispatcher spends on the
	// alerts still queued.
	DrainTimeout = 30 * time.Second
)

// ErrQueueFull refuses alerts a Dispatcher has no room for; its webhook
// answers 503 so that Alertmanager sends them again.
var ErrQueueFull = errors.New("the notification queue is full")

// DispatcherOptions configures NewDispatcher.
type DispatcherOptions struct {
	// Reader lists Receivers, Configs, Routers and Silences (a manager's
	// cache, typically). Required.
	Reader client.Reader
	// Deliverer sends the notifications. Required.
	Deliverer *Deliverer
	// History records every notification's outcome. Required: an outcome
	// is never dropped.
	History *History
	// Policy and Tenants are Route's (RouteOptions).
	Policy  RoutePolicy
	Tenants func(cluster, namespace string) ([]string, error)
	// BatchMaxSize and BatchMaxWait bound a batch: it is processed once it
	// holds BatchMaxSize alerts or its first alert has waited
	// BatchMaxWait (DefaultBatchMaxSize, DefaultBatchMaxWait when zero).
	BatchMaxSize int
	BatchMaxWait time.Duration
	// QueueSize bounds the alerts waiting (DefaultQueueSize when zero);
	// beyond it Dispatch refuses with ErrQueueFull.
	QueueSize int
	// Token, when set, is the bearer token the webhook requires
	// (Alertmanager's http_config.authorization).
	Token string
	// Now is the clock silences are judged by; nil means time.Now.
	Now func() time.Time
}

// Dispatcher is notification-manager's pipeline as a component a host
// embeds: alerts arrive on its Alertmanager webhook (ServeHTTP) or
// through Dispatch, wait in a queue, and are processed in batches (Start,
// a manager.Runnable): silenced, routed, filtered, grouped, delivered with
// retries and rate limits, and recorded in History. Process runs the
// stages at once on the alerts given.
type Dispatcher struct {
	opts DispatcherOptions

	mu      sync.Mutex
	queue   []Alert
	since   time.Time     // when the oldest queued alert arrived
	arrived chan struct{} // signalled on every Dispatch
}

// NewDispatcher returns a Dispatcher, or an *InvalidError naming a bad
// option.
func NewDispatcher(opts DispatcherOptions) (*Dispatcher, error) {
	switch {
	case opts.Reader == nil:
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	case opts.Deliverer == nil:
		return nil, &InvalidError{Field: "Deliverer", Reason: "required"}
	case opts.History == nil:
		return nil, &InvalidError{Field: "History", Reason: "required"}
	}
	if err := checkPolicy(opts.Policy, "Policy"); err != nil {
		return nil, err
	}
	switch {
	case opts.Tenants == nil && opts.Policy != PolicyRouterOnly:
		return nil, &InvalidError{Field: "Tenants", Reason: "required unless the policy is RouterOnly"}
	case opts.BatchMaxSize < 0 || opts.BatchMaxWait < 0 || opts.QueueSize < 0:
		return nil, &InvalidError{Field: "BatchMaxSize", Reason: "batch and queue bounds must not be negative"}
	}
	if opts.BatchMaxSize == 0 {
		opts.BatchMaxSize = DefaultBatchMaxSize
	}
	if opts.BatchMaxWait == 0 {
		opts.BatchMaxWait = DefaultBatchMaxWait
	}
	if opts.QueueSize == 0 {
		opts.QueueSize = DefaultQueueSize
	}
	return &Dispatcher{opts: opts, arrived: make(chan struct{}, 1)}, nil
}

// Dispatch queues alerts for the next batch, all of them or, when the
// queue has no room for all, none (ErrQueueFull).
func (d *Dispatcher) Dispatch(alerts []Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	d.mu.Lock()
	if len(d.queue)+len(alerts) > d.opts.QueueSize {
		d.mu.Unlock()
		return fmt.Errorf("queue %d alerts with %d waiting: %w", len(alerts), len(d.queue), ErrQueueFull)
	}
	if len(d.queue) == 0 {
		d.since = time.Now()
	}
	d.queue = append(d.queue, alerts...)
	d.mu.Unlock()
	select {
	case d.arrived <- struct{}{}:
	default:
	}
	return nil
}

// Queued is how many alerts wait for a batch.
func (d *Dispatcher) Queued() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue)
}

// FromAlertingAlerts turns the firing alerts of alerting.Client.ListAlerts
// into Alerts for Dispatch (pending ones are left out): the direct path
// from the monitoring domain, without Alertmanager.
func FromAlertingAlerts(in []alerting.Alert) []Alert {
	out := make([]Alert, 0, len(in))
	for _, a := range in {
		if a.State == alerting.StateFiring {
			out = append(out, Alert{Status: StatusFiring, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.ActiveAt})
		}
	}
	return out
}

// ServeHTTP is an Alertmanager webhook receiver: a POST of Alertmanager's
// webhook payload (version 4) queues its alerts and answers 200. A
// malformed payload is refused whole (400, naming the field), a missing
// or wrong bearer token with 401 when Token is set, and a full queue with
// 503, which Alertmanager retries.
func (d *Dispatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "post Alertmanager's webhook payload")
		return
	}
	if d.opts.Token != "" {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(d.opts.Token)) != 1 {
			apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "a bearer token is required")
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "read the payload: "+err.Error())
		return
	}
	alerts, err := DecodeWebhook(body)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	if err := d.Dispatch(alerts); err != nil {
		w.Header().Set("Retry-After", "10")
		apistatus.WriteFailure(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, err.Error())
		return
	}
	w.WriteHeader(http.StatusOK)
}

// NeedLeaderElection is false: every replica processes the alerts its own
// webhook received.
func (d *Dispatcher) NeedLeaderElection() bool { return false }

// Start processes batches until ctx ends, then the alerts still queued
// (within DrainTimeout), and returns nil. A batch whose processing fails
// as a whole is recorded as failed in History.
func (d *Dispatcher) Start(ctx context.Context) error {
	timer := time.NewTimer(d.opts.BatchMaxWait)
	defer timer.Stop()
	for {
		batch, wait := d.take(false)
		if len(batch) > 0 {
			d.processBatch(ctx, batch)
			continue
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), DrainTimeout)
			defer cancel()
			for {
				batch, _ := d.take(true)
				if len(batch) == 0 {
					return nil
				}
				d.processBatch(drain, batch)
			}
		case <-d.arrived:
		case <-timer.C:
		}
	}
}

// take returns the next batch when one is due (or now, with force), else
// how long until one is.
func (d *Dispatcher) take(force bool) ([]Alert, time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.queue) == 0 {
		return nil, d.opts.BatchMaxWait
	}
	if wait := d.opts.BatchMaxWait - time.Since(d.since); !force && len(d.queue) < d.opts.BatchMaxSize && wait > 0 {
		return nil, wait
	}
	n := min(len(d.queue), d.opts.BatchMaxSize)
	batch := append([]Alert(nil), d.queue[:n]...)
	d.queue = append(d.queue[:0], d.queue[n:]...)
	d.since = time.Now()
	return batch, 0
}

func (d *Dispatcher) processBatch(ctx context.Context, batch []Alert) {
	if _, err := d.Process(ctx, batch); err != nil {
		failed := Result{Err: err, At: time.Now(), Data: NewData(batch, nil)}
		// The history store refusing too leaves nothing to record it in;
		// the alerts then come again from Alertmanager's next repeat.
		_ = d.opts.History.Record(context.WithoutCancel(ctx), []Result{failed})
	}
}

// Process runs every stage on alerts at once: it lists the notification
// objects, routes, delivers and records each outcome in History, and
// returns the outcomes. The error is a failure before delivery (listing,
// routing) or of recording.
func (d *Dispatcher) Process(ctx context.Context, alerts []Alert) ([]Result, error) {
	objs, err := d.objects(ctx)
	if err != nil {
		return nil, err
	}
	deliveries, err := Route(alerts, objs, RouteOptions{Policy: d.opts.Policy, Tenants: d.opts.Tenants, Now: d.opts.Now})
	if err != nil {
		return nil, fmt.Errorf("route %d alerts: %w", len(alerts), err)
	}
	results := d.opts.Deliverer.Deliver(ctx, deliveries, objs)
	return results, d.opts.History.Record(context.WithoutCancel(ctx), results)
}

// objects lists what routing reads.
func (d *Dispatcher) objects(ctx context.Context) (Objects, error) {
	var (
		receivers notificationv2beta2.ReceiverList
		configs   notificationv2beta2.ConfigList
		routers   notificationv2beta2.RouterList
		silences  notificationv2beta2.SilenceList
	)
	for _, l := range []client.ObjectList{&receivers, &configs, &routers, &silences} {
		if err := d.opts.Reader.List(ctx, l); err != nil {
			return Objects{}, fmt.Errorf("list notification objects: %w", err)
		}
	}
	return Objects{Receivers: receivers.Items, Configs: configs.Items, Routers: routers.Items, Silences: silences.Items}, nil
}
