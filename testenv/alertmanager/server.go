package alertmanager

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/launch"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the Alertmanager version Start builds and runs.
const Version = provision.AlertmanagerVersion

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that Alertmanager could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a server that exited while starting (a configuration
// it refused, say) or did not answer /-/ready, with the last lines it
// logged: LogTail holds them and Err is the cause.
type StartError = launch.StartError[serverName]

// serverName names Alertmanager in launch's messages and errors.
type serverName struct{}

func (serverName) ServerName() string { return "alertmanager" }

// Server is a running Alertmanager. Its methods are safe for concurrent
// use.
type Server struct {
	addr string
	proc *launch.Server
}

// Start builds Alertmanager on first use and starts it with the
// configuration opts describes; see the package documentation. ctx bounds
// the build and the start. A server that exits or does not answer is a
// *StartError with its last log lines.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("alertmanager: %w", err)
	}
	config, err := renderConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("alertmanager: render configuration: %w", err)
	}
	proc, err := launch.Start[serverName](ctx, launch.Spec{
		Component:    provision.Alertmanager(),
		Binary:       "alertmanager",
		CacheDir:     opts.CacheDir,
		Progress:     opts.Progress,
		StartTimeout: opts.StartTimeout,
		Setup: func(dir string) error {
			if err := os.WriteFile(filepath.Join(dir, "alertmanager.yml"), config, 0o600); err != nil {
				return fmt.Errorf("alertmanager: write configuration: %w", err)
			}
			return nil
		},
		Command: func(dir string, ports []int) launch.Command {
			addr := launch.Loopback(ports[0])
			return launch.Command{
				Args: append([]string{
					"--config.file=" + filepath.Join(dir, "alertmanager.yml"),
					"--storage.path=" + filepath.Join(dir, "data"),
					"--web.listen-address=" + addr,
					"--web.external-url=http://" + addr,
					// Empty: no gossip, so no second port and no peers to settle with.
					"--cluster.listen-address=",
				}, opts.ExtraFlags...),
				ReadyURL: "http://" + addr + "/-/ready",
				Announce: addr,
			}
		},
	})
	if err != nil {
		return nil, err
	}
	s := &Server{addr: launch.Loopback(proc.Ports()[0]), proc: proc}
	launch.Progressf(opts.Progress, "alertmanager: %s ready at %s in %s (work folder %s)", Version, s.URL(), proc.Elapsed(), proc.Dir())
	return s, nil
}

// URL is the server's base URL, such as http://127.0.0.1:41234, under
// which its API v2 is at /api/v2/.
func (s *Server) URL() string { return "http://" + s.addr }

// Address is the server's host:port, such as 127.0.0.1:41234: what
// testenv/prometheus's Options.Alertmanagers takes, and the target a
// Prometheus configuration names under alerting.alertmanagers'
// static_configs.
func (s *Server) Address() string { return s.addr }

// LogTail is the server's last log lines, for a test's failure message.
func (s *Server) LogTail() string { return s.proc.LogTail() }

// Stop ends the server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error { return s.proc.Stop() }
