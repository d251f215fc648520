package tenancy

import (
	"errors"
	"fmt"
)

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = errors.New("not found")

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

// InvalidError reports an input an operation refuses, naming the input and
// why. Nothing was written when an operation returns it.
type InvalidError struct {
	// Field names the input: an argument ("name", "email") or an Options
	// field ("Manager").
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// NotFoundError reports that an input refers to an object that does not
// exist, such as an unknown workspace, user or role. Nothing was written
// when an operation returns it.
type NotFoundError struct {
	// Field names the input that refers to the object.
	Field string
	// Kind and Name identify the missing object.
	Kind string
	Name string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: %s %q not found", e.Field, e.Kind, e.Name)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ConflictError reports an operation that would break an invariant, such as
// a second user with the same e-mail address.
type ConflictError struct {
	Field  string
	Reason string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}
