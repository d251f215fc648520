package tenancy

import (
	"errors"
	"fmt"
)

// ErrNotFound is matched (errors.Is) by every *NotFoundError.
var ErrNotFound = errors.New("not found")

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
