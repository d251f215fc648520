package alerting

import (
	"context"
	"fmt"
	"sort"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// Alert states ListAlerts returns.
const (
	StateFiring  = "firing"
	StatePending = "pending"
)

// Alert is an active alert as Prometheus reports it, with the scope and
// group of the rule that fired it.
type Alert struct {
	// Name is the alertname label.
	Name string
	// Scope is read from the rule_level and namespace labels; an alert of
	// a rule spherekit did not render (no rule_level) is at Cluster scope.
	Scope Scope
	// RuleGroup and RuleID are the rule_group and rule_id labels.
	RuleGroup string
	RuleID    string
	// State is StateFiring or StatePending.
	State       string
	Labels      map[string]string
	Annotations map[string]string
	ActiveAt    time.Time
	// Value is the expression's value when it last fired.
	Value string
}

// ListAlertsOptions narrows ListAlerts. The zero value lists every alert
// the user may see.
type ListAlertsOptions struct {
	// Scope, when set, keeps the alerts of that scope only; acting for a
	// user it must be one they may see (else *ForbiddenError).
	Scope *Scope
	// State, when set, is StateFiring or StatePending.
	State string
}

// ListAlerts returns the firing and pending alerts Prometheus reports
// (ClientOptions.Prometheus), sorted by scope, name and labels. Acting for
// a user it keeps those the user may see, asked as KubeSphere's alert
// endpoints are: list alerts in the alert's namespace, list clusteralerts
// for cluster alerts (and alerts of rules spherekit did not render), list
// globalalerts for global ones, all in the alerting.kubesphere.io group.
func (c *Client) ListAlerts(ctx context.Context, opts ListAlertsOptions) ([]Alert, error) {
	if opts.Scope != nil {
		if err := checkScope(*opts.Scope); err != nil {
			return nil, err
		}
		if err := c.authorize(ctx, attributes("list", opts.Scope.alertsResource(), "", *opts.Scope)); err != nil {
			return nil, err
		}
	}
	switch opts.State {
	case "", StateFiring, StatePending:
	default:
		return nil, &InvalidError{Field: "State", Reason: fmt.Sprintf("%q is not firing or pending", opts.State)}
	}
	if c.prom == nil {
		return nil, &InvalidError{Field: "Prometheus", Reason: "the Client was made without a Prometheus API (ClientOptions.Prometheus)"}
	}
	res, err := c.prom.Alerts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list alerts from prometheus: %w", err)
	}
	visible := map[Scope]bool{}
	var out []Alert
	for _, pa := range res.Alerts {
		a := toAlert(pa)
		if opts.State != "" && a.State != opts.State {
			continue
		}
		if opts.Scope != nil && a.Scope != *opts.Scope {
			continue
		}
		ok, seen := visible[a.Scope]
		if !seen {
			if ok, err = c.allowed(ctx, attributes("list", a.Scope.alertsResource(), "", a.Scope)); err != nil {
				return nil, err
			}
			visible[a.Scope] = ok
		}
		if ok {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope.String() < out[j].Scope.String()
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return fmt.Sprint(out[i].Labels) < fmt.Sprint(out[j].Labels)
	})
	return out, nil
}

func toAlert(pa promv1.Alert) Alert {
	l := make(map[string]string, len(pa.Labels))
	for k, v := range pa.Labels {
		l[string(k)] = string(v)
	}
	an := make(map[string]string, len(pa.Annotations))
	for k, v := range pa.Annotations {
		an[string(k)] = string(v)
	}
	var s Scope
	switch l[alertingv2beta1.LabelRuleLevel] {
	case alertingv2beta1.LevelNamespace:
		s = Namespace(l[alertingv2beta1.LabelNamespace])
	case alertingv2beta1.LevelGlobal:
		s = Global()
	default:
		s = Cluster()
	}
	return Alert{
		Name: l[model.AlertNameLabel], Scope: s, RuleGroup: l[alertingv2beta1.LabelRuleGroup], RuleID: l[alertingv2beta1.LabelRuleID],
		State: string(pa.State), Labels: l, Annotations: an, ActiveAt: pa.ActiveAt, Value: pa.Value,
	}
}
