package logging

import (
	"errors"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Paths NewHandler serves: KubeSphere 3.x's tenant API path, and the path
// this API has in the logging API group of 4.x's extensions.
const (
	TenantPath  = "/kapis/tenant.kubesphere.io/v1alpha2/logs"
	LoggingPath = "/kapis/logging.kubesphere.io/v1alpha2/logs"
)

// HandlerOptions configures NewHandler. Both fields are required.
type HandlerOptions struct {
	// Client answers the queries.
	Client *Client
	// Caller returns who sends a request, from the host's authentication
	// (authn.Caller, for instance).
	Caller func(*http.Request) (authz.User, error)
}

// NewHandler returns an http.Handler serving GET on TenantPath and
// LoggingPath with KubeSphere's parameters (ParseLogQuery): JSON in
// KubeSphere's shape for query, statistics and histogram, and for export
// the log lines as text/plain, streamed as an attachment.
//
// Each request reads only what its caller may read (Client.Filter): a
// namespace the caller may not read is answered as one without logs, as
// KubeSphere answers it, never with its records. Errors answer a
// Kubernetes Status: 400 for a bad parameter (KubeSphere answers 500), 401
// when Caller fails, 404 for another path, 405 for a method but GET.
func NewHandler(opts HandlerOptions) (http.Handler, error) {
	switch {
	case opts.Client == nil:
		return nil, &InvalidError{Field: "Client", Reason: "required"}
	case opts.Caller == nil:
		return nil, &InvalidError{Field: "Caller", Reason: "required"}
	}
	return &handler{opts: opts}, nil
}

type handler struct{ opts HandlerOptions }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != TenantPath && r.URL.Path != LoggingPath {
		apistatus.WriteFailure(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no route for "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		apistatus.WriteFailure(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "method "+r.Method+" is not allowed; this API is read-only")
		return
	}
	q, err := ParseLogQuery(r.URL.Query())
	if err != nil {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	user, err := h.opts.Caller(r)
	if err != nil {
		apistatus.WriteFailure(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "identify the caller: "+err.Error())
		return
	}
	if q.Operation == OperationExport {
		h.export(w, r, user, q)
		return
	}
	res, err := h.opts.Client.Query(r.Context(), user, q)
	if err != nil {
		writeError(w, err)
		return
	}
	apistatus.WriteJSON(w, http.StatusOK, res)
}

func (h *handler) export(w http.ResponseWriter, r *http.Request, user authz.User, q LogQuery) {
	// The scope is computed before anything is written, so that its
	// failure still gets a status.
	f, err := h.opts.Client.Filter(r.Context(), user, q)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment")
	w.WriteHeader(http.StatusOK)
	if err := h.opts.Client.export(r.Context(), f, q, w); err != nil {
		// The status is sent; as KubeSphere does, say so in the body.
		_, _ = w.Write([]byte("\nexport failed: " + err.Error() + "\n"))
	}
}

func writeError(w http.ResponseWriter, err error) {
	var inv *InvalidError
	if errors.As(err, &inv) {
		apistatus.WriteFailure(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
		return
	}
	apistatus.WriteFailure(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
}
