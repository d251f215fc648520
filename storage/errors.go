package storage

import (
	"errors"
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError reports an input the operation refuses: Field names it and
// Reason says why. Nothing was written. It is the SDK's one input-error
// shape (tenancy.InvalidError is the same type).
type InvalidError = fielderr.Invalid

// NotFoundError reports an unknown StorageClass, namespace or workspace
// (errors.Is(err, ErrNotFound)); when the API server said so it unwraps to
// its answer, so apierrors.IsNotFound sees it too. Nothing was written.
type NotFoundError = fielderr.NotFound

// ErrNotFound matches every *NotFoundError with errors.Is.
var ErrNotFound = fielderr.ErrNotFound

// ErrAccessDenied matches every *AccessDeniedError with errors.Is.
var ErrAccessDenied = errors.New("storage class access denied")

// AccessDeniedError reports that an Accessor does not let a namespace use
// its StorageClass.
type AccessDeniedError struct {
	// Accessor is the name of the Accessor that refuses.
	Accessor string
	// StorageClass is the class it limits.
	StorageClass string
	// Namespace is the namespace refused, and Workspace its workspace (empty
	// when it has none).
	Namespace string
	Workspace string
	// Field is the selector that failed: "spec.namespaceSelector.labelSelector",
	// "spec.namespaceSelector.fieldSelector", or the same under
	// spec.workspaceSelector; or "metadata.labels" when the namespace names
	// a workspace that does not exist.
	Field string
	// Reason says why, in words.
	Reason string
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("accessor %q of storage class %q denies namespace %q: %s: %s", e.Accessor, e.StorageClass, e.Namespace, e.Field, e.Reason)
}

// Is reports whether target is ErrAccessDenied.
func (e *AccessDeniedError) Is(target error) bool { return target == ErrAccessDenied }
