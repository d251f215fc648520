// Package testenv runs a real local Kubernetes control plane for tests and
// examples: etcd and kube-apiserver by default, and on request
// kube-controller-manager, kube-scheduler and kwok with simulated nodes, so
// Deployments roll out and pods reach Running without a container runtime.
//
// The binaries are built from source through the Go module proxy the first
// time they are needed (several minutes), then cached under the user cache
// folder keyed by version, so no download site other than the module proxy is
// needed. Concurrent test processes build each component once; an
// interrupted build never leaves a broken cache entry. Point EnvBinaries or
// KUBEBUILDER_ASSETS at a folder of prebuilt binaries to skip building them.
//
// Start from Run in a TestMain, one cluster per test package:
//
//	var env *testenv.Cluster
//
//	func TestMain(m *testing.M) {
//		testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
//	}
//
//	func TestSomething(t *testing.T) {
//		ns := env.NewNamespace(t)
//		...
//	}
//
// When the tests need controllers, webhooks or a shared cache, start from
// RunWithManager instead: one cluster and one controller-runtime manager per
// package. Its RunInput names the cluster (Options), adjusts the manager
// (ManagerOptions: cache transforms...), and registers with it the
// package's field indexes, reconcilers and webhooks (SetupIndexes,
// SetupReconcilers, SetupWebhooks); with SetupWebhooks, the manager's webhook
// server listens where the cluster's webhook configurations
// (Options.ValidatingWebhooks...) point (Cluster.WebhookServerOptions).
// Options.Audit makes kube-apiserver send its audit trail to a webhook too,
// on a server of its own (Cluster.AuditServerOptions), with a policy, a
// bearer token and a short batch wait.
// The manager is started and waited for (caches synced, webhook server
// serving) before SetupEnv hands the Environment (the Cluster and its
// Manager) to the package, and it is stopped after the tests, before the
// cluster:
//
//	var env *testenv.Environment
//
//	func TestMain(m *testing.M) {
//		os.Exit(testenv.RunWithManager(context.Background(), testenv.RunInput{
//			M:       m,
//			Options: testenv.Options{Nodes: 1},
//			SetupReconcilers: func(ctx context.Context, mgr ctrl.Manager) error {
//				return controllers.SetupWithManager(ctx, mgr, controllers.Options{})
//			},
//			SetupEnv: func(_ context.Context, e *testenv.Environment) error { env = e; return nil },
//		}))
//	}
//
//	func TestSomething(t *testing.T) {
//		ns := env.NewNamespace(t)
//		...
//		testenv.Eventually(t, func() (bool, error) { ... }, "the workspace %s never became ready", name)
//	}
//
// Eventually polls a condition and fails the test with the message and the
// condition's last error; StartCache gives one test a cache of its own (an
// Authorizer with options of its own, say), stopped when the test ends.
//
// With Options.NodeMetrics the simulated nodes also serve kubelet-style
// usage metrics (NodeMetricsAddress, NodeCadvisorMetricsPath), set per pod
// by UsageCPUAnnotation and UsageMemoryAnnotation, for a real Prometheus to
// scrape (see testenv/prometheus and testenv/kubestatemetrics). In nodes
// mode kube-scheduler serves its own /metrics over https on loopback
// (SchedulerMetricsAddress).
//
// For storage, testenv/csi runs a CSI driver (spherekit's own hostpath
// driver) with the real Kubernetes CSI sidecars and the snapshot CRDs on a
// cluster with nodes, so claims are really provisioned, snapshotted,
// restored, cloned and expanded. For logs, testenv/victorialogs runs the
// log database observability/logstore writes to; for notifications,
// testenv/mailpit runs an SMTP server whose deliveries a test reads back;
// for alerts, testenv/alertmanager runs an Alertmanager whose webhook
// receivers post to the test's own HTTP server.
//
// Or start from Start for a cluster of your own (a program, several clusters, a
// cluster per test). Every cluster installs the CRDs of every spherekit API
// group. testenv needs a unix system (it uses file locks and process groups)
// and the go command on PATH.
//
// # When the process ends
//
// A cluster's processes and its folder (in the temporary folder, named
// spherekit-testenv-*) go away with the process that started them:
//
//   - Stop ends every process (SIGTERM to its process group, SIGKILL after
//     a grace period) and removes the folder.
//   - Run catches SIGINT (Ctrl-C) and SIGTERM, stops the cluster and exits
//     with 128 plus the signal's number; a second signal exits at once.
//   - On Linux, every process of a cluster dies with SIGKILL when the
//     process that started it ends in any way, handler or not: a panic,
//     go test -timeout, os.Exit, SIGKILL. The kernel sends it (a
//     parent-death signal), so nothing needs to run in the dying process.
//     Other systems have no parent-death signals: there only Stop and Run's
//     signal handling end the processes.
//   - A folder whose process ended without removing it is removed by the
//     next Start in any process sharing the temporary folder: the process
//     running a cluster holds a file lock in its folder, which the kernel
//     releases when the process ends.
//
// A parent-death signal fires when the thread that forked the child ends,
// not the process, and the Go runtime ends a thread whenever a goroutine
// locked to it returns. So testenv starts every process from a goroutine
// locked to its thread for the life of the process (internal/process, which
// the server packages such as testenv/gitea and testenv/ldap share).
// kube-controller-manager, kube-scheduler and kwok, which testenv starts, get
// SysProcAttr.Pdeathsig. etcd and kube-apiserver are started by
// controller-runtime's envtest, which sets their process attributes itself
// and has no way to add one. testenv points envtest at a /bin/sh script in
// the cluster folder that execs pdeathsig, a tiny program (source in
// internal/provision/pdeathsig, built into the cache like the other binaries,
// in about a second), which sets the parent-death signal, exits if its
// parent has already ended, and execs the real binary in its own place: same
// process ID and process group, so envtest signals and stops it as before.
// The signal is set in the very process that becomes etcd, so nothing else
// has to survive the parent; a watchdog process would have to find envtest's
// process IDs and could itself be killed, and re-executing the test binary
// as the wrapper would run every package initializer of a large binary.
package testenv
