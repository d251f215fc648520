package monitoring

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// PathPrefix is where NewHandler serves KubeSphere's monitoring API.
const PathPrefix = "/kapis/monitoring.kubesphere.io/v1alpha3/"

// KubeSphere's defaults and texts for the API's parameters.
const (
	defaultLimit = 5

	errParamConflict   = "'time' and the combination of 'start' and 'end' are mutually exclusive."
	errInvalidStartEnd = "'start' must be before 'end'."
	errInvalidPage     = "Invalid parameter 'page'."
	errInvalidLimit    = "Invalid parameter 'limit'."
)

// maxParamLength bounds every parameter the handler reads, so a hostile
// request costs little before it is refused.
const maxParamLength = 4 << 10

// Request is one request of the monitoring API, parsed: what it is about,
// which metrics and when.
type Request struct {
	Target Target
	// Metrics are the metrics metrics_filter selects at Target's level.
	Metrics []string
	// Range is set for a range query (start and end); Instant otherwise.
	Range   *QueryRangeOptions
	Instant QueryOptions
	// listing is the route of a collection whose items the caller may only
	// partly see (namespaces, workspaces, a workspace's namespaces).
	listing bool
}

// ParseRequest reads a request path (below PathPrefix, such as
// "namespaces/demo/pods") and query parameters as KubeSphere's monitoring
// API (v1alpha3) does: the route sets the level and names, and
// metrics_filter, resources_filter, namespaced_resources_filter, start,
// end, step, time, sort_metric, sort_type, page, limit, and for ingresses
// job, pod and duration, refine it. Bad input is an *InvalidError (with
// KubeSphere's text where it has one); a path that is no route is one with
// Field "path".
func ParseRequest(path string, q url.Values) (*Request, error) {
	for k, vs := range q {
		for _, v := range vs {
			if len(v) > maxParamLength {
				return nil, &InvalidError{Field: k, Reason: fmt.Sprintf("longer than %d bytes", maxParamLength)}
			}
		}
	}
	req := &Request{}
	t, listing, err := route(path)
	if err != nil {
		return nil, err
	}
	req.listing = listing
	t.ResourcesFilter = q.Get("resources_filter")
	if t.Level == LevelPod {
		t.NamespacedResourcesFilter = strings.TrimRight(q.Get("namespaced_resources_filter"), "$")
	}
	if t.Level == LevelIngress {
		t.Job = q.Get("job")
		t.Pod = q.Get("pod")
		if d := q.Get("duration"); d != "" && q.Get("time") != "" {
			dur, err := parseDuration(d)
			if err != nil {
				return nil, &InvalidError{Field: "duration", Reason: err.Error(), Err: err}
			}
			t.Duration = dur
		}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	req.Target = t
	if req.Metrics, err = SelectMetrics(t, q.Get("metrics_filter")); err != nil {
		return nil, err
	}

	start, end, tm := q.Get("start"), q.Get("end"), q.Get("time")
	switch {
	case start != "" && end != "":
		s, err := parseUnix("start", start)
		if err != nil {
			return nil, err
		}
		e, err := parseUnix("end", end)
		if err != nil {
			return nil, err
		}
		if s.After(e) {
			return nil, &InvalidError{Field: "start", Reason: errInvalidStartEnd}
		}
		step := DefaultStep
		if st := q.Get("step"); st != "" {
			if step, err = parseDuration(st); err != nil {
				return nil, &InvalidError{Field: "step", Reason: err.Error(), Err: err}
			}
		}
		req.Range = &QueryRangeOptions{Start: s, End: e, Step: step}
	case start == "" && end == "":
		if tm != "" {
			ts, err := parseUnix("time", tm)
			if err != nil {
				return nil, err
			}
			req.Instant.Time = ts
		}
	default:
		return nil, &InvalidError{Field: "time", Reason: errParamConflict}
	}

	if target := q.Get("sort_metric"); target != "" {
		req.Instant.SortMetric = target
		req.Instant.SortType = SortDescending
		if q.Get("sort_type") == SortAscending {
			req.Instant.SortType = SortAscending
		}
		req.Instant.Page, req.Instant.Limit = 1, defaultLimit
		if p := q.Get("page"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n <= 0 {
				return nil, &InvalidError{Field: "page", Reason: errInvalidPage, Err: err}
			}
			req.Instant.Page = n
		}
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n <= 0 {
				return nil, &InvalidError{Field: "limit", Reason: errInvalidLimit, Err: err}
			}
			req.Instant.Limit = n
		}
	}
	return req, nil
}

// route maps a path below PathPrefix to a Target; listing reports a
// collection of namespaces or workspaces.
func route(path string) (t Target, listing bool, err error) {
	p := strings.Trim(path, "/")
	parts := strings.Split(p, "/")
	for _, s := range parts {
		if s == "" || s == "." || s == ".." {
			return t, false, &InvalidError{Field: "path", Reason: fmt.Sprintf("no route for %q", path)}
		}
	}
	noRoute := &InvalidError{Field: "path", Reason: fmt.Sprintf("no route for %q", path)}
	n := len(parts)
	at := func(i int) string {
		if i < n {
			return parts[i]
		}
		return ""
	}
	switch at(0) {
	case "cluster":
		if n == 1 {
			return Target{Level: LevelCluster}, false, nil
		}
	case "nodes":
		switch {
		case n == 1:
			return Target{Level: LevelNode}, false, nil
		case n == 2:
			return Target{Level: LevelNode, Node: parts[1]}, false, nil
		case n == 3 && parts[2] == "pods":
			return Target{Level: LevelPod, Node: parts[1]}, false, nil
		case n == 4 && parts[2] == "pods":
			return Target{Level: LevelPod, Node: parts[1], Pod: parts[3]}, false, nil
		}
	case "workspaces":
		switch {
		case n == 1:
			return Target{Level: LevelWorkspace}, true, nil
		case n == 2:
			return Target{Level: LevelWorkspace, Workspace: parts[1]}, false, nil
		case n == 3 && parts[2] == "namespaces":
			return Target{Level: LevelNamespace, Workspace: parts[1]}, true, nil
		}
	case "pods":
		if n == 1 {
			return Target{Level: LevelPod}, false, nil
		}
	case "storageclasses":
		if n == 3 && parts[2] == "persistentvolumeclaims" {
			return Target{Level: LevelPVC, StorageClass: parts[1]}, false, nil
		}
	case "components":
		if n == 2 {
			return Target{Level: LevelComponent, Component: Component(parts[1])}, false, nil
		}
	case "namespaces":
		if n == 1 {
			return Target{Level: LevelNamespace}, true, nil
		}
		ns := parts[1]
		switch {
		case n == 2:
			return Target{Level: LevelNamespace, Namespace: ns}, false, nil
		case at(2) == "workloads" && n == 3:
			return Target{Level: LevelWorkload, Namespace: ns}, false, nil
		case at(2) == "workloads" && n == 4:
			return Target{Level: LevelWorkload, Namespace: ns, WorkloadKind: parts[3]}, false, nil
		case at(2) == "workloads" && n == 6 && parts[5] == "pods":
			return Target{Level: LevelPod, Namespace: ns, WorkloadKind: parts[3], Workload: parts[4]}, false, nil
		case at(2) == "pods" && n == 3:
			return Target{Level: LevelPod, Namespace: ns}, false, nil
		case at(2) == "pods" && n == 4:
			return Target{Level: LevelPod, Namespace: ns, Pod: parts[3]}, false, nil
		case at(2) == "pods" && n == 5 && parts[4] == "containers":
			return Target{Level: LevelContainer, Namespace: ns, Pod: parts[3]}, false, nil
		case at(2) == "pods" && n == 6 && parts[4] == "containers":
			return Target{Level: LevelContainer, Namespace: ns, Pod: parts[3], Container: parts[5]}, false, nil
		case at(2) == "persistentvolumeclaims" && n == 3:
			return Target{Level: LevelPVC, Namespace: ns}, false, nil
		case at(2) == "persistentvolumeclaims" && n == 4:
			return Target{Level: LevelPVC, Namespace: ns, PVC: parts[3]}, false, nil
		case at(2) == "ingresses" && n == 3:
			return Target{Level: LevelIngress, Namespace: ns}, false, nil
		case at(2) == "ingresses" && n == 4:
			return Target{Level: LevelIngress, Namespace: ns, Ingress: parts[3]}, false, nil
		}
	}
	return t, false, noRoute
}

func parseUnix(field, s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a Unix time in seconds", s), Err: err}
	}
	return time.Unix(n, 0), nil
}

// parseDuration reads a Go duration ("90s", "1h30m") or a Prometheus one
// ("1d", "1w"); it must be positive.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		md, merr := model.ParseDuration(s)
		if merr != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		d = time.Duration(md)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive", s)
	}
	return d, nil
}
