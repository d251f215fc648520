package kubestatemetrics

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spherekit/spherekit/testenv/internal/launch"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Version is the kube-state-metrics version Start builds and runs.
const Version = provision.KubeStateMetricsVersion

// Server is a running kube-state-metrics. Its methods are safe for
// concurrent use.
type Server struct {
	addr string
	proc *launch.Server
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
	proc, err := launch.Start[serverName](ctx, launch.Spec{
		Component:    provision.KubeStateMetrics(),
		Binary:       "kube-state-metrics",
		CacheDir:     o.CacheDir,
		Progress:     o.Progress,
		StartTimeout: o.StartTimeout,
		Ports:        2,
		Command: func(_ string, ports []int) launch.Command {
			return launch.Command{
				Args:     commandLine(o, kubeconfig, ports[0], ports[1]),
				ReadyURL: "http://" + launch.Loopback(ports[0]) + "/healthz",
			}
		},
	})
	if err != nil {
		return nil, err
	}
	s := &Server{addr: launch.Loopback(proc.Ports()[0]), proc: proc}
	launch.Progressf(o.Progress, "kube-state-metrics: %s serving %s in %s", Version, s.MetricsURL(), proc.Elapsed())
	return s, nil
}

// commandLine is the command line serving metrics on port and telemetry on
// telemetryPort.
func commandLine(o Options, kubeconfig string, port, telemetryPort int) []string {
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--host=127.0.0.1",
		"--port=" + strconv.Itoa(port),
		"--telemetry-host=127.0.0.1",
		"--telemetry-port=" + strconv.Itoa(telemetryPort),
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
	return append(args, o.ExtraFlags...)
}

// Stop ends the server and removes its work folder. It is safe to call
// more than once.
func (s *Server) Stop() error { return s.proc.Stop() }

// Address is the host:port the metrics are served on, such as
// 127.0.0.1:41234: a scrape target (prometheus.ClusterTargets).
func (s *Server) Address() string { return s.addr }

// MetricsURL is the URL of the metrics, http://<Address>/metrics.
func (s *Server) MetricsURL() string { return "http://" + s.addr + "/metrics" }

// LogTail is the server's last log lines, for a test's failure message.
func (s *Server) LogTail() string { return s.proc.LogTail() }
