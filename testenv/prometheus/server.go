package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/spherekit/spherekit/testenv/internal/launch"
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

// Server is a running Prometheus. Its methods are safe for concurrent use.
type Server struct {
	url      string
	dir      string
	rulesDir string
	proc     *launch.Server
	// failures sees Prometheus's log lines about configurations and rules
	// it could not load.
	failures *logWatch
	http     *http.Client
	api      promv1.API

	rulesMu sync.Mutex
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
	s := &Server{http: &http.Client{Timeout: 30 * time.Second}}
	proc, err := launch.Start[serverName](ctx, launch.Spec{
		Component:    provision.Prometheus(),
		Binary:       "prometheus",
		CacheDir:     o.CacheDir,
		Progress:     o.Progress,
		StartTimeout: o.StartTimeout,
		Setup: func(dir string) error {
			s.dir, s.rulesDir = dir, filepath.Join(dir, "rules")
			return s.writeConfig(o)
		},
		Command: func(dir string, ports []int) launch.Command {
			s.url = "http://" + launch.Loopback(ports[0])
			return launch.Command{
				Args: append([]string{
					"--config.file=" + filepath.Join(dir, "prometheus.yml"),
					"--storage.tsdb.path=" + filepath.Join(dir, "data"),
					"--web.listen-address=" + launch.Loopback(ports[0]),
					"--web.enable-lifecycle",
				}, o.ExtraFlags...),
				ReadyURL: s.url + "/-/ready",
				Announce: s.url,
			}
		},
		Log: func(file io.Writer) io.Writer {
			s.failures = newLogWatch(file, failedConfig, failedRules)
			return s.failures
		},
		Client: s.http,
		Ready: func(ctx context.Context) error {
			client, err := api.NewClient(api.Config{Address: s.url})
			if err != nil {
				return fmt.Errorf("prometheus: API client: %w", err)
			}
			s.api = promv1.NewAPI(client)
			return s.setRuleFiles(ctx, o.RuleFiles)
		},
	})
	if err != nil {
		return nil, err
	}
	s.proc = proc
	launch.Progressf(o.Progress, "prometheus: %s ready at %s in %s (work folder %s)", Version, s.url, proc.Elapsed(), s.dir)
	return s, nil
}

// writeConfig writes Prometheus's configuration and makes its rules folder.
func (s *Server) writeConfig(o Options) error {
	if err := os.MkdirAll(s.rulesDir, 0o700); err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	cfg, err := renderConfig(o, s.dir, s.rulesDir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dir, "prometheus.yml"), cfg, 0o600); err != nil {
		return fmt.Errorf("prometheus: write configuration: %w", err)
	}
	return nil
}

// setRuleFiles sets the rule files Start is given, in the order of their
// names.
func (s *Server) setRuleFiles(ctx context.Context, files map[string]string) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.SetRules(ctx, name, files[name]); err != nil {
			return err
		}
	}
	return nil
}

// Stop ends Prometheus and removes its work folder. It is safe to call more
// than once.
func (s *Server) Stop() error { return s.proc.Stop() }

// URL is the server's root URL without a trailing slash, such as
// http://127.0.0.1:41234; its HTTP API is under /api/v1.
func (s *Server) URL() string { return s.url }

// API is a client of the server's HTTP API (github.com/prometheus/
// client_golang's), for queries, targets, rules and alerts.
func (s *Server) API() promv1.API { return s.api }

// LogTail is Prometheus's last log lines, for a test's failure message.
func (s *Server) LogTail() string { return s.proc.LogTail() }
