package resources

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/apistatus"
)

// PathPrefix is where the handler serves the KubeSphere resources API.
const PathPrefix = "/kapis/resources.kubesphere.io/v1alpha3/"

// Verbs the handler asks the Authorizer about.
const (
	VerbList = "list"
	VerbGet  = "get"
)

// ResourceAttributes describe one request to the handler, in the terms of a
// Kubernetes RBAC rule.
type ResourceAttributes struct {
	// Verb is VerbList or VerbGet.
	Verb string
	// APIGroup and Resource name the resource ("" and "pods", "apps" and
	// "deployments").
	APIGroup string
	Resource string
	// Namespace is "" for a cluster-scoped resource or a list across all
	// namespaces.
	Namespace string
	// Name is set for a get.
	Name string
}

// Authorizer decides whether a request may read what it asks for. It is
// called before anything is read, once for what the path names and once
// for each other kind the query's filters read (see NewHandler); r carries
// the caller's identity as the host's authentication put it there. A
// non-nil error refuses the request with 403 Forbidden and the error's
// text.
type Authorizer interface {
	AuthorizeResource(ctx context.Context, r *http.Request, attrs ResourceAttributes) error
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, r *http.Request, attrs ResourceAttributes) error

// AuthorizeResource calls f.
func (f AuthorizerFunc) AuthorizeResource(ctx context.Context, r *http.Request, attrs ResourceAttributes) error {
	return f(ctx, r, attrs)
}

// HandlerOptions configures NewHandler. Reader, Mapper, Scheme and
// Authorizer are required.
type HandlerOptions struct {
	// Resources lists what the handler serves, by API group and plural
	// resource name; empty means DefaultResources(). A request for anything
	// else answers 404 Not Found without reading anything, so a cache never
	// starts an informer for it. When several entries share a resource name
	// (roles of rbac.authorization.k8s.io and of iam.kubesphere.io), the
	// first one the Mapper knows is served.
	Resources []schema.GroupResource
	// Reader is where objects are read from, normally a manager's cache
	// (mgr.GetCache()). It should have StripForCache as its transform.
	Reader client.Reader
	// Mapper maps a plural resource name to its kind and scope, e.g. a
	// manager's mgr.GetRESTMapper().
	Mapper meta.RESTMapper
	// Scheme makes typed objects and lists for the kinds it knows, so the
	// per-kind filters apply; other kinds are read as unstructured.
	Scheme *runtime.Scheme
	// Authorizer decides every request.
	Authorizer Authorizer
}

// NewHandler returns a read-only http.Handler serving the KubeSphere
// resources API (v1alpha3) under PathPrefix:
//
//	GET /kapis/resources.kubesphere.io/v1alpha3/{resource}
//	GET /kapis/resources.kubesphere.io/v1alpha3/{resource}/{name}
//	GET /kapis/resources.kubesphere.io/v1alpha3/namespaces/{namespace}/{resource}
//	GET /kapis/resources.kubesphere.io/v1alpha3/namespaces/{namespace}/{resource}/{name}
//
// It serves only the resources in opts.Resources (DefaultResources when
// empty). A list takes the query parameters ParseQuery reads and answers
// {"items":[...],"totalItems":N}; a get answers the object.
//
// Every read is authorized first, with the request's Authorizer: the
// resource the path names (verb list or get), and the other objects a
// list's filters read, whether or not that kind is served: the serviceName
// filter reads the named Service (get services, with its name, in the
// list's namespace), and the ownerKind and ownerReference filters on pods
// read the pods' ReplicaSets (get replicasets.apps in the list's
// namespace). A refused lookup refuses the whole request with 403 rather
// than quietly matching nothing, so a caller can tell "no such pods" from
// "not allowed to filter by this".
//
// Errors answer a Kubernetes Status object: 400 for an *InvalidError, 403
// when the Authorizer refuses, 404 for a resource that is not served or
// that the Mapper does not know, or a missing object, 405 for any method
// but GET.
func NewHandler(opts HandlerOptions) (http.Handler, error) {
	switch {
	case opts.Reader == nil:
		return nil, &InvalidError{Field: "Reader", Reason: "required"}
	case opts.Mapper == nil:
		return nil, &InvalidError{Field: "Mapper", Reason: "required"}
	case opts.Scheme == nil:
		return nil, &InvalidError{Field: "Scheme", Reason: "required"}
	case opts.Authorizer == nil:
		return nil, &InvalidError{Field: "Authorizer", Reason: "required"}
	}
	served := opts.Resources
	if len(served) == 0 {
		served = DefaultResources()
	}
	h := &handler{opts: opts, served: make(map[string][]schema.GroupResource, len(served))}
	for i, gr := range served {
		if gr.Resource == "" || strings.ContainsAny(gr.Resource, "/.:") {
			return nil, &InvalidError{Field: fmt.Sprintf("Resources[%d]", i), Reason: fmt.Sprintf("%q is not a plural resource name", gr.Resource)}
		}
		h.served[gr.Resource] = append(h.served[gr.Resource], gr)
	}
	return h, nil
}

// DefaultResources returns what NewHandler serves when
// HandlerOptions.Resources is empty: the resources KubeSphere v3.4.1's
// resources API (v1alpha3, with its v1alpha2 fallback) serves from
// Kubernetes and from KubeSphere's own core groups:
//
//	""                         configmaps, secrets, pods, services, serviceaccounts,
//	                           persistentvolumeclaims, persistentvolumes, namespaces, nodes
//	apps                       deployments, daemonsets, statefulsets
//	batch                      jobs, cronjobs
//	autoscaling                horizontalpodautoscalers
//	networking.k8s.io          ingresses, networkpolicies
//	storage.k8s.io             storageclasses
//	snapshot.storage.k8s.io    volumesnapshots, volumesnapshotclasses, volumesnapshotcontents
//	apiextensions.k8s.io       customresourcedefinitions
//	rbac.authorization.k8s.io  roles, rolebindings, clusterroles, clusterrolebindings
//	tenant.kubesphere.io       workspaces, workspacetemplates
//	iam.kubesphere.io          users, globalroles, globalrolebindings, workspaceroles,
//	                           workspacerolebindings, groups, groupbindings, loginrecords
//	cluster.kubesphere.io      clusters
//
// KubeSphere also serves the kinds of its add-ons (DevOps projects and S2I,
// network IP pools, notification settings, monitoring dashboards,
// applications of app.k8s.io, kubefed's federated types); list them in
// HandlerOptions.Resources where the host has them.
//
// Secrets are served, as KubeSphere does: the first authorized list of
// Secrets makes a controller-runtime cache watch and hold every Secret of
// the cluster. A host that does not want that leaves secrets out of its
// own list, or restricts the cache (cache.Options.ByObject).
//
// Each call returns a new slice, for the caller to change.
func DefaultResources() []schema.GroupResource {
	var out []schema.GroupResource
	for _, g := range []struct {
		group     string
		resources []string
	}{
		{"", []string{"configmaps", "secrets", "pods", "services", "serviceaccounts", "persistentvolumeclaims", "persistentvolumes", "namespaces", "nodes"}},
		{"apps", []string{"deployments", "daemonsets", "statefulsets"}},
		{"batch", []string{"jobs", "cronjobs"}},
		{"autoscaling", []string{"horizontalpodautoscalers"}},
		{"networking.k8s.io", []string{"ingresses", "networkpolicies"}},
		{"storage.k8s.io", []string{"storageclasses"}},
		{"snapshot.storage.k8s.io", []string{"volumesnapshots", "volumesnapshotclasses", "volumesnapshotcontents"}},
		{"apiextensions.k8s.io", []string{"customresourcedefinitions"}},
		{"rbac.authorization.k8s.io", []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"}},
		{"tenant.kubesphere.io", []string{"workspaces", "workspacetemplates"}},
		{"iam.kubesphere.io", []string{"users", "globalroles", "globalrolebindings", "workspaceroles", "workspacerolebindings", "groups", "groupbindings", "loginrecords"}},
		{"cluster.kubesphere.io", []string{"clusters"}},
	} {
		for _, r := range g.resources {
			out = append(out, schema.GroupResource{Group: g.group, Resource: r})
		}
	}
	return out
}

type handler struct {
	opts HandlerOptions
	// served maps a plural resource name to the served resources of that
	// name, in the order of HandlerOptions.Resources.
	served map[string][]schema.GroupResource
}

// ListResult is the body of a list response.
type ListResult struct {
	Items      []runtime.Object `json:"items"`
	TotalItems int              `json:"totalItems"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "method "+r.Method+" is not allowed; this API is read-only")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, PathPrefix)
	if !ok {
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no route for "+r.URL.Path)
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	var namespace, resource, name string
	switch {
	case len(parts) >= 3 && parts[0] == "namespaces" && len(parts) <= 4:
		namespace, resource = parts[1], parts[2]
		if len(parts) == 4 {
			name = parts[3]
		}
	case len(parts) == 1 || len(parts) == 2:
		resource = parts[0]
		if len(parts) == 2 {
			name = parts[1]
		}
	default:
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no route for "+r.URL.Path)
		return
	}
	if resource == "" || (len(parts) == 4 && name == "") || (len(parts) >= 3 && namespace == "") {
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no route for "+r.URL.Path)
		return
	}
	if err := h.serve(w, r, namespace, resource, name); err != nil {
		writeError(w, err)
	}
}

// forbiddenError marks an Authorizer refusal.
type forbiddenError struct{ err error }

func (e *forbiddenError) Error() string { return e.err.Error() }
func (e *forbiddenError) Unwrap() error { return e.err }

// unknownResourceError marks a resource the mapper does not know.
type unknownResourceError struct{ resource string }

func (e *unknownResourceError) Error() string {
	return fmt.Sprintf("the server could not find the requested resource %q", e.resource)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, namespace, resource, name string) error {
	ctx := r.Context()
	gvk, namespaced, err := h.kindFor(resource)
	if err != nil {
		return err
	}
	if !namespaced && namespace != "" {
		return &unknownResourceError{resource: "namespaces/" + namespace + "/" + resource}
	}
	if namespaced && name != "" && namespace == "" {
		return &InvalidError{Field: "namespace", Reason: resource + " are namespaced; get one under namespaces/{namespace}/" + resource}
	}
	attrs := ResourceAttributes{Verb: VerbList, APIGroup: gvk.Group, Resource: resource, Namespace: namespace, Name: name}
	if name != "" {
		attrs.Verb = VerbGet
	}
	if err := h.opts.Authorizer.AuthorizeResource(ctx, r, attrs); err != nil {
		return &forbiddenError{err: err}
	}

	if name != "" {
		obj, err := h.newObject(gvk)
		if err != nil {
			return err
		}
		if err := h.opts.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj); err != nil {
			return err
		}
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		apistatus.WriteJSON(w, http.StatusOK, obj)
		return nil
	}

	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	if namespace != "" {
		q.Namespace = namespace
	}
	for _, lookup := range lookups(gvk, q) {
		if err := h.opts.Authorizer.AuthorizeResource(ctx, r, lookup.attrs); err != nil {
			return &forbiddenError{err: fmt.Errorf("the %s filter reads %s: %w", lookup.param, lookup.attrs.Resource, err)}
		}
	}
	list, err := h.newList(gvk)
	if err != nil {
		return err
	}
	total, err := List(ctx, h.opts.Reader, list, q)
	if err != nil {
		return err
	}
	res := ListResult{Items: []runtime.Object{}, TotalItems: total}
	err = meta.EachListItem(list, func(o runtime.Object) error {
		o.GetObjectKind().SetGroupVersionKind(gvk)
		res.Items = append(res.Items, o)
		return nil
	})
	if err != nil {
		return err
	}
	apistatus.WriteJSON(w, http.StatusOK, res)
	return nil
}

// kindFor maps a served plural resource to its preferred kind and scope.
// A resource that is not served, or that the Mapper does not know, is an
// *unknownResourceError, found without reading anything.
func (h *handler) kindFor(resource string) (schema.GroupVersionKind, bool, error) {
	for _, gr := range h.served[resource] {
		kinds, err := h.opts.Mapper.KindsFor(schema.GroupVersionResource{Group: gr.Group, Resource: gr.Resource})
		if meta.IsNoMatchError(err) || (err == nil && len(kinds) == 0) {
			continue
		}
		if err != nil {
			return schema.GroupVersionKind{}, false, fmt.Errorf("map resource %s: %w", gr, err)
		}
		gvk := kinds[0] // the preferred version
		mapping, err := h.opts.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return gvk, false, fmt.Errorf("map kind %s: %w", gvk, err)
		}
		return gvk, mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
	}
	return schema.GroupVersionKind{}, false, &unknownResourceError{resource: resource}
}

func (h *handler) newObject(gvk schema.GroupVersionKind) (client.Object, error) {
	if h.opts.Scheme.Recognizes(gvk) {
		o, err := h.opts.Scheme.New(gvk)
		if err != nil {
			return nil, err
		}
		if co, ok := o.(client.Object); ok {
			return co, nil
		}
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

func (h *handler) newList(gvk schema.GroupVersionKind) (client.ObjectList, error) {
	lgvk := gvk.GroupVersion().WithKind(gvk.Kind + "List")
	if h.opts.Scheme.Recognizes(lgvk) {
		o, err := h.opts.Scheme.New(lgvk)
		if err != nil {
			return nil, err
		}
		if l, ok := o.(client.ObjectList); ok {
			return l, nil
		}
	}
	u := &unstructured.UnstructuredList{}
	u.SetGroupVersionKind(lgvk)
	return u, nil
}

func writeError(w http.ResponseWriter, err error) {
	var invalid *InvalidError
	var forbidden *forbiddenError
	var unknown *unknownResourceError
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &invalid):
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
	case errors.As(err, &forbidden):
		apistatus.WriteFailure(w, http.StatusForbidden, metav1.StatusReasonForbidden, err.Error())
	case errors.As(err, &unknown):
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, err.Error())
	case apierrors.IsNotFound(err):
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, err.Error())
	case errors.As(err, &status) && status.Status().Code != 0:
		s := status.Status()
		apistatus.WriteFailure(w, int(s.Code), s.Reason, s.Message)
	default:
		apistatus.WriteFailure(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
	}
}
