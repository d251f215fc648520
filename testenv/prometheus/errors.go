package prometheus

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/launch"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that Prometheus could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a Prometheus that exited while starting or did not
// become ready, with the last lines it logged: LogTail holds them and Err is
// the cause.
type StartError = launch.StartError[serverName]

// serverName names Prometheus in launch's messages and errors.
type serverName struct{}

func (serverName) ServerName() string { return "prometheus" }

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
