package launch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Name is what a server package's name type provides: ServerName names the
// server in messages and in its work folder's name, such as
// "kube-state-metrics".
type Name interface {
	ServerName() string
}

// StartError reports a server that exited while starting (a configuration
// it refused, say) or did not answer, with the last lines it logged. Its
// message begins with N's ServerName.
type StartError[N Name] struct {
	// LogTail holds the server's last log lines.
	LogTail string
	Err     error
}

func (e *StartError[N]) Error() string {
	var n N
	if e.LogTail == "" {
		return fmt.Sprintf("%s: start: %v", n.ServerName(), e.Err)
	}
	return fmt.Sprintf("%s: start: %v; last log lines:\n%s", n.ServerName(), e.Err, e.LogTail)
}

func (e *StartError[N]) Unwrap() error { return e.Err }

// Spec says how to build and start one server. The fields from CacheDir to
// StartTimeout are the server package's Options, defaults applied.
type Spec struct {
	// Component is what provision builds, and Binary the executable in it.
	// The server logs to Binary+".log" in its work folder.
	Component provision.Component
	Binary    string

	// CacheDir is where the built server is kept (see provision.CacheRoot).
	CacheDir string
	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer
	// StartTimeout bounds the start once the server is built: the attempts
	// and Ready.
	StartTimeout time.Duration

	// Setup, when set, runs once before the first attempt with the work
	// folder's path: it writes the server's configuration there, say.
	Setup func(dir string) error
	// Ports is how many free loopback ports each attempt picks; zero means
	// one.
	Ports int
	// Command is the server's command line for one attempt with the ports
	// picked.
	Command func(dir string, ports []int) Command
	// Log, when set, wraps the log file for each attempt.
	Log func(file io.Writer) io.Writer
	// Client asks Command.ReadyURL; nil means a client of process.WaitHTTP's
	// choosing.
	Client *http.Client
	// Ready, when set, runs once the server answers, under StartTimeout; an
	// error stops the server and is Start's.
	Ready func(ctx context.Context) error
}

// Command is one attempt at starting the server.
type Command struct {
	Args []string
	// ReadyURL answers 200 once the server is ready.
	ReadyURL string
	// Announce, when set, is where the progress line "<name>: starting on
	// <Announce>" says the server starts.
	Announce string
}

// Server is a running server process with its work folder. Its methods are
// safe for concurrent use.
type Server struct {
	name   string
	begin  time.Time
	ports  []int
	folder *process.Folder
	proc   *process.Process
	log    *os.File

	stopOnce sync.Once
	stopErr  error
}

// Start builds spec.Component on first use and starts it in a new work
// folder named "spherekit-<name>-" and a random suffix, first removing such
// folders left by processes that died without stopping their servers. A
// server that exits or does not answer spec's ReadyURL is a *StartError[N]
// with its last log lines; an attempt that fails with "address already in
// use" in them is tried again on other ports, three attempts in all.
func Start[N Name](ctx context.Context, spec Spec) (*Server, error) {
	var n N
	name := n.ServerName()
	root, err := provision.CacheRoot(spec.CacheDir)
	if err != nil {
		return nil, err
	}
	res, err := (&provision.Cache{Root: root, Progress: spec.Progress}).Ensure(ctx, spec.Component)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, spec.StartTimeout)
	defer cancel()
	s := &Server{name: name, begin: time.Now()}
	prefix := "spherekit-" + name + "-"
	for _, d := range process.RemoveAbandoned(prefix) {
		Progressf(spec.Progress, "%s: removed %s, left by a process that ended without stopping its server", name, d)
	}
	if s.folder, err = process.NewFolder(prefix); err != nil {
		return nil, fmt.Errorf("%s: work folder: %w", name, err)
	}
	if err := start[N](ctx, s, spec, filepath.Join(res.Dir, spec.Binary)); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if spec.Ready != nil {
		if err := spec.Ready(ctx); err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	return s, nil
}

func start[N Name](ctx context.Context, s *Server, spec Spec, binary string) error {
	if spec.Setup != nil {
		if err := spec.Setup(s.folder.Dir); err != nil {
			return err
		}
	}
	var err error
	if s.log, err = os.Create(filepath.Join(s.folder.Dir, spec.Binary+".log")); err != nil {
		return fmt.Errorf("%s: create log: %w", s.name, err)
	}
	nports, what := spec.Ports, "ports"
	if nports <= 1 {
		nports, what = 1, "a port"
	}
	// A port picked free can be taken before the server binds it; try
	// again then.
	for attempt := 1; ; attempt++ {
		ports, err := process.FreePorts(nports)
		if err != nil {
			return fmt.Errorf("%s: pick %s: %w", s.name, what, err)
		}
		cmd := spec.Command(s.folder.Dir, ports)
		if cmd.Announce != "" {
			Progressf(spec.Progress, "%s: starting on %s", s.name, cmd.Announce)
		}
		var log io.Writer = s.log
		if spec.Log != nil {
			log = spec.Log(s.log)
		}
		p, err := process.Start(binary, cmd.Args, process.Options{Log: log, Dir: s.folder.Dir})
		if err != nil {
			return &StartError[N]{Err: err}
		}
		err = p.WaitHTTP(ctx, spec.Client, cmd.ReadyURL, 50*time.Millisecond)
		if err == nil {
			s.proc, s.ports = p, ports
			return nil
		}
		p.Stop(5 * time.Second)
		se := &StartError[N]{LogTail: p.LogTail(), Err: err}
		if attempt < 3 && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		return se
	}
}

// Dir is the server's work folder.
func (s *Server) Dir() string { return s.folder.Dir }

// Ports are the loopback ports the server was started with, in the order
// Command got them.
func (s *Server) Ports() []int { return s.ports }

// Elapsed is the time since Start began starting the server (after the
// build), rounded to a tenth of a second, for the "ready" progress line.
func (s *Server) Elapsed() time.Duration {
	return time.Since(s.begin).Round(100 * time.Millisecond)
}

// LogTail is the server's last log lines; empty for a nil Server.
func (s *Server) LogTail() string {
	if s == nil || s.proc == nil {
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
			s.stopErr = fmt.Errorf("%s: remove work folder: %w", s.name, err)
		}
	})
	return s.stopErr
}

// Loopback is the host:port of port on the loopback interface, such as
// 127.0.0.1:41234.
func Loopback(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// Progressf writes one progress line to w; a nil w discards it.
func Progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
