package notification

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"time"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// RoutePolicy says how routers and tenants combine.
type RoutePolicy string

const (
	// PolicyAll sends an alert to its routers' receivers and to the global
	// and tenant receivers of its namespace.
	PolicyAll RoutePolicy = "All"
	// PolicyRouterFirst sends it to the global and tenant receivers only
	// when no router matched it.
	PolicyRouterFirst RoutePolicy = "RouterFirst"
	// PolicyRouterOnly sends it only where routers say.
	PolicyRouterOnly RoutePolicy = "RouterOnly"
)

// checkPolicy refuses a policy that is none of the three, naming field.
func checkPolicy(p RoutePolicy, field string) error {
	switch p {
	case "", PolicyAll, PolicyRouterFirst, PolicyRouterOnly:
		return nil
	}
	return &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not All, RouterFirst or RouterOnly", p)}
}

// The alert labels routing reads, as KubeSphere's alerting writes them.
const (
	LabelNamespace = "namespace"
	LabelCluster   = "cluster"
	// LabelRuleLevel is namespace for alerts of a project's rules: only
	// those go to the namespace's tenants, as in notification-manager.
	LabelRuleLevel     = "rule_level"
	RuleLevelNamespace = "namespace"
)

// Objects are the notification objects routing reads, typically listed
// from a cache.
type Objects struct {
	Receivers []notificationv2beta2.Receiver
	Configs   []notificationv2beta2.Config
	Routers   []notificationv2beta2.Router
	Silences  []notificationv2beta2.Silence
}

// RouteOptions configures Route.
type RouteOptions struct {
	// Policy combines routers and tenants; empty means PolicyAll.
	Policy RoutePolicy
	// Tenants returns the users who may see a namespace of a cluster
	// (authz.WhoCan's users, typically). Required unless Policy is
	// PolicyRouterOnly.
	Tenants func(cluster, namespace string) ([]string, error)
	// Now is the clock silences are judged by; nil means time.Now.
	Now func() time.Time
}

// Target is one channel of one receiver, with the config it sends
// through.
type Target struct {
	// Receiver is the Receiver's name; Channel is email, slack, webhook,
	// dingtalk, wechat, sms, pushover, feishu, discord or telegram.
	Receiver string
	Channel  string
	// Tenant is the receiver's user, empty for a global receiver.
	Tenant string
	// Config is the Config the channel sends through: for a global
	// receiver one of the default configs (label type=default) its
	// selector selects; for a tenant's, one of the tenant's, else a default
	// one. Nil when none configures the channel (webhook and discord need
	// none).
	Config *notificationv2beta2.Config
}

// Delivery is the alerts one target is to send.
type Delivery struct {
	Target Target
	Alerts []Alert
}

// target is a Target with what filtering reads.
type target struct {
	Target
	global        bool
	labels        map[string]string // the Receiver's
	alertSelector *notificationv2beta2.LabelSelector
}

// Route decides which alerts go where, as notification-manager's stages
// do: global silences (type=global) drop alerts; routers whose
// alertSelector matches add receivers by name, name pattern, labels or
// tenant channels; the policy adds the global receivers and, for an alert
// of a project's rule (rule_level=namespace), the receivers of every
// tenant who may see its namespace; each receiver's channel then drops
// the alerts its tenant's silences match and those its alertSelector does
// not select. Disabled receivers, channels and routers are skipped.
// Deliveries come sorted by receiver and channel, each alert once.
func Route(alerts []Alert, objs Objects, opts RouteOptions) ([]Delivery, error) {
	if err := checkPolicy(opts.Policy, "Policy"); err != nil {
		return nil, err
	}
	if opts.Policy == "" {
		opts.Policy = PolicyAll
	}
	if opts.Tenants == nil && opts.Policy != PolicyRouterOnly {
		return nil, &InvalidError{Field: "Tenants", Reason: "required unless Policy is RouterOnly"}
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	at := now()

	// The silence stage: active global silences.
	var kept []Alert
	for _, a := range alerts {
		muted, err := silenced(a, objs.Silences, at, func(l map[string]string) bool {
			return l[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeGlobal
		})
		if err != nil {
			return nil, err
		}
		if !muted {
			kept = append(kept, a)
		}
	}

	targets := targetsOf(objs)
	var globals []*target
	byTenant := map[string][]*target{}
	for _, t := range targets {
		if t.global {
			globals = append(globals, t)
		} else {
			byTenant[t.Tenant] = append(byTenant[t.Tenant], t)
		}
	}
	out := map[string]*Delivery{}
	tenantsByNs := map[string][]string{}
	for _, a := range kept {
		chosen, err := fromRouters(a, objs.Routers, targets)
		if err != nil {
			return nil, err
		}
		if opts.Policy == PolicyAll || (opts.Policy == PolicyRouterFirst && len(chosen) == 0) {
			var tenants []string
			if ns := a.Labels[LabelNamespace]; ns != "" && a.Labels[LabelRuleLevel] == RuleLevelNamespace {
				key := a.Labels[LabelCluster] + "/" + ns
				ts, seen := tenantsByNs[key]
				if !seen {
					if ts, err = opts.Tenants(a.Labels[LabelCluster], ns); err != nil {
						return nil, fmt.Errorf("tenants of namespace %s: %w", ns, err)
					}
					tenantsByNs[key] = ts
				}
				tenants = ts
			}
			chosen = append(chosen, globals...)
			for _, tenant := range tenants {
				chosen = append(chosen, byTenant[tenant]...)
			}
		}
		seen := map[*target]bool{}
		for _, t := range chosen {
			if seen[t] {
				continue
			}
			seen[t] = true
			ok, err := t.takes(a, objs.Silences, at)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			key := t.Receiver + "/" + t.Channel
			if out[key] == nil {
				out[key] = &Delivery{Target: t.Target}
			}
			out[key].Alerts = append(out[key].Alerts, a)
		}
	}
	deliveries := make([]Delivery, 0, len(out))
	for _, d := range out {
		deliveries = append(deliveries, *d)
	}
	slices.SortFunc(deliveries, func(x, y Delivery) int {
		return cmp.Or(cmp.Compare(x.Target.Receiver, y.Target.Receiver), cmp.Compare(x.Target.Channel, y.Target.Channel))
	})
	return deliveries, nil
}

// silenced reports whether an active silence whose labels pass scope
// matches a.
func silenced(a Alert, silences []notificationv2beta2.Silence, at time.Time, scope func(map[string]string) bool) (bool, error) {
	for i := range silences {
		s := &silences[i]
		if !scope(s.Labels) {
			continue
		}
		active, err := SilenceActive(s, at)
		if err != nil {
			return false, fmt.Errorf("silence %s: %w", s.Name, err)
		}
		if !active {
			continue
		}
		ok, err := Matches(s.Spec.Matcher, a.Labels)
		if err != nil {
			return false, fmt.Errorf("silence %s: %w", s.Name, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// takes reports whether t sends a: not silenced by its tenant's silences,
// and selected by its alertSelector.
func (t *target) takes(a Alert, silences []notificationv2beta2.Silence, at time.Time) (bool, error) {
	if !t.global {
		muted, err := silenced(a, silences, at, func(l map[string]string) bool {
			return l[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeTenant && l[notificationv2beta2.UserLabel] == t.Tenant
		})
		if err != nil || muted {
			return false, err
		}
	}
	ok, err := Matches(t.alertSelector, a.Labels)
	if err != nil {
		return false, fmt.Errorf("receiver %s: %w", t.Receiver, err)
	}
	return ok, nil
}

// fromRouters returns the targets of the enabled routers matching a.
func fromRouters(a Alert, routers []notificationv2beta2.Router, targets []*target) ([]*target, error) {
	var out []*target
	for i := range routers {
		r := &routers[i]
		if r.Spec.Enabled != nil && !*r.Spec.Enabled {
			continue
		}
		ok, err := Matches(r.Spec.AlertSelector, a.Labels)
		if err != nil {
			return nil, fmt.Errorf("router %s: %w", r.Name, err)
		}
		if !ok {
			continue
		}
		sel := r.Spec.Receivers
		var re *regexp.Regexp
		if sel.RegexName != "" {
			if re, err = regexp.Compile(sel.RegexName); err != nil {
				return nil, &InvalidError{Field: "router " + r.Name + " spec.receivers.regexName", Reason: err.Error(), Err: err}
			}
		}
		for _, t := range targets {
			if sel.Type == "" || t.Channel == sel.Type {
				if slices.Contains(sel.Name, t.Receiver) || (re != nil && re.MatchString(t.Receiver)) {
					out = append(out, t)
					continue
				}
				if sel.Selector != nil {
					ok, err := Matches(sel.Selector, t.labels)
					if err != nil {
						return nil, fmt.Errorf("router %s: %w", r.Name, err)
					}
					if ok {
						out = append(out, t)
						continue
					}
				}
			}
			for _, ch := range sel.Channels {
				if !t.global && ch.Tenant == t.Tenant && (len(ch.Type) == 0 || slices.Contains(ch.Type, t.Channel)) {
					out = append(out, t)
					break
				}
			}
		}
	}
	return out, nil
}

// targetsOf expands every global or tenant Receiver into its enabled
// channels, each with its config. A Receiver labelled neither global nor
// a tenant's (type=tenant with a user) is ignored, as notification-manager
// ignores it.
func targetsOf(objs Objects) []*target {
	var out []*target
	for i := range objs.Receivers {
		r := &objs.Receivers[i]
		global := r.Labels[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeGlobal
		tenant := ""
		if r.Labels[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeTenant {
			tenant = r.Labels[notificationv2beta2.UserLabel]
		}
		if !global && tenant == "" {
			continue
		}
		for _, ch := range channelsOf(&r.Spec) {
			if !ch.used || !ch.enabled {
				continue
			}
			out = append(out, &target{
				Target:        Target{Receiver: r.Name, Channel: ch.name, Tenant: tenant, Config: configFor(objs.Configs, ch, global, tenant)},
				global:        global,
				labels:        r.Labels,
				alertSelector: ch.alertSelector,
			})
		}
	}
	return out
}

// configFor picks the Config a channel sends through: a global receiver's
// among the default configs its selector selects; a tenant's among the
// tenant's configs it selects, else any default config. The first by name
// wins.
func configFor(configs []notificationv2beta2.Config, ch channel, global bool, tenant string) *notificationv2beta2.Config {
	pick := func(owner func(map[string]string) bool, sel *notificationv2beta2.LabelSelector) *notificationv2beta2.Config {
		var best *notificationv2beta2.Config
		for i := range configs {
			c := &configs[i]
			if !owner(c.Labels) || !ch.configures(&c.Spec) {
				continue
			}
			if ok, err := Matches(sel, c.Labels); err != nil || !ok {
				continue
			}
			if best == nil || c.Name < best.Name {
				best = c
			}
		}
		return best
	}
	isDefault := func(l map[string]string) bool {
		return l[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeDefault
	}
	if global {
		return pick(isDefault, ch.selector)
	}
	if c := pick(func(l map[string]string) bool {
		return l[notificationv2beta2.TypeLabel] == notificationv2beta2.TypeTenant && l[notificationv2beta2.UserLabel] == tenant
	}, ch.selector); c != nil {
		return c
	}
	return pick(isDefault, nil)
}
