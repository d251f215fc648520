package ippools

import (
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/tenancy"
)

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = fielderr.ErrNotFound

// InvalidError reports an input the rules refuse on its own, such as a
// malformed CIDR or a rangeEnd before rangeStart, naming the input (Field)
// and why (Reason). Nothing was written when an operation returns it. It is
// the SDK's one input-error shape (tenancy.InvalidError is the same type).
type InvalidError = fielderr.Invalid

// NotFoundError reports that an input names an object that does not exist:
// a pool, a workspace or a namespace. errors.Is(err, ErrNotFound) is true
// for it, and when the API server said so it wraps that answer, so
// apierrors.IsNotFound sees it too. Nothing was written.
type NotFoundError = fielderr.NotFound

// ConflictError reports an input that conflicts with what exists: a CIDR
// overlapping another pool's, a second default pool, deleting or disabling
// a pool in use. Nothing was written.
type ConflictError = fielderr.Conflict

// ForbiddenError reports an operation the user a Client acts for
// (ClientOptions.OnBehalfOf) may not perform (tenancy's type:
// errors.Is(err, tenancy.ErrForbidden)). Nothing was read or written.
type ForbiddenError = tenancy.ForbiddenError
