package kubestatemetrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the kube-state-metrics version Start builds and runs.
const Version = provision.KubeStateMetricsVersion

// workFolderPrefix names the work folders in the temporary folder; see
// process.Folder for how a folder left by a killed process is removed.
const workFolderPrefix = "spherekit-kube-state-metrics-"

// Server is a running kube-state-metrics. Its methods are safe for
// concurrent use.
type Server struct {
	addr   string
	folder *process.Folder
	proc   *process.Process
	log    *os.File

	stopOnce sync.Once
	stopErr  error
}

// Start builds kube-state-metrics on first use (minutes, then cached; see
// the package documentation) and runs it against the cluster the kubeconfig
// file names (testenv.Cluster.KubeconfigPath), serving metrics on a free
// loopback port. It returns once the server answers /healthz. Stop ends it;
// so does the end of this process (on Linux).
//
// ctx bounds the build and the start. A server that exits or does not
// answer is a *StartError with its last log lines.
func Start(ctx context.Context, kubeconfig string, opts Options) (*Server, error) {
	if kubeconfig == "" {
		return nil, fmt.Errorf("kube-state-metrics: %w", &OptionsError{Field: "kubeconfig", Reason: "required"})
	}
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("kube-state-metrics: %w", err)
	}
	root, err := provision.CacheRoot(o.CacheDir)
	if err != nil {
		return nil, err
	}
	cache := &provision.Cache{Root: root, Progress: o.Progress}
	res, err := cache.Ensure(ctx, provision.KubeStateMetrics())
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(res.Dir, "kube-state-metrics")

	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	begin := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(o.Progress, "kube-state-metrics: removed %s, left by a process that ended without stopping its server", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("kube-state-metrics: work folder: %w", err)
	}
	s := &Server{folder: folder}
	if err := s.start(ctx, o, binary, kubeconfig); err != nil {
		_ = s.Stop()
		return nil, err
	}
	progressf(o.Progress, "kube-state-metrics: %s serving %s in %s", Version, s.MetricsURL(), time.Since(begin).Round(100*time.Millisecond))
	return s, nil
}

func (s *Server) start(ctx context.Context, o Options, binary, kubeconfig string) error {
	var err error
	if s.log, err = os.Create(filepath.Join(s.folder.Dir, "kube-state-metrics.log")); err != nil {
		return fmt.Errorf("kube-state-metrics: create log: %w", err)
	}
	// A port picked free can be taken before the server binds it; try again
	// then.
	for attempt := 1; ; attempt++ {
		ports, err := process.FreePorts(2)
		if err != nil {
			return fmt.Errorf("kube-state-metrics: pick ports: %w", err)
		}
		s.addr = "127.0.0.1:" + strconv.Itoa(ports[0])
		args := []string{
			"--kubeconfig=" + kubeconfig,
			"--host=127.0.0.1",
			"--port=" + strconv.Itoa(ports[0]),
			"--telemetry-host=127.0.0.1",
			"--telemetry-port=" + strconv.Itoa(ports[1]),
		}
		if len(o.MetricLabelsAllowlist) > 0 {
			args = append(args, "--metric-labels-allowlist="+allowlistFlag(o.MetricLabelsAllowlist))
		}
		if len(o.MetricAnnotationsAllowlist) > 0 {
			args = append(args, "--metric-annotations-allowlist="+allowlistFlag(o.MetricAnnotationsAllowlist))
		}
		if len(o.Resources) > 0 {
			args = append(args, "--resources="+strings.Join(o.Resources, ","))
		}
		args = append(args, o.ExtraFlags...)
		err = s.startProcess(ctx, binary, args)
		var se *StartError
		if err != nil && attempt < 3 && errors.As(err, &se) && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		return err
	}
}

// startProcess starts the server and waits until it answers /healthz.
func (s *Server) startProcess(ctx context.Context, binary string, args []string) error {
	p, err := process.Start(binary, args, process.Options{Log: s.log, Dir: s.folder.Dir})
	if err != nil {
		return &StartError{Err: err}
	}
	if err := p.WaitHTTP(ctx, nil, "http://"+s.addr+"/healthz", 50*time.Millisecond); err != nil {
		p.Stop(5 * time.Second)
		return &StartError{LogTail: p.LogTail(), Err: err}
	}
	s.proc = p
	return nil
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
			s.stopErr = fmt.Errorf("kube-state-metrics: remove work folder: %w", err)
		}
	})
	return s.stopErr
}

// Address is the host:port the metrics are served on, such as
// 127.0.0.1:41234: a scrape target (prometheus.ClusterTargets).
func (s *Server) Address() string { return s.addr }

// MetricsURL is the URL of the metrics, http://<Address>/metrics.
func (s *Server) MetricsURL() string { return "http://" + s.addr + "/metrics" }

// LogTail is the server's last log lines, for a test's failure message.
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
