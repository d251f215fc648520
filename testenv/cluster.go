package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/crds"
	"github.com/spherekit/spherekit/testenv/internal/process"
)

// clusterFolderPrefix names the cluster folders in the temporary folder. A
// folder is locked by the process running its cluster (see process.Folder),
// so the next Start in any process removes one whose process was killed,
// crashed or timed out before Stop could remove it.
const clusterFolderPrefix = "spherekit-testenv-"

// Cluster is a running local control plane. Its fields are set by Start and
// must not be changed.
type Cluster struct {
	// Config reaches the API server as an administrator (group
	// system:masters).
	Config *rest.Config
	// Client is a controller-runtime client on Config using Scheme.
	Client client.Client
	// Scheme holds the kinds Client knows.
	Scheme *runtime.Scheme

	opts     Options
	dir      string
	folder   *process.Folder // dir, owner-locked while the cluster lives
	env      *envtest.Environment
	etcdLog  *process.Tail
	apiLog   *process.Tail
	children []*child
	nodes    []string
	// nodeMetricsAddr is kwok's server address with Options.NodeMetrics.
	nodeMetricsAddr string
	// schedulerMetricsAddr is kube-scheduler's secure address in nodes mode.
	schedulerMetricsAddr string
	// auditServer is where the API server sends audit batches, with
	// Options.Audit.
	auditServer webhook.Options

	mu      sync.Mutex
	stopped bool
}

// Start provisions the binaries (building them on first use) and starts a
// control plane as opts describe. It returns once the API server serves every
// installed CRD and, in nodes mode, every simulated node is Ready and a probe
// pod has been scheduled and run. If ctx ends or a step fails, everything
// already started is stopped before Start returns.
//
// On Linux every process of the cluster dies with the calling process, even
// when it is killed (see the package documentation). Start also removes the
// folders of clusters whose process ended without stopping them.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("testenv: %w", err)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	bins, err := resolveBinaries(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	for _, dir := range process.RemoveAbandoned(clusterFolderPrefix) {
		progressf(opts.Progress, "testenv: removed %s, left by a cluster whose process ended", dir)
	}
	c := &Cluster{opts: opts, etcdLog: process.NewTail(40), apiLog: process.NewTail(40)}
	c.folder, err = process.NewFolder(clusterFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("testenv: cluster folder: %w", err)
	}
	c.dir = c.folder.Dir
	defer func() {
		if err != nil {
			_ = c.Stop()
		}
	}()
	if err := wrapInPdeathsig(filepath.Join(c.dir, "bin"), &bins); err != nil {
		return nil, err
	}

	c.Scheme = opts.Scheme
	if c.Scheme == nil {
		c.Scheme = runtime.NewScheme()
		if err := clientgoscheme.AddToScheme(c.Scheme); err != nil {
			return nil, fmt.Errorf("testenv: build scheme: %w", err)
		}
		if err := apiextensionsv1.AddToScheme(c.Scheme); err != nil {
			return nil, fmt.Errorf("testenv: build scheme: %w", err)
		}
		if err := spherekit.AddToScheme(c.Scheme); err != nil {
			return nil, fmt.Errorf("testenv: build scheme: %w", err)
		}
	}
	defs, err := crds.All()
	if err != nil {
		return nil, fmt.Errorf("testenv: load crds: %w", err)
	}
	for _, d := range opts.CRDs {
		defs = append(defs, d.DeepCopy())
	}

	progressf(opts.Progress, "testenv: starting etcd and kube-apiserver %s", KubernetesVersion)
	if err := c.startControlPlane(ctx, bins, defs); err != nil {
		return nil, err
	}
	c.Client, err = client.New(c.Config, client.Options{Scheme: c.Scheme})
	if err != nil {
		return nil, fmt.Errorf("testenv: create client: %w", err)
	}
	if err := os.WriteFile(c.KubeconfigPath(), c.env.KubeConfig, 0o600); err != nil {
		return nil, fmt.Errorf("testenv: write kubeconfig: %w", err)
	}
	if opts.Nodes > 0 {
		if err := c.startNodes(ctx, bins); err != nil {
			return nil, err
		}
	}
	progressf(opts.Progress, "testenv: cluster ready at %s", c.Config.Host)
	return c, nil
}

func (c *Cluster) startControlPlane(ctx context.Context, bins binaries, defs []*apiextensionsv1.CustomResourceDefinition) error {
	timeout := c.opts.startTimeout()
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = max(time.Until(dl), time.Second)
	}
	noExisting := false
	c.env = &envtest.Environment{
		UseExistingCluster:       &noExisting,
		Scheme:                   c.Scheme,
		CRDs:                     defs,
		ErrorIfCRDPathMissing:    false,
		ControlPlaneStartTimeout: timeout,
		ControlPlaneStopTimeout:  10 * time.Second,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			ValidatingWebhooks: deepCopyValidating(c.opts.ValidatingWebhooks),
			MutatingWebhooks:   deepCopyMutating(c.opts.MutatingWebhooks),
		},
	}
	etcd := &envtest.Etcd{Path: bins.etcd, DataDir: filepath.Join(c.dir, "etcd"), Out: c.etcdLog, Err: c.etcdLog}
	api := &envtest.APIServer{Path: bins.apiserver, CertDir: filepath.Join(c.dir, "apiserver"), Out: c.apiLog, Err: c.apiLog}
	for _, d := range []string{etcd.DataDir, api.CertDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
	}
	if len(c.opts.AuthenticationConfig) > 0 {
		path := filepath.Join(c.dir, "authentication-config.yaml")
		if err := os.WriteFile(path, c.opts.AuthenticationConfig, 0o600); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
		api.Configure().Append("authentication-config", path)
	}
	if c.opts.Audit != nil {
		if err := c.configureAudit(api); err != nil {
			return err
		}
	}
	c.env.ControlPlane.Etcd = etcd
	c.env.ControlPlane.APIServer = api
	// envtest's Start takes no context: run it aside and, if ctx ends first,
	// wait for it and let Start's cleanup stop what it started. It runs on a
	// starter thread, as every start of a process does.
	type result struct {
		cfg *rest.Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		process.OnStarterThread(func() { r.cfg, r.err = c.env.Start() })
		done <- r
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		r = <-done
		if r.err == nil {
			r.err = ctx.Err()
		}
	}
	if r.err != nil {
		if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
			return r.err
		}
		return &ProcessError{Component: "etcd/kube-apiserver", LogTail: "kube-apiserver:\n" + c.apiLog.String() + "\netcd:\n" + c.etcdLog.String(), Err: r.err}
	}
	c.Config = r.cfg
	return ctx.Err()
}

// KubeconfigPath is the path of a kubeconfig file for the administrator,
// for tools such as kubectl or a program under test.
func (c *Cluster) KubeconfigPath() string {
	return filepath.Join(c.dir, "kubeconfig")
}

// EtcdURL is the client URL of the cluster's etcd, such as
// http://127.0.0.1:2379. etcd serves its Prometheus metrics there at
// /metrics, over plain HTTP.
func (c *Cluster) EtcdURL() string {
	if c.env == nil || c.env.ControlPlane.Etcd == nil || c.env.ControlPlane.Etcd.URL == nil {
		return ""
	}
	return c.env.ControlPlane.Etcd.URL.String()
}

// NodeNames returns the names of the simulated nodes, empty in API-only mode.
func (c *Cluster) NodeNames() []string {
	return append([]string(nil), c.nodes...)
}

// WebhookServerOptions returns the options a controller-runtime webhook
// server needs to serve the webhooks in Options.ValidatingWebhooks and
// Options.MutatingWebhooks to this cluster's API server.
func (c *Cluster) WebhookServerOptions() webhook.Options {
	w := c.env.WebhookInstallOptions
	return webhook.Options{Host: w.LocalServingHost, Port: w.LocalServingPort, CertDir: w.LocalServingCertDir}
}

// AddUser returns a config that authenticates to the API server as the given
// user and groups (with a client certificate), for tests of authorization.
func (c *Cluster) AddUser(name string, groups ...string) (*rest.Config, error) {
	if name == "" {
		return nil, &OptionsError{Field: "name", Reason: "a user needs a name"}
	}
	u, err := c.env.AddUser(envtest.User{Name: name, Groups: groups}, rest.CopyConfig(c.Config))
	if err != nil {
		return nil, fmt.Errorf("testenv: add user %q: %w", name, err)
	}
	return u.Config(), nil
}

// RestartAPIServer stops kube-apiserver and starts it again on the same
// address with the same certificates, so existing configs and clients keep
// working once it is back. Requests in flight fail. For fault-injection tests.
func (c *Cluster) RestartAPIServer(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errors.New("testenv: cluster is stopped")
	}
	api := c.env.ControlPlane.APIServer
	if err := api.Stop(); err != nil {
		// With clients connected kube-apiserver may not finish a graceful
		// shutdown within the stop timeout; envtest then kills it. Killed is
		// what a fault test wants, so go on once the process is gone.
		if !c.apiServerGone(10 * time.Second) {
			return fmt.Errorf("testenv: stop kube-apiserver: %w", err)
		}
	}
	progressf(c.opts.Progress, "testenv: kube-apiserver stopped; starting it again")
	done := make(chan error, 1)
	go func() {
		var err error
		process.OnStarterThread(func() { err = api.Start() })
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = <-done
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		return &ProcessError{Component: "kube-apiserver", LogTail: c.apiLog.String(), Err: fmt.Errorf("restart: %w", err)}
	}
	return nil
}

// Stop ends every process of the cluster and removes its folders. It is safe
// to call more than once and from several goroutines.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	var errs []error
	// Node components first, so they do not log a dead API server.
	for i := len(c.children) - 1; i >= 0; i-- {
		c.children[i].Stop(10 * time.Second)
	}
	if c.env != nil && c.env.ControlPlane.APIServer != nil {
		if err := c.env.Stop(); err != nil && !c.apiServerGone(10*time.Second) {
			errs = append(errs, fmt.Errorf("stop control plane: %w", err))
		}
	}
	if c.folder != nil {
		// The lock is released after the removal: a folder left behind is
		// then free for the next Start to remove.
		if err := c.folder.Remove(); err != nil {
			errs = append(errs, fmt.Errorf("remove cluster folder: %w", err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("testenv: %w", errors.Join(errs...))
	}
	return nil
}

// apiServerGone waits up to d for every process of this cluster's
// kube-apiserver to exit (envtest kills one that does not stop in time, and
// reports that as an error), and reports whether they did. Its processes are
// found by the certificate folder in their arguments.
func (c *Cluster) apiServerGone(d time.Duration) bool {
	certDir := filepath.Join(c.dir, "apiserver")
	deadline := time.Now().Add(d)
	for {
		running, known := processRunningWith(certDir)
		if known && !running {
			return true
		}
		if !known || time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
