package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the Prometheus release Start builds and runs.
const Version = provision.PrometheusRelease

// Messages of the lines Prometheus logs when a reload fails: the rules
// manager's, naming the file and the error, then the reloader's.
const (
	failedRules  = "loading groups failed"
	failedConfig = "Failed to apply configuration"
)

// workFolderPrefix names the work folders in the temporary folder; see
// process.Folder for how a folder left by a killed process is removed.
const workFolderPrefix = "spherekit-prometheus-"

// Server is a running Prometheus. Its methods are safe for concurrent use.
type Server struct {
	url      string
	dir      string
	rulesDir string
	folder   *process.Folder
	proc     *process.Process
	log      *os.File
	// failures sees Prometheus's log lines about configurations and rules
	// it could not load.
	failures *logWatch
	http     *http.Client
	api      promv1.API

	rulesMu sync.Mutex

	stopOnce sync.Once
	stopErr  error
}

// Start builds Prometheus on first use (minutes, then cached; see the
// package documentation), writes its configuration into a temporary work
// folder of its own and starts it on a free loopback port with the lifecycle
// API on. It returns once Prometheus answers /-/ready and has loaded
// opts.RuleFiles. Stop ends it; so does the end of this process (on Linux).
//
// ctx bounds the build and the start. A Prometheus that exits or does not
// become ready is a *StartError with its last log lines.
func Start(ctx context.Context, opts Options) (*Server, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	root, err := provision.CacheRoot(o.CacheDir)
	if err != nil {
		return nil, err
	}
	cache := &provision.Cache{Root: root, Progress: o.Progress}
	res, err := cache.Ensure(ctx, provision.Prometheus())
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(res.Dir, "prometheus")

	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	begin := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(o.Progress, "prometheus: removed %s, left by a process that ended without stopping its server", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("prometheus: work folder: %w", err)
	}
	s := &Server{
		dir:      folder.Dir,
		rulesDir: filepath.Join(folder.Dir, "rules"),
		folder:   folder,
		http:     &http.Client{Timeout: 30 * time.Second},
	}
	if err := s.start(ctx, o, binary); err != nil {
		_ = s.Stop()
		return nil, err
	}
	names := make([]string, 0, len(o.RuleFiles))
	for name := range o.RuleFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.SetRules(ctx, name, o.RuleFiles[name]); err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	progressf(o.Progress, "prometheus: %s ready at %s in %s (work folder %s)", Version, s.url, time.Since(begin).Round(100*time.Millisecond), s.dir)
	return s, nil
}

func (s *Server) start(ctx context.Context, o Options, binary string) error {
	if err := os.MkdirAll(s.rulesDir, 0o700); err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	cfg, err := renderConfig(o, s.dir, s.rulesDir)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(s.dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return fmt.Errorf("prometheus: write configuration: %w", err)
	}
	if s.log, err = os.Create(filepath.Join(s.dir, "prometheus.log")); err != nil {
		return fmt.Errorf("prometheus: create log: %w", err)
	}
	// A port picked free can be taken before Prometheus binds it; try again
	// then.
	for attempt := 1; ; attempt++ {
		port, err := process.FreePort()
		if err != nil {
			return fmt.Errorf("prometheus: pick a port: %w", err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		s.url = "http://" + addr
		args := []string{
			"--config.file=" + cfgPath,
			"--storage.tsdb.path=" + filepath.Join(s.dir, "data"),
			"--web.listen-address=" + addr,
			"--web.enable-lifecycle",
		}
		args = append(args, o.ExtraFlags...)
		progressf(o.Progress, "prometheus: starting on %s", s.url)
		err = s.startProcess(ctx, binary, args)
		var se *StartError
		if err != nil && attempt < 3 && errors.As(err, &se) && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	client, err := api.NewClient(api.Config{Address: s.url})
	if err != nil {
		return fmt.Errorf("prometheus: API client: %w", err)
	}
	s.api = promv1.NewAPI(client)
	return nil
}

// startProcess starts Prometheus and waits until it answers /-/ready.
func (s *Server) startProcess(ctx context.Context, binary string, args []string) error {
	s.failures = newLogWatch(s.log, failedConfig, failedRules)
	p, err := process.Start(binary, args, process.Options{Log: s.failures, Dir: s.dir})
	if err != nil {
		return &StartError{Err: err}
	}
	if err := p.WaitHTTP(ctx, s.http, s.url+"/-/ready", 50*time.Millisecond); err != nil {
		p.Stop(5 * time.Second)
		return &StartError{LogTail: p.LogTail(), Err: err}
	}
	s.proc = p
	return nil
}

// Stop ends Prometheus and removes its work folder. It is safe to call more
// than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.proc != nil {
			s.proc.Stop(10 * time.Second)
		}
		if s.log != nil {
			_ = s.log.Close()
		}
		if err := s.folder.Remove(); err != nil {
			s.stopErr = fmt.Errorf("prometheus: remove work folder: %w", err)
		}
	})
	return s.stopErr
}

// URL is the server's root URL without a trailing slash, such as
// http://127.0.0.1:41234; its HTTP API is under /api/v1.
func (s *Server) URL() string { return s.url }

// API is a client of the server's HTTP API (github.com/prometheus/
// client_golang's), for queries, targets, rules and alerts.
func (s *Server) API() promv1.API { return s.api }

// LogTail is Prometheus's last log lines, for a test's failure message.
func (s *Server) LogTail() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.LogTail()
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
