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

// ErrUnsupported is wrapped by the *InvalidError of an operation the
// claim's storage class cannot do (snapshot, clone, expand), so callers can
// tell it from other bad input with errors.Is.
var ErrUnsupported = errors.New("not supported by the storage class")

// ErrFailed matches every *FailedError with errors.Is.
var ErrFailed = errors.New("storage operation failed")

// FailedError reports that an operation the Client started did not finish:
// a snapshot that did not become ready, a claim that was not provisioned, an
// expansion the resizer found infeasible. Reason carries what the cluster
// said (a snapshot's status.error, the provisioner's last ProvisioningFailed
// event, the claim's resize conditions). Removed reports that the Client
// deleted the object it had created for the operation, so nothing half-made
// stays. When the wait ended with ctx, it unwraps to ctx's error.
type FailedError struct {
	// Operation is "snapshot", "restore", "clone", "provision" or "expand".
	Operation string
	// Kind, Namespace and Name name the object that did not get there.
	Kind      string
	Namespace string
	Name      string
	Reason    string
	Removed   bool
	Err       error
}

func (e *FailedError) Error() string {
	s := fmt.Sprintf("%s: %s %s/%s: %s", e.Operation, e.Kind, e.Namespace, e.Name, e.Reason)
	if e.Removed {
		s += " (removed)"
	}
	return s
}

// Unwrap returns the error that ended the wait, if any.
func (e *FailedError) Unwrap() error { return e.Err }

// Is reports whether target is ErrFailed.
func (e *FailedError) Is(target error) bool { return target == ErrFailed }

// ForbiddenError reports that the user a Client acts for
// (ClientOptions.OnBehalfOf) may not make a request the operation needs;
// nothing was read or written past the check (errors.Is(err,
// ErrForbidden)).
type ForbiddenError = fielderr.Forbidden

// ErrForbidden matches every *ForbiddenError with errors.Is.
var ErrForbidden = fielderr.ErrForbidden
