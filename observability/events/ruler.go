package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	eventsv1alpha1 "github.com/spherekit/spherekit/observability/api/events/v1alpha1"
	"github.com/spherekit/spherekit/observability/events/condition"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// Alert is what an alert rule raises for an event, in Alertmanager's shape
// (its API's postable alert): labels alertname (the rule's name), alerttype
// "event", the involved object's kind in lower case with its name,
// namespace, container (from the object's field path) and the rule's own
// labels; the rule's annotations with %field replaced by the event's
// fields; and when the event happened.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	StartsAt    time.Time         `json:"startsAt"`
}

// Ruler evaluates the cluster's event rules (events.kubesphere.io/v1alpha1
// Rule) on every new state of an Event, as kube-events' ruler does, and
// hands what they raise to Alerts and Notifications in batches. It is a
// manager Runnable that runs on the leader only; add it with
// SetupWithManager.
//
// Which rules see an event: cluster rules (label kubesphere.io/rule-scope
// cluster) and workspace rules (scope workspace, label
// kubesphere.io/workspace naming the workspace of the event's namespace)
// in RuleNamespace, and namespace rules (scope namespace) in the event's
// namespace. A Rule labelled cluster or workspace anywhere else is
// ignored, so a tenant who may write Rules in their namespace never sees
// other tenants' events (kube-events leaves that to an admission
// webhook). Of the enabled rules that see it, in that order and by name
// within each, the first alert rule whose condition holds raises one
// Alert, and the first notification rule one notification of the event.
// A condition that does not parse is skipped, and logged once.
//
// Event states already in the cluster when the Ruler starts are not
// evaluated (they were, by the Ruler before it); states that came and went
// while no Ruler ran are not seen.
type Ruler struct {
	// Alerts receives the alerts of alert rules, and Notifications the
	// events notification rules match. At least one is required; a nil
	// one turns its type of rule off. An error is retried with the next
	// batch, up to MaxPending items held.
	Alerts        func(ctx context.Context, alerts []Alert) error
	Notifications func(ctx context.Context, events []*corev1.Event) error
	// RuleNamespace holds the cluster and workspace rules; empty means
	// eventsv1alpha1.ClusterRuleNamespace.
	RuleNamespace string
	// BatchSize and BatchInterval bound a batch, as the Exporter's.
	BatchSize     int
	BatchInterval time.Duration

	cache cache.Cache

	mu       sync.Mutex
	incoming []*corev1.Event
	alerts   []Alert
	notes    []*corev1.Event
	full     chan struct{}
	// conditions are the parsed conditions by text; a bad one maps to
	// nil once it has been logged.
	conditions map[string]*condition.Condition
}

// SetupWithManager adds r to mgr; it watches Events and reads Rules and
// Namespaces through mgr's cache.
func (r *Ruler) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	switch {
	case r.Alerts == nil && r.Notifications == nil:
		return fmt.Errorf("events ruler: %w", &InvalidError{Field: "Alerts", Reason: "Alerts or Notifications is required"})
	case r.BatchSize < 0:
		return fmt.Errorf("events ruler: %w", &InvalidError{Field: "BatchSize", Reason: "is negative"})
	case r.BatchInterval < 0:
		return fmt.Errorf("events ruler: %w", &InvalidError{Field: "BatchInterval", Reason: "is negative"})
	}
	r.cache = mgr.GetCache()
	return mgr.Add(r)
}

// NeedLeaderElection reports that only the leader raises alerts.
func (r *Ruler) NeedLeaderElection() bool { return true }

// Start evaluates new event states until ctx ends, then sends what it
// holds (for up to ten seconds) and returns.
func (r *Ruler) Start(ctx context.Context) error {
	size, interval := r.BatchSize, r.BatchInterval
	if size == 0 {
		size = DefaultBatchSize
	}
	if interval == 0 {
		interval = DefaultBatchInterval
	}
	r.mu.Lock()
	r.full = make(chan struct{}, 1)
	r.conditions = map[string]*condition.Condition{}
	r.mu.Unlock()
	log := ctrl.LoggerFrom(ctx).WithName("events-ruler")

	// Rules are read from the cache: make sure it watches them before the
	// first event is evaluated.
	if _, err := r.cache.GetInformer(ctx, &eventsv1alpha1.Rule{}); err != nil {
		return fmt.Errorf("events ruler: watch rules: %w", err)
	}
	inf, err := r.cache.GetInformer(ctx, &corev1.Event{})
	if err != nil {
		return fmt.Errorf("events ruler: watch events: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if e, ok := obj.(*corev1.Event); ok && !initial {
				r.add(e, size)
			}
		},
		UpdateFunc: func(old, obj any) {
			o, _ := old.(*corev1.Event)
			if e, ok := obj.(*corev1.Event); ok && (o == nil || o.ResourceVersion != e.ResourceVersion) {
				r.add(e, size)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("events ruler: watch events: %w", err)
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()

	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := r.flush(final, log.Error); err != nil {
				log.Error(err, "send the last alerts and notifications")
			}
			return nil
		case <-ticker.C:
		case <-r.full:
		}
		if err := r.flush(ctx, log.Error); err != nil && ctx.Err() == nil {
			log.Error(err, "send alerts and notifications; will retry")
		}
	}
}

func (r *Ruler) add(e *corev1.Event, size int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.incoming = append(r.incoming, e)
	if len(r.incoming) > MaxPending {
		r.incoming = r.incoming[len(r.incoming)-MaxPending:]
	}
	if len(r.incoming) >= size {
		select {
		case r.full <- struct{}{}:
		default:
		}
	}
}

// flush evaluates the events received since the last flush and sends
// every alert and notification held; what a sink refuses stays held.
func (r *Ruler) flush(ctx context.Context, logError func(error, string, ...any)) error {
	r.mu.Lock()
	incoming := r.incoming
	r.incoming = nil
	r.mu.Unlock()
	var alerts []Alert
	var notes []*corev1.Event
	for _, e := range incoming {
		a, note, err := r.Evaluate(ctx, e, logError)
		if err != nil {
			r.mu.Lock()
			r.incoming = append(incoming, r.incoming...)
			r.mu.Unlock()
			return err
		}
		if a != nil && r.Alerts != nil {
			alerts = append(alerts, *a)
		}
		if note && r.Notifications != nil {
			notes = append(notes, e)
		}
	}
	r.mu.Lock()
	alerts = append(r.alerts, alerts...)
	notes = append(r.notes, notes...)
	r.alerts, r.notes = nil, nil
	r.mu.Unlock()
	var errs []error
	if len(alerts) > 0 {
		if err := r.Alerts(ctx, alerts); err != nil {
			errs = append(errs, fmt.Errorf("send %d alerts: %w", len(alerts), err))
			r.mu.Lock()
			r.alerts = lastN(append(alerts, r.alerts...), MaxPending)
			r.mu.Unlock()
		}
	}
	if len(notes) > 0 {
		if err := r.Notifications(ctx, notes); err != nil {
			errs = append(errs, fmt.Errorf("send %d notifications: %w", len(notes), err))
			r.mu.Lock()
			r.notes = lastN(append(notes, r.notes...), MaxPending)
			r.mu.Unlock()
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Evaluate runs the rules that see e: the alert the first matching alert
// rule raises (nil if none), and whether a notification rule matches. A
// condition that does not parse or evaluate is reported to logError and
// skipped. It reads Rules and Namespaces from the cache.
func (r *Ruler) Evaluate(ctx context.Context, e *corev1.Event, logError func(err error, msg string, kv ...any)) (*Alert, bool, error) {
	rules, err := r.rulesFor(ctx, e)
	if err != nil {
		return nil, false, err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return nil, false, fmt.Errorf("encode event %s/%s: %w", e.Namespace, e.Name, err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, false, fmt.Errorf("decode event %s/%s: %w", e.Namespace, e.Name, err)
	}
	var alert *Alert
	notify := false
	// alerted and noted: nothing more to look for of that type.
	alerted, noted := r.Alerts == nil, r.Notifications == nil
	for _, rule := range rules {
		for i := range rule.Spec.Rules {
			er := &rule.Spec.Rules[i]
			if !er.Enable {
				continue
			}
			switch er.Type {
			case eventsv1alpha1.RuleTypeAlert:
				if alerted {
					continue
				}
			case eventsv1alpha1.RuleTypeNotification:
				if noted {
					continue
				}
			default:
				continue
			}
			c := r.condition(er.Condition, rule, logError)
			if c == nil {
				continue
			}
			ok, err := c.Match(doc)
			if err != nil {
				logError(err, "evaluate an event rule", "rule", rule.Namespace+"/"+rule.Name, "name", er.Name, "event", e.Namespace+"/"+e.Name)
				continue
			}
			if !ok {
				continue
			}
			if er.Type == eventsv1alpha1.RuleTypeNotification {
				noted, notify = true, true
				continue
			}
			alerted, alert = true, newAlert(e, er, doc)
		}
	}
	return alert, notify, nil
}

// condition parses a rule's condition once; nil for a bad one, logged the
// first time.
func (r *Ruler) condition(src string, rule *eventsv1alpha1.Rule, logError func(error, string, ...any)) *condition.Condition {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conditions == nil {
		r.conditions = map[string]*condition.Condition{}
	}
	if c, seen := r.conditions[src]; seen {
		return c
	}
	c, err := condition.Parse(src)
	if err != nil {
		logError(err, "an event rule's condition does not parse; the rule is skipped", "rule", rule.Namespace+"/"+rule.Name)
	}
	r.conditions[src] = c
	return c
}

// rulesFor lists the Rules that see e: cluster, then workspace, then
// namespace rules, each by name.
func (r *Ruler) rulesFor(ctx context.Context, e *corev1.Event) ([]*eventsv1alpha1.Rule, error) {
	home := r.RuleNamespace
	if home == "" {
		home = eventsv1alpha1.ClusterRuleNamespace
	}
	ns := e.InvolvedObject.Namespace
	if ns == "" {
		ns = e.Namespace
	}
	workspace := ""
	if ns != "" {
		var n corev1.Namespace
		switch err := r.cache.Get(ctx, client.ObjectKey{Name: ns}, &n); {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("read namespace %s: %w", ns, err)
		default:
			workspace = n.Labels[tenantv1beta1.WorkspaceLabel]
		}
	}
	var shared eventsv1alpha1.RuleList
	if err := r.cache.List(ctx, &shared, client.InNamespace(home), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list event rules in %s: %w", home, err)
	}
	var cluster, ws, own []*eventsv1alpha1.Rule
	for i := range shared.Items {
		rule := &shared.Items[i]
		switch rule.Labels[eventsv1alpha1.ScopeLabel] {
		case eventsv1alpha1.ScopeCluster:
			cluster = append(cluster, rule)
		case eventsv1alpha1.ScopeWorkspace:
			if workspace != "" && rule.Labels[eventsv1alpha1.WorkspaceLabel] == workspace {
				ws = append(ws, rule)
			}
		}
	}
	if ns != "" {
		var local eventsv1alpha1.RuleList
		if err := r.cache.List(ctx, &local, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
			return nil, fmt.Errorf("list event rules in %s: %w", ns, err)
		}
		for i := range local.Items {
			if rule := &local.Items[i]; rule.Labels[eventsv1alpha1.ScopeLabel] == eventsv1alpha1.ScopeNamespace {
				own = append(own, rule)
			}
		}
	}
	byName := func(a, b *eventsv1alpha1.Rule) int { return strings.Compare(a.Name, b.Name) }
	for _, l := range [][]*eventsv1alpha1.Rule{cluster, ws, own} {
		slices.SortFunc(l, byName)
	}
	return slices.Concat(cluster, ws, own), nil
}

func newAlert(e *corev1.Event, er *eventsv1alpha1.EventRule, doc any) *Alert {
	a := &Alert{Labels: map[string]string{"alertname": er.Name, "alerttype": "event"}, Annotations: map[string]string{}, StartsAt: Time(e)}
	if kind := strings.ToLower(e.InvolvedObject.Kind); kind != "" {
		a.Labels[kind] = e.InvolvedObject.Name
	}
	if ns := e.InvolvedObject.Namespace; ns != "" {
		a.Labels["namespace"] = ns
	}
	fp := e.InvolvedObject.FieldPath
	for _, prefix := range []string{"spec.containers{", "spec.initContainers{"} {
		if c, ok := strings.CutPrefix(fp, prefix); ok {
			a.Labels["container"] = strings.TrimSuffix(c, "}")
		}
	}
	for k, v := range er.Labels {
		a.Labels[k] = v
	}
	for k, v := range er.Annotations {
		a.Annotations[k] = condition.Format(v, doc)
	}
	return a
}
