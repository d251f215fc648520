package alerting

import (
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/tenancy"
)

// InvalidError reports an input an operation refuses, naming the field
// (such as "spec.rules[2].expr") and why. Nothing was written.
type InvalidError = fielderr.Invalid

// NotFoundError reports an unknown namespace or rule group
// (errors.Is(err, tenancy.ErrNotFound)). Nothing was written.
type NotFoundError = fielderr.NotFound

// ConflictError reports a write the current state does not allow, such as
// creating a rule group that exists. Nothing was written.
type ConflictError = fielderr.Conflict

// ForbiddenError reports an operation the user a Client acts for may not
// perform (tenancy's type: errors.Is(err, tenancy.ErrForbidden)). Nothing
// was written.
type ForbiddenError = tenancy.ForbiddenError
