package testenv

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field (or argument): Field names
// it (such as "Nodes") and Reason says what is wrong. It is the SDK's one
// input-error shape, the same type as tenancy.InvalidError.
type OptionsError = fielderr.Invalid

// BuildError reports a control-plane component that could not be built from
// source. Its message carries the tail of the go command's output.
type BuildError = provision.BuildError

// ProcessError reports a control-plane process that failed to start or
// exited while starting, with the last lines it logged.
type ProcessError struct {
	// Component is the process name, such as "kube-apiserver" or "kwok".
	Component string
	// LogTail holds its last log lines.
	LogTail string
	Err     error
}

func (e *ProcessError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("testenv: %s: %v", e.Component, e.Err)
	}
	return fmt.Sprintf("testenv: %s: %v; last log lines:\n%s", e.Component, e.Err, e.LogTail)
}

func (e *ProcessError) Unwrap() error { return e.Err }
