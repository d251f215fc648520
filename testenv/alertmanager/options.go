package alertmanager

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"sigs.k8s.io/yaml"
)

// Options configures Start. The zero value is a server whose one receiver
// discards every alert.
type Options struct {
	// Receivers are the webhook receivers alerts can be routed to. Empty
	// means one receiver, named "discard", without webhooks.
	Receivers []Receiver

	// Route is the top-level route, which every alert takes.
	Route Route

	// Config, when set, is the whole configuration file (alertmanager.yml),
	// used as given, for what Receivers and Route cannot express (child
	// routes, inhibition, other notifiers). Receivers and Route must then be
	// empty. A configuration Alertmanager refuses fails Start with a
	// *StartError whose LogTail says why.
	Config string

	// ExtraFlags are added to Alertmanager's command line, after the flags
	// Start sets (--config.file, --storage.path, --web.listen-address,
	// --web.external-url, --cluster.listen-address).
	ExtraFlags []string

	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer

	// CacheDir is where the built server is kept. Empty means the
	// environment variable SPHEREKIT_TESTENV_CACHE, or else
	// spherekit/testenv under the user cache folder.
	CacheDir string

	// StartTimeout bounds the start once the server is built, until it
	// answers /-/ready. Zero means one minute.
	StartTimeout time.Duration
}

// Receiver is a named receiver that posts Alertmanager's webhook payload
// to each of its URLs, resolved alerts included (send_resolved).
type Receiver struct {
	// Name is how Route.Receiver names it; required, unique.
	Name string
	// WebhookURLs are http or https URLs. Empty makes a receiver that
	// discards the alerts routed to it.
	WebhookURLs []string
}

// Route is the top-level route. Its waits default to short ones so tests
// see notifications within about a second; durations are whole
// milliseconds.
type Route struct {
	// Receiver names the receiver of every alert; empty means the first of
	// Options.Receivers.
	Receiver string
	// GroupBy are the labels that split alerts into groups, one
	// notification per group; nil puts every alert in one group, and
	// []string{"..."} each distinct label set in a group of its own.
	GroupBy []string
	// GroupWait is how long a new group waits for more alerts before its
	// first notification. Zero means 100 ms.
	GroupWait time.Duration
	// GroupInterval is how long a group waits before notifying about alerts
	// added to it or resolved since its last notification. Zero means one
	// second.
	GroupInterval time.Duration
	// RepeatInterval is how long before a notification that changed
	// nothing is sent again. Zero means one hour.
	RepeatInterval time.Duration
}

const (
	defaultGroupWait      = 100 * time.Millisecond
	defaultGroupInterval  = time.Second
	defaultRepeatInterval = time.Hour
	// discardReceiver is the receiver of Options without Receivers.
	discardReceiver = "discard"
)

// The shapes below are the part of Alertmanager's configuration file that
// Options can express, with its field names.
type amConfig struct {
	Route     amRoute      `json:"route"`
	Receivers []amReceiver `json:"receivers"`
}

type amRoute struct {
	Receiver       string   `json:"receiver"`
	GroupBy        []string `json:"group_by,omitempty"`
	GroupWait      string   `json:"group_wait"`
	GroupInterval  string   `json:"group_interval"`
	RepeatInterval string   `json:"repeat_interval"`
}

type amReceiver struct {
	Name           string      `json:"name"`
	WebhookConfigs []amWebhook `json:"webhook_configs,omitempty"`
}

type amWebhook struct {
	URL          string `json:"url"`
	SendResolved bool   `json:"send_resolved"`
}

// validate checks o and fills in its defaults.
func (o *Options) validate() error {
	if o.StartTimeout < 0 {
		return &OptionsError{Field: "StartTimeout", Reason: "is negative"}
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = time.Minute
	}
	if o.Config != "" {
		r := o.Route
		if len(o.Receivers) > 0 || r.Receiver != "" || r.GroupBy != nil || r.GroupWait != 0 || r.GroupInterval != 0 || r.RepeatInterval != 0 {
			return &OptionsError{Field: "Config", Reason: "is set together with Receivers or Route; give one or the other"}
		}
		return nil
	}
	names := map[string]bool{}
	for i, r := range o.Receivers {
		field := fmt.Sprintf("Receivers[%d]", i)
		if r.Name == "" {
			return &OptionsError{Field: field + ".Name", Reason: "is empty"}
		}
		if names[r.Name] {
			return &OptionsError{Field: field + ".Name", Reason: fmt.Sprintf("%q is used by an earlier receiver", r.Name)}
		}
		names[r.Name] = true
		for j, raw := range r.WebhookURLs {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return &OptionsError{Field: fmt.Sprintf("%s.WebhookURLs[%d]", field, j), Reason: fmt.Sprintf("%q is not an http or https URL", raw), Err: err}
			}
		}
	}
	if len(o.Receivers) == 0 {
		o.Receivers = []Receiver{{Name: discardReceiver}}
		names[discardReceiver] = true
	}
	if o.Route.Receiver == "" {
		o.Route.Receiver = o.Receivers[0].Name
	}
	if !names[o.Route.Receiver] {
		return &OptionsError{Field: "Route.Receiver", Reason: fmt.Sprintf("names %q, which is not one of Receivers", o.Route.Receiver)}
	}
	for _, d := range []struct {
		field string
		d     *time.Duration
		def   time.Duration
	}{
		{"Route.GroupWait", &o.Route.GroupWait, defaultGroupWait},
		{"Route.GroupInterval", &o.Route.GroupInterval, defaultGroupInterval},
		{"Route.RepeatInterval", &o.Route.RepeatInterval, defaultRepeatInterval},
	} {
		switch {
		case *d.d < 0:
			return &OptionsError{Field: d.field, Reason: "is negative"}
		case *d.d%time.Millisecond != 0:
			return &OptionsError{Field: d.field, Reason: d.d.String() + " is not a whole number of milliseconds"}
		case *d.d == 0:
			*d.d = d.def
		}
	}
	return nil
}

// renderConfig is the configuration file of validated Options.
func renderConfig(o Options) ([]byte, error) {
	if o.Config != "" {
		return []byte(o.Config), nil
	}
	c := amConfig{Route: amRoute{
		Receiver:       o.Route.Receiver,
		GroupBy:        o.Route.GroupBy,
		GroupWait:      millis(o.Route.GroupWait),
		GroupInterval:  millis(o.Route.GroupInterval),
		RepeatInterval: millis(o.Route.RepeatInterval),
	}}
	for _, r := range o.Receivers {
		ar := amReceiver{Name: r.Name}
		for _, u := range r.WebhookURLs {
			ar.WebhookConfigs = append(ar.WebhookConfigs, amWebhook{URL: u, SendResolved: true})
		}
		c.Receivers = append(c.Receivers, ar)
	}
	return yaml.Marshal(c)
}

// millis formats d as Alertmanager's durations read it ("1500ms"; they
// take no fractions, so time.Duration's "1.5s" would not do).
func millis(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}
