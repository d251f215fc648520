package kubestatemetrics

import (
	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/launch"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that kube-state-metrics could not be built from
// source. Its message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a kube-state-metrics that exited while starting or did
// not answer, with the last lines it logged: LogTail holds them and Err is
// the cause.
type StartError = launch.StartError[serverName]

// serverName names kube-state-metrics in launch's messages and errors.
type serverName struct{}

func (serverName) ServerName() string { return "kube-state-metrics" }
