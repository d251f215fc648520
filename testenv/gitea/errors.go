package gitea

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that Gitea could not be built from source. Its message
// carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a Gitea command that failed while the server was being
// prepared or started, with the last lines it logged.
type StartError struct {
	// Step is what was being done: "migrate", "create admin user" or "web".
	Step string
	// LogTail holds the command's last log lines.
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("gitea %s: %v", e.Step, e.Err)
	}
	return fmt.Sprintf("gitea %s: %v; last log lines:\n%s", e.Step, e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// APIError is an answer of Gitea's REST API other than the one expected.
type APIError struct {
	Method, Path string
	StatusCode   int
	// Message is Gitea's error message, or the start of the body.
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("gitea API %s %s: status %d: %s", e.Method, e.Path, e.StatusCode, e.Message)
}

// ErrSignIn is matched (errors.Is) by the error AuthorizeCode returns when
// Gitea refuses the user's name and password.
var ErrSignIn = errors.New("gitea refused the sign-in")

// AuthorizeError is the OAuth2 error response (RFC 6749 section 4.1.2.1)
// Gitea sent back to the client's redirect URI instead of a code.
type AuthorizeError struct {
	// Code and Description are the error and error_description parameters.
	Code, Description string
	// Callback is the redirect to the client, carrying them and the state.
	Callback *url.URL
}

func (e *AuthorizeError) Error() string {
	return fmt.Sprintf("gitea authorization: %s: %s", e.Code, e.Description)
}
