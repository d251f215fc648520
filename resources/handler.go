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
// called before anything is read; r carries the caller's identity as the
// host's authentication put it there. A non-nil error refuses the request
// with 403 Forbidden and the error's text.
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
// A list takes the query parameters ParseQuery reads and answers
// {"items":[...],"totalItems":N}; a get answers the object. Errors answer a
// Kubernetes Status object: 400 for an *InvalidError, 403 when the
// Authorizer refuses, 404 for an unknown resource or object, 405 for any
// method but GET.
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
	return &handler{opts: opts}, nil
}

type handler struct {
	opts HandlerOptions
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

// kindFor maps a plural resource to its preferred kind and scope.
func (h *handler) kindFor(resource string) (schema.GroupVersionKind, bool, error) {
	if strings.ContainsAny(resource, ".:") {
		return schema.GroupVersionKind{}, false, &unknownResourceError{resource: resource}
	}
	gvk, err := h.opts.Mapper.KindFor(schema.GroupVersionResource{Resource: resource})
	if err != nil {
		var amb *meta.AmbiguousResourceError
		if !errors.As(err, &amb) {
			if meta.IsNoMatchError(err) {
				return gvk, false, &unknownResourceError{resource: resource}
			}
			return gvk, false, fmt.Errorf("map resource %q: %w", resource, err)
		}
		// Several groups serve the name: prefer one the scheme knows.
		kinds, err := h.opts.Mapper.KindsFor(schema.GroupVersionResource{Resource: resource})
		if err != nil || len(kinds) == 0 {
			return gvk, false, &unknownResourceError{resource: resource}
		}
		gvk = kinds[0]
		for _, k := range kinds {
			if h.opts.Scheme.Recognizes(k) {
				gvk = k
				break
			}
		}
	}
	mapping, err := h.opts.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return gvk, false, fmt.Errorf("map kind %s: %w", gvk, err)
	}
	return gvk, mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
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
