package authz

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// RequestInfo is what a request's method, path and query say about it,
// following KubeSphere's rules for /api, /apis and /kapis paths.
type RequestInfo struct {
	// IsResourceRequest is false for paths outside the API prefixes and
	// for discovery paths such as /apis/apps/v1.
	IsResourceRequest bool
	// Path is the request path behind KubeSphere's cluster dispatcher: as
	// given, without the /clusters/{cluster} segments of either form
	// (/clusters/c/apis/... and /apis/clusters/c/... are both /apis/...).
	Path string
	// Verb is a Kubernetes verb for a resource request, else the lowercase
	// HTTP method.
	Verb string

	// APIPrefix is api, apis or kapis.
	APIPrefix   string
	APIGroup    string
	APIVersion  string
	Cluster     string
	Workspace   string
	Namespace   string
	Resource    string
	Subresource string
	Name        string
	// Parts are the path segments after the API version, cluster,
	// workspace and namespace segments.
	Parts []string

	Scope Scope
}

// globalResources are platform-wide: scope Global, or Workspace under a
// workspace segment.
var globalResources = []string{"users", "globalroles", "globalrolebindings", "workspaces", "workspacetemplates", "clusters"}

// namespaceSubresources follow namespaces/{name} as subresources of the
// namespace itself rather than a resource in it.
var namespaceSubresources = []string{"status", "finalize"}

// Bounds on what ParseRequest accepts, so a hostile path costs little.
const (
	maxPathLength = 8 << 10
	maxPathParts  = 64
)

// ParseRequest reads r's method, path and query. See ParseRequestInfo.
func ParseRequest(r *http.Request) (RequestInfo, error) {
	if r == nil || r.URL == nil {
		return RequestInfo{}, &InvalidError{Field: "request", Reason: "no request or URL"}
	}
	return ParseRequestInfo(r.Method, r.URL.Path, r.URL.Query())
}

// ParseRequestInfo resolves a request the way KubeSphere's API gateway does:
// /api/{version}/..., /apis/{group}/{version}/... and
// /kapis/{group}/{version}/..., each optionally for one cluster, in
// KubeSphere 4.x's form /clusters/{cluster}/{prefix}/... or 3.x's
// /{prefix}/clusters/{cluster}/... (both parse to the same RequestInfo, with
// Cluster set and Path the path behind the cluster segments; a 4.x path
// outside the API prefixes is a non-resource request for that cluster);
// then workspaces/{ws} or workspacetemplates/{ws} sets the workspace and
// namespaces/{ns} the namespace; then {resource}[/{name}[/{subresource}]].
// GET without a name is list (watch with ?watch=true), DELETE without a name
// deletecollection. Users, global roles and their bindings, workspaces and
// clusters are global resources (scope Global, or Workspace under a
// workspace segment); a watch selecting kubesphere.io/workspace=<ws> is
// promoted to that workspace's scope. Malformed paths and selectors are an
// *InvalidError.
func ParseRequestInfo(method, path string, query url.Values) (RequestInfo, error) {
	ri := RequestInfo{Path: path, Verb: strings.ToLower(method)}
	if len(path) > maxPathLength {
		return ri, &InvalidError{Field: "path", Reason: fmt.Sprintf("longer than %d bytes", maxPathLength)}
	}
	if !strings.HasPrefix(path, "/") {
		return ri, &InvalidError{Field: "path", Reason: fmt.Sprintf("%q does not start with /", path)}
	}
	trimmed := strings.Trim(path, "/")
	if trimmed == "" {
		return ri, nil
	}
	if strings.Count(trimmed, "/") >= maxPathParts {
		return ri, &InvalidError{Field: "path", Reason: fmt.Sprintf("more than %d segments", maxPathParts)}
	}
	parts := strings.Split(trimmed, "/")
	// KubeSphere 4.x's cluster dispatcher: /clusters/{cluster}/{real path}.
	clusterFirst := parts[0] == "clusters" && len(parts) > 2
	if !clusterFirst && !isAPIPrefix(parts[0]) {
		return ri, nil // a non-resource path
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return ri, &InvalidError{Field: "path", Reason: fmt.Sprintf("%q has an empty, . or .. segment", path)}
		}
	}
	if clusterFirst {
		ri.Cluster, parts = parts[1], parts[2:]
		ri.Path = behindCluster(path, parts)
		if !isAPIPrefix(parts[0]) {
			return ri, nil // a non-resource path in that cluster
		}
	}
	ri.APIPrefix, parts = parts[0], parts[1:]
	// KubeSphere 3.x's form /{prefix}/clusters/{cluster}/..., which 4.x
	// still reads when the path did not name a cluster first. /apis/clusters
	// alone is discovery of a group named clusters.
	if ri.Cluster == "" && len(parts) > 1 && parts[0] == "clusters" {
		ri.Cluster, parts = parts[1], parts[2:]
		ri.Path = behindCluster(path, append([]string{ri.APIPrefix}, parts...))
	}
	if ri.APIPrefix == "api" {
		if len(parts) < 1 {
			return ri, nil
		}
		ri.APIVersion, parts = parts[0], parts[1:]
	} else {
		if len(parts) < 2 {
			return ri, nil
		}
		ri.APIGroup, ri.APIVersion, parts = parts[0], parts[1], parts[2:]
	}
	if len(parts) == 0 {
		return ri, nil // discovery of a group version
	}

	ri.IsResourceRequest = true
	switch method {
	case http.MethodPost:
		ri.Verb = "create"
	case http.MethodGet, http.MethodHead:
		ri.Verb = "get"
	case http.MethodPut:
		ri.Verb = "update"
	case http.MethodPatch:
		ri.Verb = "patch"
	case http.MethodDelete:
		ri.Verb = "delete"
	default:
		return ri, &InvalidError{Field: "method", Reason: fmt.Sprintf("%q is not a method of the Kubernetes API", method)}
	}
	// The legacy /watch/ segment.
	if parts[0] == "watch" {
		if ri.Verb != "get" {
			return ri, &InvalidError{Field: "method", Reason: "a watch path is only read with GET"}
		}
		ri.Verb, parts = "watch", parts[1:]
		if len(parts) == 0 {
			return ri, &InvalidError{Field: "path", Reason: "a watch path names no resource"}
		}
	}
	if parts[0] == "workspaces" || parts[0] == "workspacetemplates" {
		if len(parts) > 1 {
			ri.Workspace = parts[1]
		}
		if len(parts) > 2 {
			parts = parts[2:]
		}
	}
	if parts[0] == "namespaces" && len(parts) > 1 {
		ri.Namespace = parts[1]
		if len(parts) > 2 && !slices.Contains(namespaceSubresources, parts[2]) {
			parts = parts[2:]
		}
	}
	ri.Parts = parts
	ri.Resource = parts[0]
	if len(parts) > 1 {
		ri.Name = parts[1]
	}
	if len(parts) > 2 {
		ri.Subresource = parts[2]
	}

	if ri.Name == "" {
		switch ri.Verb {
		case "get":
			ri.Verb = "list"
			if w := query.Get("watch"); w == "true" || w == "1" {
				ri.Verb = "watch"
			}
		case "delete":
			ri.Verb = "deletecollection"
		}
	}
	if (ri.Verb == "list" || ri.Verb == "watch") && query.Has("fieldSelector") {
		sel, err := fields.ParseSelector(query.Get("fieldSelector"))
		if err != nil {
			return ri, &InvalidError{Field: "fieldSelector", Reason: err.Error()}
		}
		if name, ok := sel.RequiresExactMatch("metadata.name"); ok {
			ri.Name = name
		}
	}

	switch {
	case slices.Contains(globalResources, ri.Resource) && ri.Namespace == "":
		ri.Scope = ScopeGlobal
		if ri.Workspace != "" {
			ri.Scope = ScopeWorkspace
		}
	case ri.Namespace != "":
		ri.Scope = ScopeNamespace
	case ri.Workspace != "":
		ri.Scope = ScopeWorkspace
	default:
		ri.Scope = ScopeCluster
	}
	if ri.Verb == "watch" && ri.Workspace == "" && ri.Scope != ScopeNamespace && query.Has("labelSelector") {
		sel, err := labels.Parse(query.Get("labelSelector"))
		if err != nil {
			return ri, &InvalidError{Field: "labelSelector", Reason: err.Error()}
		}
		if ws, ok := exactLabel(sel, tenantv1beta1.WorkspaceLabel); ok {
			ri.Workspace, ri.Scope = ws, ScopeWorkspace
		}
	}
	return ri, nil
}

func isAPIPrefix(segment string) bool {
	return segment == "api" || segment == "apis" || segment == "kapis"
}

// behindCluster is the path the cluster dispatcher serves: rest (the
// segments after the cluster ones), keeping path's trailing slash.
func behindCluster(path string, rest []string) string {
	p := "/" + strings.Join(rest, "/")
	if len(rest) > 0 && strings.HasSuffix(path, "/") {
		p += "/"
	}
	return p
}

// exactLabel is the single value sel requires for key, if it requires one.
func exactLabel(sel labels.Selector, key string) (string, bool) {
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		if r.Key() != key {
			continue
		}
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			if vals := r.ValuesUnsorted(); len(vals) == 1 && vals[0] != "" {
				return vals[0], true
			}
		}
	}
	return "", false
}

// Attributes turns the request into what Authorize decides, for user.
func (ri *RequestInfo) Attributes(user User) Attributes {
	a := Attributes{User: user, Verb: ri.Verb, Cluster: ri.Cluster}
	if !ri.IsResourceRequest {
		a.NonResourcePath = ri.Path
		if a.NonResourcePath == "" {
			a.NonResourcePath = "/"
		}
		return a
	}
	a.APIPrefix, a.APIGroup, a.Resource, a.Subresource, a.Name = ri.APIPrefix, ri.APIGroup, ri.Resource, ri.Subresource, ri.Name
	a.Namespace, a.Workspace, a.Scope = ri.Namespace, ri.Workspace, ri.Scope
	return a
}
