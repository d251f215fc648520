package fielderr

import (
	"errors"
	"fmt"
)

// Invalid reports an input an operation refuses, naming the input and why.
// Nothing was written when an operation returns it.
type Invalid struct {
	// Field names the input: an argument ("name", "email"), an Options
	// field ("Manager"), a query parameter ("limit") or a path into an
	// object ("spec.user").
	Field string
	// Reason says what is wrong with it.
	Reason string
	// Err is the error behind the refusal, if any.
	Err error
}

func (e *Invalid) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// Unwrap returns the error behind the refusal.
func (e *Invalid) Unwrap() error { return e.Err }

// ErrNotFound is matched (errors.Is) by every *NotFound.
var ErrNotFound = errors.New("not found")

// NotFound reports that an input refers to an object that does not exist,
// such as an unknown workspace, user or role. Nothing was written when an
// operation returns it.
type NotFound struct {
	// Field names the input that refers to the object.
	Field string
	// Kind and Name identify the missing object.
	Kind string
	Name string
	// Err is the API server's answer, when it said so; Unwrap returns it,
	// so apierrors.IsNotFound and client.IgnoreNotFound see it.
	Err error
}

func (e *NotFound) Error() string {
	return fmt.Sprintf("%s: %s %q not found", e.Field, e.Kind, e.Name)
}

// Unwrap returns the API server's answer, if any.
func (e *NotFound) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFound) Is(target error) bool { return target == ErrNotFound }

// Conflict reports an operation that would break an invariant, such as a
// second user with the same e-mail address; Field names the input at fault.
// Nothing was written when an operation returns it.
type Conflict struct {
	Field  string
	Reason string
	// Err is the error behind the conflict, if any (such as the API
	// server's refusal).
	Err error
}

func (e *Conflict) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

// Unwrap returns the error behind the conflict.
func (e *Conflict) Unwrap() error { return e.Err }

// ErrForbidden is matched (errors.Is) by every *Forbidden.
var ErrForbidden = errors.New("forbidden")

// Forbidden reports an operation the user a Client acts for may not make.
// Nothing was written when an operation returns it.
type Forbidden struct {
	// User is who the Client acts for.
	User string
	// Reason says what they lack, from the authorizer's explanation.
	Reason string
}

func (e *Forbidden) Error() string {
	return fmt.Sprintf("forbidden: user %q: %s", e.User, e.Reason)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *Forbidden) Is(target error) bool { return target == ErrForbidden }
