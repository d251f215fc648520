package kubestatemetrics

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that kube-state-metrics could not be built from
// source. Its message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a kube-state-metrics that exited while starting or did
// not answer, with the last lines it logged.
type StartError struct {
	// LogTail holds its last log lines.
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("kube-state-metrics: start: %v", e.Err)
	}
	return fmt.Sprintf("kube-state-metrics: start: %v; last log lines:\n%s", e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }
