package logging

import (
	"net/http"

	"github.com/spherekit/spherekit/internal/apistatus"
	"github.com/spherekit/spherekit/observability/internal/kapi"
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
	return kapi.Endpoint[LogQuery]{
		Paths:  []string{TenantPath, LoggingPath},
		Parse:  ParseLogQuery,
		Caller: opts.Caller,
		Serve: func(w http.ResponseWriter, r *http.Request, user authz.User, q LogQuery) error {
			if q.Operation == OperationExport {
				return export(w, r, opts.Client, user, q)
			}
			res, err := opts.Client.Query(r.Context(), user, q)
			if err == nil {
				apistatus.WriteJSON(w, http.StatusOK, res)
			}
			return err
		},
	}, nil
}

// export streams the log lines as an attachment. The scope is computed
// before anything is written, so that its failure still gets a status.
func export(w http.ResponseWriter, r *http.Request, c *Client, user authz.User, q LogQuery) error {
	f, err := c.Filter(r.Context(), user, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment")
	w.WriteHeader(http.StatusOK)
	if err := c.export(r.Context(), f, q, w); err != nil {
		// The status is sent; as KubeSphere does, say so in the body.
		_, _ = w.Write([]byte("\nexport failed: " + err.Error() + "\n"))
	}
	return nil
}
