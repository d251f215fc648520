package monitoring

import (
	"errors"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError (scope.go) is the package's input error: the SDK's one
// shape, internal/fielderr.Invalid.

// NotFoundError reports that an input names an object that does not exist,
// such as the namespace of a Target. errors.Is(err, ErrNotFound) holds.
type NotFoundError = fielderr.NotFound

// ErrNotFound is matched by every *NotFoundError.
var ErrNotFound = fielderr.ErrNotFound

// ErrBeforeCreation is returned (wrapped) by Query and QueryRange when a
// namespaced Target is asked about a time (or a range ending) before its
// namespace was created: there can be no data. Its text is KubeSphere's, and
// the handler answers such a request as KubeSphere does, with every metric
// present and empty.
var ErrBeforeCreation = errors.New("'end' or 'time' must be after the namespace creation time.") //nolint:staticcheck // KubeSphere's text, kept verbatim
