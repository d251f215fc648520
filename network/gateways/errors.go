package gateways

import (
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/tenancy"
)

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = fielderr.ErrNotFound

// InvalidError reports an input an operation refuses, naming the input
// (Field: an argument, an Options field such as "Listeners[0].Port", or a
// path into the object the API server refused, such as
// "spec.listeners[0].tls") and why (Reason). Nothing was written when an
// operation returns it. It is the SDK's one input-error shape
// (tenancy.InvalidError is the same type).
type InvalidError = fielderr.Invalid

// NotFoundError reports that an input refers to an object that does not
// exist: an unknown workspace, project, namespace, GatewayClass or
// IngressClass. errors.Is(err, ErrNotFound) is true for it, and when the
// API server said so it wraps that answer, so apierrors.IsNotFound sees it
// too. Nothing was written when an operation returns it.
type NotFoundError = fielderr.NotFound

// ConflictError reports an operation that would take over an object that
// is not its own, such as a Gateway of the same name that belongs to
// another scope, or that spherekit did not write. Nothing was written when
// an operation returns it.
type ConflictError = fielderr.Conflict

// ForbiddenError reports an operation the user a Client acts for
// (ClientOptions.OnBehalfOf) may not perform (tenancy's type:
// errors.Is(err, tenancy.ErrForbidden)). Nothing was read or written.
type ForbiddenError = tenancy.ForbiddenError
