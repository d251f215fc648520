package authn

import (
	"errors"
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// Errors of a login. A portal shows ErrInvalidCredentials for a wrong
// password and for an unknown user alike: Authenticate does not reveal
// which it was, neither in the error nor in how long it takes.
var (
	// ErrInvalidCredentials: the user is unknown or the password is wrong.
	ErrInvalidCredentials = errors.New("invalid username or password")
	// ErrAccountDisabled: the password is right but the user is not active
	// (KubeSphere's "Account suspended."). It is only reported to someone
	// who gave the right password.
	ErrAccountDisabled = errors.New("account suspended")
	// ErrTooManyFailedLogins: the user is blocked (state AuthLimitExceeded)
	// after too many failed logins, until the window of the user controller
	// has passed.
	ErrTooManyFailedLogins = errors.New("too many failed logins: try again later")
	// ErrNotMapped: an identity provider authenticated someone who is
	// mapped to no user, and its mapping method is lookup.
	ErrNotMapped = errors.New("the identity is mapped to no user")
	// ErrUnauthenticated: a request carries no credentials.
	ErrUnauthenticated = errors.New("no credentials")
	// ErrInvalidToken is matched (errors.Is) by every *TokenError.
	ErrInvalidToken = errors.New("invalid token")
)

// TokenError reports a token that is refused: malformed, signed with an
// algorithm or key the issuer does not use, expired, revoked, of the wrong
// type or audience, or of a user who is disabled or gone. errors.Is(err,
// ErrInvalidToken) is true for it.
type TokenError struct {
	// Reason says why the token is refused.
	Reason string
	// Err is the error behind the refusal, if any.
	Err error
}

func (e *TokenError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("invalid token: %s: %v", e.Reason, e.Err)
	}
	return "invalid token: " + e.Reason
}

// Unwrap returns the error behind the refusal.
func (e *TokenError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalidToken) true.
func (e *TokenError) Is(target error) bool { return target == ErrInvalidToken }

// InvalidError reports an input an operation refuses, naming the input
// (Field) and why (Reason). It is the SDK's one input-error shape
// (tenancy.InvalidError is the same type).
type InvalidError = fielderr.Invalid

// NotFoundError reports an input naming an object that does not exist, such
// as an unknown user (the SDK's one shape: tenancy.NotFoundError).
type NotFoundError = fielderr.NotFound

// ConflictError reports an operation that would break an invariant, such
// as mapping an identity onto an existing user (tenancy.ConflictError).
type ConflictError = fielderr.Conflict
