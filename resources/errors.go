package resources

import "github.com/spherekit/spherekit/internal/fielderr"

// InvalidError reports a query parameter or Query field that List,
// ParseQuery or the handler refuses, naming it (Field: a query parameter
// such as "limit" or a per-kind filter key such as "nodeName") and why
// (Reason). The handler answers it with 400 Bad Request. It is the SDK's
// one input-error shape (tenancy.InvalidError and authz.InvalidError are
// the same type).
type InvalidError = fielderr.Invalid
