package csi

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that a sidecar could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a sidecar that exited while starting or did not
// answer, with the last lines it logged.
type StartError struct {
	// Component names the sidecar, such as "csi-provisioner".
	Component string
	// LogTail holds its last log lines.
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("csi: start %s: %v", e.Component, e.Err)
	}
	return fmt.Sprintf("csi: start %s: %v; last log lines:\n%s", e.Component, e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }
