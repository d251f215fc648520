package notification

import (
	"github.com/spherekit/spherekit/observability/events"
)

// FromEventAlerts turns the alerts an events.Ruler raises into firing
// Alerts for Route, so a host wires kube-events' rules into notification:
// Ruler.Alerts can route and deliver them. An event alert's namespace is
// its involved object's; it carries no rule_level, so Route sends it to
// routers and global receivers, as notification-manager does with
// kube-events' alerts.
func FromEventAlerts(in []events.Alert) []Alert {
	out := make([]Alert, 0, len(in))
	for _, a := range in {
		out = append(out, Alert{Status: StatusFiring, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt})
	}
	return out
}
