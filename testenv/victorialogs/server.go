package victorialogs

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/launch"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the VictoriaLogs version Start builds and runs.
const Version = provision.VictoriaLogsVersion

// OptionsError reports an invalid Options field. It is the SDK's one
// input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that VictoriaLogs could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a server that exited while starting or did not answer
// /health, with the last lines it logged: LogTail holds them and Err is the
// cause.
type StartError = launch.StartError[serverName]

// serverName names VictoriaLogs in launch's messages and errors.
type serverName struct{}

func (serverName) ServerName() string { return "victorialogs" }

// Options configures Start. The zero value is a server with defaults fit
// for tests.
type Options struct {
	// ExtraFlags are added to the server's command line, after the flags
	// Start sets (-storageDataPath, -httpListenAddr, -retentionPeriod,
	// -memory.allowedPercent).
	ExtraFlags []string

	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer

	// CacheDir is where the built server is kept. Empty means the
	// environment variable SPHEREKIT_TESTENV_CACHE, or else
	// spherekit/testenv under the user cache folder.
	CacheDir string

	// StartTimeout bounds the start once the server is built, until it
	// answers /health. Zero means one minute.
	StartTimeout time.Duration
}

// Server is a running VictoriaLogs. Its methods are safe for concurrent
// use.
type Server struct {
	url  string
	proc *launch.Server
}

// Start builds VictoriaLogs on first use and starts it; see the package
// documentation. ctx bounds the build and the start. A server that exits
// or does not answer is a *StartError with its last log lines.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.StartTimeout < 0 {
		return nil, fmt.Errorf("victorialogs: %w", &OptionsError{Field: "StartTimeout", Reason: "is negative"})
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = time.Minute
	}
	proc, err := launch.Start[serverName](ctx, launch.Spec{
		Component:    provision.VictoriaLogs(),
		Binary:       "victoria-logs",
		CacheDir:     opts.CacheDir,
		Progress:     opts.Progress,
		StartTimeout: opts.StartTimeout,
		Command: func(dir string, ports []int) launch.Command {
			addr := launch.Loopback(ports[0])
			return launch.Command{
				Args: append([]string{
					"-storageDataPath=" + filepath.Join(dir, "data"),
					"-httpListenAddr=" + addr,
					"-retentionPeriod=100y",
					"-memory.allowedPercent=5",
				}, opts.ExtraFlags...),
				ReadyURL: "http://" + addr + "/health",
				Announce: addr,
			}
		},
	})
	if err != nil {
		return nil, err
	}
	s := &Server{url: "http://" + launch.Loopback(proc.Ports()[0]), proc: proc}
	launch.Progressf(opts.Progress, "victorialogs: %s ready at %s in %s (work folder %s)", Version, s.url, proc.Elapsed(), proc.Dir())
	return s, nil
}

// URL is the server's base URL, such as http://127.0.0.1:41234: the
// address logstore.NewVictoriaLogs takes.
func (s *Server) URL() string { return s.url }

// LogTail is the server's last log lines, for a test's failure message.
func (s *Server) LogTail() string { return s.proc.LogTail() }

// Stop ends the server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error { return s.proc.Stop() }
