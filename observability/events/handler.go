package events

import (
	"net/http"

	"github.com/spherekit/spherekit/observability/internal/kapi"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Paths NewHandler serves: KubeSphere 3.x's tenant API path, and the path
// in the logging API group of 4.x's extensions.
const (
	TenantPath  = "/kapis/tenant.kubesphere.io/v1alpha2/events"
	LoggingPath = "/kapis/logging.kubesphere.io/v1alpha2/events"
)

// HandlerOptions configures NewHandler. Both fields are required.
type HandlerOptions struct {
	Client *Client
	// Caller returns who sends a request (authn.Caller, for instance).
	Caller func(*http.Request) (authz.User, error)
}

// NewHandler returns an http.Handler serving GET on TenantPath and
// LoggingPath with KubeSphere's event parameters (ParseEventQuery),
// answering JSON in KubeSphere's shapes, each request scoped to what its
// caller may read. Errors answer a Kubernetes Status: 400 for a bad
// parameter, 401 when Caller fails, 404 for another path, 405 for a
// method but GET.
func NewHandler(opts HandlerOptions) (http.Handler, error) {
	switch {
	case opts.Client == nil:
		return nil, &InvalidError{Field: "Client", Reason: "required"}
	case opts.Caller == nil:
		return nil, &InvalidError{Field: "Caller", Reason: "required"}
	}
	return kapi.JSONEndpoint([]string{TenantPath, LoggingPath}, ParseEventQuery, opts.Caller, opts.Client.Query), nil
}
