package prometheus

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that Prometheus could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a Prometheus that exited while starting or did not
// become ready, with the last lines it logged.
type StartError struct {
	// LogTail holds Prometheus's last log lines.
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("prometheus: start: %v", e.Err)
	}
	return fmt.Sprintf("prometheus: start: %v; last log lines:\n%s", e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// RulesError reports a rules file Prometheus refused to load. The file is
// not left in place: the rules loaded before stay loaded.
type RulesError struct {
	// File is the rules file's name, as given to SetRules.
	File string
	// Message is why: Prometheus's error, or the YAML parser's.
	Message string
}

func (e *RulesError) Error() string {
	return fmt.Sprintf("prometheus: rules file %q refused: %s", e.File, e.Message)
}
