package tenancy

import (
	"github.com/spherekit/spherekit/internal/fielderr"
)

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = fielderr.ErrNotFound

// ErrForbidden is matched (errors.Is) by every *ForbiddenError.
var ErrForbidden = fielderr.ErrForbidden

// ForbiddenError reports an operation the user a Client acts for
// (ClientOptions.OnBehalfOf) may not perform, such as granting a role with
// permissions they do not hold. Nothing was written. It is the SDK's one
// refusal shape: every Client that acts for a user refuses with it.
type ForbiddenError = fielderr.Forbidden

// InvalidError reports an input an operation refuses, naming the input
// (Field) and why (Reason). Nothing was written when an operation returns
// it. It is the SDK's one input-error shape (authz.InvalidError and
// resources.InvalidError are the same type).
type InvalidError = fielderr.Invalid

// NotFoundError reports that an input refers to an object that does not
// exist, such as an unknown workspace, user or role; errors.Is(err,
// ErrNotFound) is true for it. When the API server said so, it wraps that
// answer, so apierrors.IsNotFound and client.IgnoreNotFound see it too.
// Nothing was written when an operation returns it.
type NotFoundError = fielderr.NotFound

// ConflictError reports an operation that would break an invariant, such
// as a second user with the same e-mail address.
type ConflictError = fielderr.Conflict
