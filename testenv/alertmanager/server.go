package alertmanager

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the Alertmanager version Start builds and runs.
const Version = provision.AlertmanagerVersion

// workFolderPrefix names the work folders in the temporary folder; see
// process.Folder for how a folder left by a killed process is removed.
const workFolderPrefix = "spherekit-alertmanager-"

// OptionsError reports an invalid Options field or argument: Field names it
// and Reason says what is wrong. It is the SDK's one input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that Alertmanager could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a server that exited while starting (a configuration
// it refused, say) or did not answer /-/ready, with the last lines it
// logged.
type StartError struct {
	// LogTail holds the server's last log lines.
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("alertmanager: start: %v", e.Err)
	}
	return fmt.Sprintf("alertmanager: start: %v; last log lines:\n%s", e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

// Server is a running Alertmanager. Its methods are safe for concurrent
// use.
type Server struct {
	addr   string
	folder *process.Folder
	proc   *process.Process
	log    *os.File

	stopOnce sync.Once
	stopErr  error
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
	root, err := provision.CacheRoot(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	res, err := (&provision.Cache{Root: root, Progress: opts.Progress}).Ensure(ctx, provision.Alertmanager())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	begin := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(opts.Progress, "alertmanager: removed %s, left by a process that ended without stopping its server", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("alertmanager: work folder: %w", err)
	}
	s := &Server{folder: folder}
	if err := s.start(ctx, opts, config, filepath.Join(res.Dir, "alertmanager")); err != nil {
		_ = s.Stop()
		return nil, err
	}
	progressf(opts.Progress, "alertmanager: %s ready at %s in %s (work folder %s)", Version, s.URL(), time.Since(begin).Round(100*time.Millisecond), folder.Dir)
	return s, nil
}

func (s *Server) start(ctx context.Context, o Options, config []byte, binary string) error {
	configFile := filepath.Join(s.folder.Dir, "alertmanager.yml")
	if err := os.WriteFile(configFile, config, 0o600); err != nil {
		return fmt.Errorf("alertmanager: write configuration: %w", err)
	}
	var err error
	if s.log, err = os.Create(filepath.Join(s.folder.Dir, "alertmanager.log")); err != nil {
		return fmt.Errorf("alertmanager: create log: %w", err)
	}
	// A port picked free can be taken before the server binds it; try
	// again then.
	for attempt := 1; ; attempt++ {
		port, err := process.FreePort()
		if err != nil {
			return fmt.Errorf("alertmanager: pick a port: %w", err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		args := append([]string{
			"--config.file=" + configFile,
			"--storage.path=" + filepath.Join(s.folder.Dir, "data"),
			"--web.listen-address=" + addr,
			"--web.external-url=http://" + addr,
			// Empty: no gossip, so no second port and no peers to settle with.
			"--cluster.listen-address=",
		}, o.ExtraFlags...)
		progressf(o.Progress, "alertmanager: starting on %s", addr)
		p, err := process.Start(binary, args, process.Options{Log: s.log, Dir: s.folder.Dir})
		if err != nil {
			return &StartError{Err: err}
		}
		err = p.WaitHTTP(ctx, nil, "http://"+addr+"/-/ready", 50*time.Millisecond)
		if err == nil {
			s.proc, s.addr = p, addr
			return nil
		}
		p.Stop(5 * time.Second)
		se := &StartError{LogTail: p.LogTail(), Err: err}
		if attempt < 3 && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		return se
	}
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
func (s *Server) LogTail() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.LogTail()
}

// Stop ends the server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.proc != nil {
			s.proc.Stop(10 * time.Second)
		}
		if s.log != nil {
			_ = s.log.Close()
		}
		if err := s.folder.Remove(); err != nil {
			s.stopErr = fmt.Errorf("alertmanager: remove work folder: %w", err)
		}
	})
	return s.stopErr
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
