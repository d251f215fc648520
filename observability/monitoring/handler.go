package monitoring

import (
	"context"
	"errors"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// HandlerOptions configures NewHandler. All fields are required.
type HandlerOptions struct {
	// Client answers the queries.
	Client *Client
	// Authorizer decides every request.
	Authorizer *authz.Authorizer
	// Caller returns who sends a request, from the host's authentication
	// (authn.Caller, for instance).
	Caller func(*http.Request) (authz.User, error)
}

// NewHandler returns a read-only http.Handler serving KubeSphere's
// monitoring API under PathPrefix (mount it there without stripping the
// prefix):
//
//	GET cluster
//	GET nodes, nodes/{node}, nodes/{node}/pods, nodes/{node}/pods/{pod}
//	GET workspaces, workspaces/{workspace}, workspaces/{workspace}/namespaces
//	GET namespaces, namespaces/{namespace}
//	GET namespaces/{namespace}/workloads, .../workloads/{kind},
//	    .../workloads/{kind}/{workload}/pods
//	GET pods, namespaces/{namespace}/pods, .../pods/{pod},
//	    .../pods/{pod}/containers, .../containers/{container}
//	GET namespaces/{namespace}/persistentvolumeclaims, .../{pvc},
//	    storageclasses/{storageclass}/persistentvolumeclaims
//	GET namespaces/{namespace}/ingresses, .../ingresses/{ingress}
//	GET components/{etcd|apiserver|scheduler}
//
// with the query parameters ParseRequest reads, answering Metrics as JSON.
// A namespaced request for a time before its namespace existed answers, as
// KubeSphere does, every selected metric with no data.
//
// Every request is authorized before anything is read: the path as
// KubeSphere's gateway resolves it (authz.ParseRequest: API group
// monitoring.kubesphere.io, the resource the path names, in the namespace
// or workspace it names), for the caller. The collections namespaces,
// workspaces and workspaces/{workspace}/namespaces are also open to a
// caller refused the whole collection: they then answer only the items the
// caller may read one by one (GET namespaces/{namespace} or
// workspaces/{workspace} of this API), filtered before sorting and paging,
// and 403 when there are none.
//
// Errors answer a Kubernetes Status object: 400 for bad parameters, 401
// when Caller fails, 403 when the Authorizer refuses, 404 for a path that
// is no route or a namespace that does not exist, 405 for any method but
// GET.
func NewHandler(opts HandlerOptions) (http.Handler, error) {
	switch {
	case opts.Client == nil:
		return nil, &InvalidError{Field: "Client", Reason: "required"}
	case opts.Authorizer == nil:
		return nil, &InvalidError{Field: "Authorizer", Reason: "required"}
	case opts.Caller == nil:
		return nil, &InvalidError{Field: "Caller", Reason: "required"}
	}
	return &handler{opts: opts}, nil
}

type handler struct{ opts HandlerOptions }

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
	req, err := ParseRequest(rest, r.URL.Query())
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) && inv.Field == "path" {
			apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, err.Error())
			return
		}
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	user, err := h.opts.Caller(r)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "identify the caller: "+err.Error())
		return
	}
	ctx := r.Context()
	allowed, refusal, err := h.authorize(ctx, r.URL.Path, user)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusForbidden, metav1.StatusReasonForbidden, err.Error())
		return
	}
	var only map[string]bool
	if !allowed {
		if !req.listing {
			apistatus.WriteFailure(w, http.StatusForbidden, metav1.StatusReasonForbidden, refusal)
			return
		}
		only = h.readable(ctx, user, req.Target)
		if len(only) == 0 {
			apistatus.WriteFailure(w, http.StatusForbidden, metav1.StatusReasonForbidden, refusal)
			return
		}
	}
	res, err := h.query(ctx, req, only)
	switch {
	case errors.Is(err, ErrBeforeCreation):
		apistatus.WriteJSON(w, http.StatusOK, noHit(req.Metrics))
	case errors.Is(err, ErrNotFound):
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, err.Error())
	case err != nil:
		var inv *InvalidError
		if errors.As(err, &inv) {
			apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
			return
		}
		apistatus.WriteFailure(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
	default:
		apistatus.WriteJSON(w, http.StatusOK, res)
	}
}

// authorize decides the request path for user; refusal explains a denial.
func (h *handler) authorize(ctx context.Context, path string, user authz.User) (allowed bool, refusal string, err error) {
	ri, err := authz.ParseRequestInfo(http.MethodGet, path, nil)
	if err != nil {
		return false, "", err
	}
	d, err := h.opts.Authorizer.Explain(ctx, ri.Attributes(user))
	if err != nil {
		return false, "", err
	}
	return d.Allowed, d.String(), nil
}

// readable is the set of namespaces (or workspaces) of a listing the user
// may read one by one.
func (h *handler) readable(ctx context.Context, user authz.User, t Target) map[string]bool {
	var candidates authz.Visible
	item := "namespaces/"
	if t.Level == LevelWorkspace {
		candidates = h.opts.Authorizer.VisibleWorkspaces(ctx, user)
		item = "workspaces/"
	} else {
		candidates = h.opts.Authorizer.VisibleProjects(ctx, user, t.Workspace)
	}
	if candidates.All {
		// Seeing every one is not reading every one's metrics; without a
		// list of names there is nothing to check one by one.
		return nil
	}
	out := map[string]bool{}
	for _, name := range candidates.Names {
		if ok, _, err := h.authorize(ctx, PathPrefix+item+name, user); err == nil && ok {
			out[name] = true
		}
	}
	return out
}

func (h *handler) query(ctx context.Context, req *Request, only map[string]bool) (*Metrics, error) {
	if len(req.Metrics) == 0 {
		return &Metrics{Results: []MetricResult{}}, nil
	}
	c := h.opts.Client
	if req.Range != nil {
		res, err := c.QueryRange(ctx, req.Target, req.Metrics, *req.Range)
		if err != nil {
			return nil, err
		}
		keepOnly(res, req.Target.Level.identifier(), only)
		return res, nil
	}
	opts := req.Instant
	opts.SortMetric, opts.SortType, opts.Page, opts.Limit = "", "", 0, 0
	res, err := c.Query(ctx, req.Target, req.Metrics, opts)
	if err != nil {
		return nil, err
	}
	keepOnly(res, req.Target.Level.identifier(), only)
	if req.Instant.SortMetric != "" {
		res.Sort(req.Instant.SortMetric, req.Instant.SortType, req.Target.Level.identifier())
		res.Paginate(req.Instant.Page, req.Instant.Limit)
	}
	return res, nil
}

// keepOnly drops the series whose identifier is not in only (nil keeps
// all).
func keepOnly(m *Metrics, identifier string, only map[string]bool) {
	if only == nil {
		return
	}
	for i := range m.Results {
		kept := m.Results[i].Data.Result[:0]
		for _, s := range m.Results[i].Data.Result {
			if only[s.Labels[identifier]] {
				kept = append(kept, s)
			}
		}
		m.Results[i].Data.Result = kept
	}
}

// noHit is KubeSphere's answer for a time before a namespace existed:
// every metric, with no data.
func noHit(metrics []string) *Metrics {
	res := &Metrics{Results: make([]MetricResult, len(metrics))}
	for i, m := range metrics {
		res.Results[i] = MetricResult{MetricName: m}
	}
	return res
}
