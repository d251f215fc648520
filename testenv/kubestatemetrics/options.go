package kubestatemetrics

import (
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WorkspaceLabel is the namespace label naming a namespace's workspace.
// kube-state-metrics exports it on kube_namespace_labels as
// label_kubesphere_io_workspace when its allowlist names it, as the default
// one does.
const WorkspaceLabel = "kubesphere.io/workspace"

// DefaultMetricLabelsAllowlist is the allowlist Start uses when
// Options.MetricLabelsAllowlist is nil: the workspace label of namespaces,
// which KubeSphere's workspace queries join on.
func DefaultMetricLabelsAllowlist() map[string][]string {
	return map[string][]string{"namespaces": {WorkspaceLabel}}
}

// Options configures Start. The zero value exports every default resource
// of kube-state-metrics and the workspace label of namespaces.
type Options struct {
	// MetricLabelsAllowlist is kube-state-metrics'
	// --metric-labels-allowlist: resource (plural, such as "namespaces" or
	// "pods") to the label keys its *_labels metric exports ("*" for all).
	// Nil means DefaultMetricLabelsAllowlist; an empty map exports none.
	MetricLabelsAllowlist map[string][]string
	// MetricAnnotationsAllowlist is --metric-annotations-allowlist, in the
	// same form; nil exports none.
	MetricAnnotationsAllowlist map[string][]string
	// Resources is --resources: the resources to export metrics of, such as
	// "pods" or "namespaces". Empty means kube-state-metrics' default set.
	Resources []string

	// ExtraFlags are added to the command line after the flags Start sets.
	ExtraFlags []string

	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer
	// CacheDir is where the built kube-state-metrics is kept. Empty means
	// the environment variable SPHEREKIT_TESTENV_CACHE, or else
	// spherekit/testenv under the user cache folder.
	CacheDir string
	// StartTimeout bounds the start once the binary is built, until it
	// answers /healthz. Zero means one minute.
	StartTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MetricLabelsAllowlist == nil {
		o.MetricLabelsAllowlist = DefaultMetricLabelsAllowlist()
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = time.Minute
	}
	return o
}

// resourceName is a resource in plural form; "*" stands for all.
var resourceName = regexp.MustCompile(`^(\*|[a-z0-9]+)$`)

func (o Options) validate() error {
	if o.StartTimeout < 0 {
		return &OptionsError{Field: "StartTimeout", Reason: "must not be negative"}
	}
	for _, a := range []struct {
		field string
		list  map[string][]string
	}{{"MetricLabelsAllowlist", o.MetricLabelsAllowlist}, {"MetricAnnotationsAllowlist", o.MetricAnnotationsAllowlist}} {
		for res, keys := range a.list {
			if !resourceName.MatchString(res) {
				return &OptionsError{Field: a.field, Reason: "resource " + strconv.Quote(res) + " is not a plural resource name"}
			}
			for _, k := range keys {
				if k == "" || strings.ContainsAny(k, ",[]= ") {
					return &OptionsError{Field: a.field, Reason: "key " + strconv.Quote(k) + " of " + res + " is empty or holds one of , [ ] = or a space"}
				}
			}
		}
	}
	for _, r := range o.Resources {
		if !resourceName.MatchString(r) || r == "*" {
			return &OptionsError{Field: "Resources", Reason: strconv.Quote(r) + " is not a plural resource name"}
		}
	}
	return nil
}

// allowlistFlag renders an allowlist as kube-state-metrics reads it:
// resource=[key,...],... sorted by resource.
func allowlistFlag(list map[string][]string) string {
	res := make([]string, 0, len(list))
	for r := range list {
		res = append(res, r)
	}
	sort.Strings(res)
	parts := make([]string, 0, len(res))
	for _, r := range res {
		parts = append(parts, r+"=["+strings.Join(list[r], ",")+"]")
	}
	return strings.Join(parts, ",")
}
