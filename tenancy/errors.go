package tenancy

import (
	"errors"
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = fielderr.ErrNotFound

// ErrForbidden is matched (errors.Is) by every *ForbiddenError.
var ErrForbidden = errors.New("forbidden")

// ForbiddenError reports an operation the user a Client acts for
// (ClientOptions.OnBehalfOf) may not perform, such as granting a role with
// permissions they do not hold. Nothing was written.
type ForbiddenError struct {
	// User is who the Client acts for.
	User string
	// Reason says what they lack, from the Authorizer's explanation.
	Reason string
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("forbidden: user %q: %s", e.User, e.Reason)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

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
