package monitoring

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Target says which resources a query is about: a level and the names and
// filters that select resources at that level. Fields that do not apply to
// the level are ignored. The selectors are KubeSphere's (v1alpha3):
//
//   - node: Node, else ResourcesFilter on node names.
//   - workspace: Workspace, else ResourcesFilter on workspace names; a
//     workspace's namespaces are found through kube_namespace_labels
//     (the namespace's kubesphere.io/workspace label), never by listing
//     them.
//   - namespace: Namespace; else, with Workspace, ResourcesFilter on the
//     workspace's namespaces; else ResourcesFilter on all namespaces.
//   - workload: Namespace (required), WorkloadKind (deployment, statefulset,
//     daemonset; empty for all) and ResourcesFilter on workload names,
//     matched as workload=~"<Kind>:(<filter>)".
//   - pod: a workload's pods (Namespace, WorkloadKind, Workload: a
//     Deployment's pods are those owned by a ReplicaSet named
//     <workload>-<hash>), a namespace's (Namespace, then Pod or
//     ResourcesFilter), a node's (Node, then Pod, ResourcesFilter or
//     NamespacedResourcesFilter) or the cluster's (NamespacedResourcesFilter).
//   - container: Namespace and Pod (required), Container or ResourcesFilter.
//   - pvc: Namespace, then PVC or ResourcesFilter; or StorageClass and
//     ResourcesFilter.
//   - ingress: Namespace, Ingress or ResourcesFilter, Job (the controller's
//     scrape job) and Pod (the controller pod), Duration (the window,
//     default 5m).
//   - component: Component.
//
// Names are matched exactly (they are quoted, so no name can change the
// query's shape); filters are regular expressions in Prometheus's syntax,
// anchored at both ends, and are checked before anything is sent.
type Target struct {
	Level     Level
	Component Component

	Node         string
	Workspace    string
	Namespace    string
	WorkloadKind string
	Workload     string
	Pod          string
	Container    string
	PVC          string
	StorageClass string
	Ingress      string

	// ResourcesFilter is a regular expression on the names of the level's
	// resources; empty means all (".*").
	ResourcesFilter string
	// NamespacedResourcesFilter selects pods by namespace and name, as
	// "<namespace>/<pod>|<namespace>/<pod>" (a bare "<pod>" matches that pod
	// name in any namespace). Pod level, without Namespace.
	NamespacedResourcesFilter string

	// Job is the ingress controller's scrape job (ingress level).
	Job string
	// Duration is the window of ingress rates and counts; zero means 5m.
	Duration time.Duration
	// MeterStep is the window meters average over, in whole hours; zero
	// means one hour.
	MeterStep time.Duration
}

// kubeSphereControlsNamespace holds KubeSphere's shared ingress controllers,
// whose Ingresses are in other namespaces (exported_namespace).
const kubeSphereControlsNamespace = "kubesphere-controls-system"

// workloadKinds maps KubeSphere's lower-case workload kinds to Kinds.
var workloadKinds = map[string]string{"deployment": "Deployment", "statefulset": "StatefulSet", "daemonset": "DaemonSet"}

// Expr returns the PromQL expression for the named metric about t. It
// refuses, with an *InvalidError, a metric that is not in the catalog or
// not of t's level, a filter that is not a valid regular expression, and a
// Target missing a name its level needs.
func Expr(metric string, t Target) (string, error) {
	m, ok := Lookup(metric)
	if !ok {
		return "", &InvalidError{Field: "metric", Reason: fmt.Sprintf("unknown metric %q", metric)}
	}
	if m.Level != t.Level {
		return "", &InvalidError{Field: "metric", Reason: fmt.Sprintf("%s is a %s metric, not a %s one", metric, m.Level, t.Level)}
	}
	if t.Level == LevelComponent && m.Component != t.Component {
		return "", &InvalidError{Field: "metric", Reason: fmt.Sprintf("%s is a %s metric, not a %s one", metric, m.Component, t.Component)}
	}
	v, err := t.placeholders()
	if err != nil {
		return "", err
	}
	return v.Replace(m.expr), nil
}

// quote renders s as a PromQL string literal.
func quote(s string) string { return strconv.Quote(s) }

// matchers joins non-empty matchers with ", ".
func matchers(ms ...string) string {
	out := ms[:0:0]
	for _, m := range ms {
		if m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

func eq(label, value string) string { return label + "=" + quote(value) }
func re(label, value string) string { return label + "=~" + quote(value) }

// checkRegexp refuses a filter Prometheus would refuse.
func checkRegexp(field, expr string) error {
	// Compiled on its own first: wrapped in a group, a filter with an
	// unbalanced ")" could close the group and still compile.
	if _, err := regexp.Compile(expr); err != nil {
		return &InvalidError{Field: field, Reason: "not a valid regular expression: " + err.Error(), Err: err}
	}
	if _, err := regexp.Compile("^(?:" + expr + ")$"); err != nil {
		return &InvalidError{Field: field, Reason: "not a valid regular expression: " + err.Error(), Err: err}
	}
	return nil
}

// Validate checks t on its own: its level, the names its level requires and
// its filters. Query, QueryRange and Expr call it.
func (t Target) Validate() error {
	_, err := t.placeholders()
	return err
}

func (t Target) placeholders() (*strings.Replacer, error) {
	rf := t.ResourcesFilter
	if rf == "" {
		rf = ".*"
	}
	if err := checkRegexp("resources_filter", rf); err != nil {
		return nil, err
	}
	var sel, nsl, ns, owner, pod, inner, job string
	dur := "5m"
	switch t.Level {
	case LevelCluster:
	case LevelComponent:
		switch t.Component {
		case ComponentEtcd, ComponentAPIServer, ComponentScheduler:
		default:
			return nil, &InvalidError{Field: "component", Reason: fmt.Sprintf("unknown component %q (want etcd, apiserver or scheduler)", t.Component)}
		}
	case LevelNode:
		sel = re("node", rf)
		if t.Node != "" {
			sel = eq("node", t.Node)
		}
	case LevelWorkspace:
		if t.Workspace != "" {
			sel = eq("workspace", t.Workspace)
			nsl = eq("label_kubesphere_io_workspace", t.Workspace)
		} else {
			sel = matchers(re("workspace", rf), `workspace!=""`)
			nsl = matchers(re("label_kubesphere_io_workspace", rf), `label_kubesphere_io_workspace!=""`)
		}
	case LevelNamespace:
		switch {
		case t.Namespace != "":
			sel = eq("namespace", t.Namespace)
			nsl = sel
		case t.Workspace != "":
			sel = matchers(eq("workspace", t.Workspace), re("namespace", rf))
			nsl = matchers(eq("label_kubesphere_io_workspace", t.Workspace), re("namespace", rf))
		default:
			sel = re("namespace", rf)
			nsl = sel
		}
	case LevelWorkload:
		if t.Namespace == "" {
			return nil, &InvalidError{Field: "namespace", Reason: "workload metrics need a namespace"}
		}
		kind := ".*"
		if t.WorkloadKind != "" {
			k, ok := workloadKinds[t.WorkloadKind]
			if !ok {
				return nil, &InvalidError{Field: "kind", Reason: fmt.Sprintf("unknown workload kind %q (want deployment, statefulset or daemonset)", t.WorkloadKind)}
			}
			kind = k
		}
		ns = eq("namespace", t.Namespace)
		sel = matchers(ns, re("workload", kind+":("+rf+")"))
	case LevelPod:
		var err error
		owner, pod, inner, err = t.podSelectors(rf)
		if err != nil {
			return nil, err
		}
	case LevelContainer:
		if t.Namespace == "" || t.Pod == "" {
			return nil, &InvalidError{Field: "pod", Reason: "container metrics need a namespace and a pod"}
		}
		c := re("container", rf)
		if t.Container != "" {
			c = eq("container", t.Container)
		}
		sel = matchers(eq("namespace", t.Namespace), eq("pod", t.Pod), c)
	case LevelPVC:
		switch {
		case t.Namespace != "" && t.PVC != "":
			sel = matchers(eq("namespace", t.Namespace), eq("persistentvolumeclaim", t.PVC))
		case t.Namespace != "":
			sel = matchers(eq("namespace", t.Namespace), re("persistentvolumeclaim", rf))
		case t.StorageClass != "":
			sel = matchers(eq("storageclass", t.StorageClass), re("persistentvolumeclaim", rf))
		default:
			return nil, &InvalidError{Field: "namespace", Reason: "PVC metrics need a namespace or a storage class"}
		}
	case LevelIngress:
		if t.Namespace == "" {
			return nil, &InvalidError{Field: "namespace", Reason: "ingress metrics need a namespace"}
		}
		ing := re("ingress", rf)
		if t.Ingress != "" {
			ing = eq("ingress", t.Ingress)
		}
		if t.Namespace != kubeSphereControlsNamespace {
			ing = matchers(eq("exported_namespace", t.Namespace), ing)
		}
		if t.Job != "" {
			job = eq("job", t.Job)
			if t.Pod != "" {
				job = matchers(job, eq("controller_pod", t.Pod))
			}
		}
		sel = matchers(ing, job)
		if t.Duration < 0 {
			return nil, &InvalidError{Field: "duration", Reason: "must not be negative"}
		}
		if t.Duration > 0 {
			dur = promDuration(t.Duration)
		}
	default:
		return nil, &InvalidError{Field: "level", Reason: fmt.Sprintf("unknown level %q", t.Level)}
	}
	hours := int64(t.MeterStep / time.Hour)
	if hours < 1 {
		hours = 1
	}
	return strings.NewReplacer(
		"$sel", sel, "$nsl", nsl, "$ns", ns, "$rf", quote(rf),
		"$owner", owner, "$pod", pod, "$inner", inner,
		"$job", job, "$dur", dur,
		"$step", strconv.FormatInt(hours, 10)+"h", "$factor", strconv.FormatInt(hours, 10),
	), nil
}

// podSelectors returns the matchers on kube_pod_owner, on kube_pod_info and
// pushed into raw container series, for a pod-level Target.
func (t Target) podSelectors(rf string) (owner, pod, inner string, err error) {
	if t.Workload != "" {
		if t.Namespace == "" {
			return "", "", "", &InvalidError{Field: "namespace", Reason: "a workload's pods need its namespace"}
		}
		switch t.WorkloadKind {
		case "deployment":
			// A Deployment's pods belong to its ReplicaSets, named
			// <deployment>-<pod-template-hash>.
			owner = matchers(`owner_kind="ReplicaSet"`, re("owner_name", regexp.QuoteMeta(t.Workload)+"-[^-]{1,10}"))
		case "statefulset":
			owner = matchers(`owner_kind="StatefulSet"`, eq("owner_name", t.Workload))
		case "daemonset":
			owner = matchers(`owner_kind="DaemonSet"`, eq("owner_name", t.Workload))
		default:
			return "", "", "", &InvalidError{Field: "kind", Reason: fmt.Sprintf("unknown workload kind %q (want deployment, statefulset or daemonset)", t.WorkloadKind)}
		}
	}
	if t.Namespace != "" {
		inner = eq("namespace", t.Namespace)
		if t.Pod != "" {
			return owner, matchers(eq("pod", t.Pod), inner), inner, nil
		}
		return owner, matchers(re("pod", rf), inner), inner, nil
	}
	namespaces, pods, err := splitNamespacedFilter(t.NamespacedResourcesFilter)
	if err != nil {
		return "", "", "", err
	}
	var ps []string
	if t.Node != "" {
		if t.Pod != "" {
			if n, p, ok := strings.Cut(t.Pod, "/"); ok {
				return owner, matchers(eq("namespace", n), eq("pod", p), eq("node", t.Node)), eq("namespace", n), nil
			}
			return owner, matchers(eq("pod", t.Pod), eq("node", t.Node)), "", nil
		}
		ps = append(ps, eq("node", t.Node))
		if t.ResourcesFilter != "" {
			ps = append(ps, re("pod", rf))
		}
	}
	if len(namespaces) > 0 {
		ps = append(ps, re("namespace", strings.Join(namespaces, "|")))
	}
	if len(pods) > 0 {
		ps = append(ps, re("pod", strings.Join(pods, "|")))
	}
	return owner, matchers(ps...), "", nil
}

// splitNamespacedFilter splits "<ns>/<pod>|<pod>" into exact-match
// alternatives of namespaces and of pods (names are quoted for regexps).
func splitNamespacedFilter(f string) (namespaces, pods []string, err error) {
	f = strings.TrimRight(f, "$")
	if f == "" {
		return nil, nil, nil
	}
	for _, part := range strings.Split(f, "|") {
		if part == "" {
			return nil, nil, &InvalidError{Field: "namespaced_resources_filter", Reason: "empty alternative"}
		}
		if n, p, ok := strings.Cut(part, "/"); ok {
			namespaces = append(namespaces, regexp.QuoteMeta(n))
			pods = append(pods, regexp.QuoteMeta(p))
		} else {
			pods = append(pods, regexp.QuoteMeta(part))
		}
	}
	return namespaces, pods, nil
}

// promDuration renders d in Prometheus's duration syntax.
func promDuration(d time.Duration) string {
	if d%time.Second != 0 {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
