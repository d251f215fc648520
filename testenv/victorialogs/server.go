package victorialogs

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

// Version is the VictoriaLogs version Start builds and runs.
const Version = provision.VictoriaLogsVersion

// workFolderPrefix names the work folders in the temporary folder; see
// process.Folder for how a folder left by a killed process is removed.
const workFolderPrefix = "spherekit-victorialogs-"

// OptionsError reports an invalid Options field. It is the SDK's one
// input-error shape.
type OptionsError = fielderr.Invalid

// BuildError reports that VictoriaLogs could not be built from source. Its
// message carries the tail of the go command's output.
type BuildError = provision.BuildError

// StartError reports a server that exited while starting or did not answer
// /health, with the last lines it logged.
type StartError struct {
	// LogTail holds the server's last log lines.
	LogTail string
	Err     error
}

func (e *StartError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("victorialogs: start: %v", e.Err)
	}
	return fmt.Sprintf("victorialogs: start: %v; last log lines:\n%s", e.Err, e.LogTail)
}

func (e *StartError) Unwrap() error { return e.Err }

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
	url    string
	folder *process.Folder
	proc   *process.Process
	log    *os.File

	stopOnce sync.Once
	stopErr  error
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
	root, err := provision.CacheRoot(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	cache := &provision.Cache{Root: root, Progress: opts.Progress}
	res, err := cache.Ensure(ctx, provision.VictoriaLogs())
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(res.Dir, "victoria-logs")

	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	begin := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(opts.Progress, "victorialogs: removed %s, left by a process that ended without stopping its server", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("victorialogs: work folder: %w", err)
	}
	s := &Server{folder: folder}
	if err := s.start(ctx, opts, binary); err != nil {
		_ = s.Stop()
		return nil, err
	}
	progressf(opts.Progress, "victorialogs: %s ready at %s in %s (work folder %s)", Version, s.url, time.Since(begin).Round(100*time.Millisecond), folder.Dir)
	return s, nil
}

func (s *Server) start(ctx context.Context, o Options, binary string) error {
	var err error
	if s.log, err = os.Create(filepath.Join(s.folder.Dir, "victoria-logs.log")); err != nil {
		return fmt.Errorf("victorialogs: create log: %w", err)
	}
	// A port picked free can be taken before the server binds it; try
	// again then.
	for attempt := 1; ; attempt++ {
		port, err := process.FreePort()
		if err != nil {
			return fmt.Errorf("victorialogs: pick a port: %w", err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		args := append([]string{
			"-storageDataPath=" + filepath.Join(s.folder.Dir, "data"),
			"-httpListenAddr=" + addr,
			"-retentionPeriod=100y",
			"-memory.allowedPercent=5",
		}, o.ExtraFlags...)
		progressf(o.Progress, "victorialogs: starting on %s", addr)
		p, err := process.Start(binary, args, process.Options{Log: s.log, Dir: s.folder.Dir})
		if err != nil {
			return &StartError{Err: err}
		}
		err = p.WaitHTTP(ctx, nil, "http://"+addr+"/health", 50*time.Millisecond)
		if err == nil {
			s.proc, s.url = p, "http://"+addr
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

// URL is the server's base URL, such as http://127.0.0.1:41234: the
// address logstore.NewVictoriaLogs takes.
func (s *Server) URL() string { return s.url }

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
			s.stopErr = fmt.Errorf("victorialogs: remove work folder: %w", err)
		}
	})
	return s.stopErr
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
