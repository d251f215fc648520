package authz

import "github.com/spherekit/spherekit/internal/fielderr"

// InvalidError reports an input the package refuses: a request it cannot
// evaluate, a malformed path, an object it cannot index. Field names the
// input and Reason says what is wrong with it. It is the SDK's one
// input-error shape (tenancy.InvalidError and resources.InvalidError are
// the same type).
type InvalidError = fielderr.Invalid
