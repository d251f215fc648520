package prometheus

import (
	"io"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// Options configures Start. The zero value runs a Prometheus that scrapes
// nothing, evaluates rules every second and has no rules yet.
type Options struct {
	// ScrapeConfigs are the jobs Prometheus scrapes (see ClusterScrapeConfigs
	// for a testenv cluster's).
	ScrapeConfigs []ScrapeConfig

	// ScrapeInterval is the global scrape interval (and timeout), and
	// EvaluationInterval how often rules are evaluated. Zero means one
	// second each, so tests see new samples and rule results quickly.
	ScrapeInterval     time.Duration
	EvaluationInterval time.Duration

	// RuleFiles are loaded before Start returns, as SetRules loads them:
	// file name (letters, digits, '.', '_', '-') to the YAML of a Prometheus
	// rules file. A file Prometheus refuses fails Start with a *RulesError.
	RuleFiles map[string]string

	// Alertmanagers are the host:port addresses of the Alertmanagers
	// Prometheus sends its firing alerts to (API v2, over http).
	Alertmanagers []string

	// ExtraFlags are added to Prometheus's command line, after the flags
	// Start sets (--config.file, --storage.tsdb.path,
	// --web.listen-address, --web.enable-lifecycle).
	ExtraFlags []string

	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer

	// CacheDir is where the built Prometheus is kept. Empty means the
	// environment variable SPHEREKIT_TESTENV_CACHE, or else
	// spherekit/testenv under the user cache folder (the cache testenv builds
	// the control plane into).
	CacheDir string

	// StartTimeout bounds the start once Prometheus is built, until it
	// answers /-/ready and has loaded RuleFiles. Zero means one minute.
	StartTimeout time.Duration
}

// ScrapeConfig is one scrape job. JobName and at least one target are
// required; the zero value of every other field is Prometheus's default.
type ScrapeConfig struct {
	// JobName is the job label of every series the job scrapes.
	JobName string
	// Targets are host:port addresses, scraped with Labels.
	Targets []string
	// Labels are added to every series scraped from Targets.
	Labels map[string]string
	// TargetGroups are more targets, each group with labels of its own.
	// Labels named __metrics_path__ or __scheme__ set the path or scheme of
	// the group's targets (one group per kwok node, each with its own path).
	TargetGroups []TargetGroup

	// Scheme is "http" (the default) or "https".
	Scheme string
	// MetricsPath is the path scraped; empty means /metrics.
	MetricsPath string
	// Params are added to the scrape URL's query.
	Params url.Values
	// HonorLabels keeps the labels the target exposes when they clash with
	// target labels (job, instance...), as an exporter such as
	// kube-state-metrics needs.
	HonorLabels bool
	// ScrapeInterval overrides Options.ScrapeInterval for this job.
	ScrapeInterval time.Duration

	// TLS configures the https connection: CA, client certificate,
	// skipping verification.
	TLS *TLSConfig
	// BearerToken is sent as an Authorization: Bearer header.
	BearerToken string

	// RelabelConfigs rewrite target labels before the scrape;
	// MetricRelabelConfigs rewrite the scraped series.
	RelabelConfigs       []RelabelConfig
	MetricRelabelConfigs []RelabelConfig
}

// TargetGroup is a set of targets that share labels.
type TargetGroup struct {
	Targets []string
	Labels  map[string]string
}

// TLSConfig is the TLS side of a scrape. The PEM contents are written to
// files in Prometheus's work folder.
type TLSConfig struct {
	// CA is the PEM of the certificate authorities that sign the target's
	// certificate; empty means the system's.
	CA []byte
	// Cert and Key are a PEM client certificate and key, both or neither.
	Cert, Key []byte
	// ServerName is the name checked in the target's certificate; empty
	// means the target's host.
	ServerName string
	// InsecureSkipVerify skips the check of the target's certificate.
	InsecureSkipVerify bool
}

// RelabelConfig is one Prometheus relabeling step. Empty fields take
// Prometheus's defaults (action replace, regex (.*), separator ";",
// replacement $1).
type RelabelConfig struct {
	SourceLabels []string
	Separator    string
	Regex        string
	TargetLabel  string
	Replacement  *string
	Action       string
}

func (o Options) withDefaults() Options {
	if o.ScrapeInterval == 0 {
		o.ScrapeInterval = time.Second
	}
	if o.EvaluationInterval == 0 {
		o.EvaluationInterval = time.Second
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = time.Minute
	}
	return o
}

// ruleFileName is what a rules file may be called.
var ruleFileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// labelName is what a label may be called.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (o Options) validate() error {
	switch {
	case o.ScrapeInterval < 0:
		return &OptionsError{Field: "ScrapeInterval", Reason: "must not be negative"}
	case o.EvaluationInterval < 0:
		return &OptionsError{Field: "EvaluationInterval", Reason: "must not be negative"}
	case o.StartTimeout < 0:
		return &OptionsError{Field: "StartTimeout", Reason: "must not be negative"}
	}
	jobs := map[string]bool{}
	for i, sc := range o.ScrapeConfigs {
		field := "ScrapeConfigs[" + strconv.Itoa(i) + "]"
		if err := sc.validate(field); err != nil {
			return err
		}
		if jobs[sc.JobName] {
			return &OptionsError{Field: field + ".JobName", Reason: "job " + strconv.Quote(sc.JobName) + " appears twice"}
		}
		jobs[sc.JobName] = true
	}
	for i, am := range o.Alertmanagers {
		if _, _, err := net.SplitHostPort(am); err != nil {
			return &OptionsError{Field: "Alertmanagers[" + strconv.Itoa(i) + "]", Reason: "must be host:port: " + err.Error(), Err: err}
		}
	}
	for name := range o.RuleFiles {
		if !ruleFileName.MatchString(name) {
			return &OptionsError{Field: "RuleFiles", Reason: "file name " + strconv.Quote(name) + " must be letters, digits, '.', '_' or '-'"}
		}
	}
	return nil
}

func (sc ScrapeConfig) validate(field string) error {
	if sc.JobName == "" {
		return &OptionsError{Field: field + ".JobName", Reason: "required"}
	}
	n := len(sc.Targets)
	for _, g := range sc.TargetGroups {
		n += len(g.Targets)
	}
	if n == 0 {
		return &OptionsError{Field: field + ".Targets", Reason: "job " + strconv.Quote(sc.JobName) + " has no target"}
	}
	switch sc.Scheme {
	case "", "http", "https":
	default:
		return &OptionsError{Field: field + ".Scheme", Reason: "must be http or https, not " + strconv.Quote(sc.Scheme)}
	}
	if sc.ScrapeInterval < 0 {
		return &OptionsError{Field: field + ".ScrapeInterval", Reason: "must not be negative"}
	}
	if t := sc.TLS; t != nil && (len(t.Cert) == 0) != (len(t.Key) == 0) {
		return &OptionsError{Field: field + ".TLS", Reason: "a client certificate needs both Cert and Key"}
	}
	if f, ok := sc.unwritable(); !ok {
		return &OptionsError{Field: field + "." + f, Reason: "holds invalid UTF-8 or a character YAML cannot carry"}
	}
	labels := []map[string]string{sc.Labels}
	for _, g := range sc.TargetGroups {
		labels = append(labels, g.Labels)
	}
	for _, ls := range labels {
		for k := range ls {
			if !labelName.MatchString(k) {
				return &OptionsError{Field: field + ".Labels", Reason: "invalid label name " + strconv.Quote(k)}
			}
		}
	}
	return nil
}

// unwritable returns the first field of sc holding text a YAML file cannot
// carry (ok false), which Prometheus would fail to read.
func (sc ScrapeConfig) unwritable() (field string, ok bool) {
	texts := map[string][]string{
		"JobName":     {sc.JobName},
		"Targets":     sc.Targets,
		"MetricsPath": {sc.MetricsPath},
		"BearerToken": {sc.BearerToken},
	}
	for k, vs := range sc.Params {
		texts["Params"] = append(texts["Params"], k)
		texts["Params"] = append(texts["Params"], vs...)
	}
	for k, v := range sc.Labels {
		texts["Labels"] = append(texts["Labels"], k, v)
	}
	for _, g := range sc.TargetGroups {
		texts["TargetGroups"] = append(texts["TargetGroups"], g.Targets...)
		for k, v := range g.Labels {
			texts["TargetGroups"] = append(texts["TargetGroups"], k, v)
		}
	}
	if sc.TLS != nil {
		texts["TLS"] = []string{sc.TLS.ServerName}
	}
	for _, rc := range []struct {
		field string
		list  []RelabelConfig
	}{{"RelabelConfigs", sc.RelabelConfigs}, {"MetricRelabelConfigs", sc.MetricRelabelConfigs}} {
		for _, r := range rc.list {
			texts[rc.field] = append(texts[rc.field], r.SourceLabels...)
			texts[rc.field] = append(texts[rc.field], r.Separator, r.Regex, r.TargetLabel, r.Action)
			if r.Replacement != nil {
				texts[rc.field] = append(texts[rc.field], *r.Replacement)
			}
		}
	}
	names := make([]string, 0, len(texts))
	for f := range texts {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		for _, t := range texts[f] {
			if !yamlText(t) {
				return f, false
			}
		}
	}
	return "", true
}

// yamlText reports whether s is valid UTF-8 made of characters the YAML
// specification lets a document hold (its printable set).
func yamlText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r >= 0x20 && r <= 0x7e:
		case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		default:
			return false
		}
	}
	return true
}
