package testenv

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv/internal/process"
)

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		field string
	}{
		{"negative nodes", Options{Nodes: -1}, "Nodes"},
		{"too many nodes", Options{Nodes: 5000}, "Nodes"},
		{"unknown version", Options{KubernetesVersion: "1.20.0"}, "KubernetesVersion"},
		{"negative timeout", Options{StartTimeout: -time.Second}, "StartTimeout"},
		{"missing binary folder", Options{BinaryDir: "/does/not/exist"}, "BinaryDir"},
		{"nameless crd", Options{CRDs: []*apiextensionsv1.CustomResourceDefinition{{}}}, "CRDs"},
		{"node metrics without nodes", Options{NodeMetrics: true}, "NodeMetrics"},
		{"audit without a path", Options{Audit: &AuditOptions{}}, "Audit.Path"},
		{"audit path without a slash", Options{Audit: &AuditOptions{Path: "audit"}}, "Audit.Path"},
		{"negative audit batch wait", Options{Audit: &AuditOptions{Path: "/audit", BatchMaxWait: -time.Second}}, "Audit.BatchMaxWait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Start(context.Background(), tt.opts)
			var oe *OptionsError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tt.field, oe.Field)
			assert.Contains(t, err.Error(), "testenv: invalid "+tt.field)
		})
	}
	_, err := Start(context.Background(), Options{KubernetesVersion: "v" + KubernetesVersion, Nodes: -1})
	var oe *OptionsError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "Nodes", oe.Field, "a leading v is accepted in the version")
}

func TestAPIOnlyCluster(t *testing.T) {
	ctx := context.Background()
	dc, err := discovery.NewDiscoveryClientForConfig(shared.Config)
	require.NoError(t, err)
	v, err := dc.ServerVersion()
	require.NoError(t, err)
	assert.Equal(t, "v"+KubernetesVersion, v.GitVersion)
	assert.Empty(t, shared.NodeNames())
	assert.FileExists(t, shared.KubeconfigPath())

	ns := shared.NewNamespace(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns}, Data: map[string]string{"k": "v"}}
	require.NoError(t, shared.Client.Create(ctx, cm))
	got := &corev1.ConfigMap{}
	require.NoError(t, shared.Client.Get(ctx, client.ObjectKeyFromObject(cm), got))
	assert.Equal(t, "v", got.Data["k"])
}

func TestWorkspaceRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := shared.Client
	ws := &tenantv1beta1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: "round-trip"},
		Spec:       tenantv1beta1.WorkspaceSpec{Manager: "admin"},
	}
	require.NoError(t, c.Create(ctx, ws))
	t.Cleanup(func() { _ = c.Delete(context.Background(), ws) })

	got := &tenantv1beta1.Workspace{}
	require.NoError(t, c.Get(ctx, client.ObjectKey{Name: "round-trip"}, got))
	assert.Equal(t, "admin", got.Spec.Manager)
	assert.Empty(t, got.Namespace, "workspaces are cluster-scoped")

	var list tenantv1beta1.WorkspaceList
	require.NoError(t, c.List(ctx, &list))
	var names []string
	for _, w := range list.Items {
		names = append(names, w.Name)
	}
	assert.Contains(t, names, "round-trip")

	require.NoError(t, c.Delete(ctx, got))
	err := c.Get(ctx, client.ObjectKey{Name: "round-trip"}, &tenantv1beta1.Workspace{})
	assert.True(t, apierrors.IsNotFound(err), "deleted: %v", err)
}

// TestCRDsValidateAsKubeSpheres checks that the installed CRDs enforce the
// rules of KubeSphere's schema and no more: fields KubeSphere requires are
// required, and what its schema accepts (names that are not DNS labels, any
// manager string) is accepted; the Client and the webhooks check more.
func TestCRDsValidateAsKubeSpheres(t *testing.T) {
	obj := func(apiVersion, kind, name string, fields map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name}}}
		maps.Copy(u.Object, fields)
		return u
	}
	rules := []any{map[string]any{"apiGroups": []any{""}, "resources": []any{"pods"}, "verbs": []any{"get"}}}
	tests := []struct {
		name    string
		obj     *unstructured.Unstructured
		message string // empty: accepted
	}{
		{
			name: "workspace name and manager KubeSphere's schema does not check",
			obj:  obj("tenant.kubesphere.io/v1beta1", "Workspace", "dotted.name", map[string]any{"spec": map[string]any{"manager": "Not A User!"}}),
		},
		{
			name:    "global role without rules",
			obj:     obj("iam.kubesphere.io/v1beta1", "GlobalRole", "no-rules", nil),
			message: "rules: Required value",
		},
		{
			name: "global role with rules",
			obj:  obj("iam.kubesphere.io/v1beta1", "GlobalRole", "with-rules", map[string]any{"rules": rules}),
		},
		{
			name:    "workspace template without placement",
			obj:     obj("tenant.kubesphere.io/v1beta1", "WorkspaceTemplate", "no-placement", map[string]any{"spec": map[string]any{"template": map[string]any{}}}),
			message: "spec.placement: Required value",
		},
		{
			name:    "binding without roleRef.apiGroup",
			obj:     obj("iam.kubesphere.io/v1beta1", "GlobalRoleBinding", "no-api-group", map[string]any{"roleRef": map[string]any{"kind": "GlobalRole", "name": "x"}}),
			message: "roleRef.apiGroup: Required value",
		},
		{
			name:    "login record without provider, reason and source IP",
			obj:     obj("iam.kubesphere.io/v1beta1", "LoginRecord", "no-provider", map[string]any{"spec": map[string]any{"type": "Token", "success": true}}),
			message: "spec.provider: Required value",
		},
		{
			name:    "short password",
			obj:     obj("iam.kubesphere.io/v1beta1", "User", "short-password", map[string]any{"spec": map[string]any{"email": "a@example.com", "password": "Pa55w"}}),
			message: "spec.password",
		},
		{
			name: "the same global role at v1alpha2",
			obj:  obj("iam.kubesphere.io/v1alpha2", "GlobalRole", "old-version", map[string]any{"rules": rules}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := shared.Client.Create(context.Background(), tt.obj.DeepCopy())
			if tt.message == "" {
				require.NoError(t, err)
				require.NoError(t, shared.Client.Delete(context.Background(), tt.obj))
				return
			}
			require.Error(t, err)
			assert.True(t, apierrors.IsInvalid(err), "want Invalid, got %v", err)
			assert.Contains(t, err.Error(), tt.message)
		})
	}
}

func TestTwoClustersAtOnce(t *testing.T) {
	ctx := context.Background()
	var wg sync.WaitGroup
	clusters := make([]*Cluster, 2)
	errs := make([]error, 2)
	for i := range clusters {
		wg.Go(func() { clusters[i], errs[i] = Start(ctx, Options{}) })
	}
	wg.Wait()
	for i, c := range clusters {
		require.NoError(t, errs[i])
		t.Cleanup(func() { _ = c.Stop() })
	}
	require.NotEqual(t, clusters[0].Config.Host, clusters[1].Config.Host)

	// An object in one is absent from the other.
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "only-in-first"}}
	require.NoError(t, clusters[0].Client.Create(ctx, ws))
	err := clusters[1].Client.Get(ctx, client.ObjectKeyFromObject(ws), &tenantv1beta1.Workspace{})
	assert.True(t, apierrors.IsNotFound(err))
}

func TestRestartAPIServer(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })

	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "survives-restart"}}
	require.NoError(t, c.Client.Create(ctx, ws))
	// A client holding a watch open keeps kube-apiserver from a quick
	// graceful stop; the restart kills it then, as a fault test wants.
	wc, err := client.NewWithWatch(c.Config, client.Options{Scheme: c.Scheme})
	require.NoError(t, err)
	w, err := wc.Watch(ctx, &tenantv1beta1.WorkspaceList{})
	require.NoError(t, err)
	defer w.Stop()
	require.NoError(t, c.RestartAPIServer(ctx))

	// The same client works again, and the data kept in etcd is still there.
	got := &tenantv1beta1.Workspace{}
	require.NoError(t, c.Client.Get(ctx, client.ObjectKeyFromObject(ws), got))
	assert.Equal(t, ws.UID, got.UID)
	require.NoError(t, c.Client.Create(ctx, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "after-restart"}}))
}

func TestStopLeavesNothingBehind(t *testing.T) {
	c, err := Start(context.Background(), Options{Nodes: 1})
	require.NoError(t, err)
	dir := c.dir
	pids := processesMentioning(t, dir)
	require.Len(t, pids, 5, "etcd, kube-apiserver, controller-manager, scheduler and kwok")

	require.NoError(t, c.Stop())
	require.NoError(t, c.Stop(), "Stop is idempotent")
	for _, pid := range pids {
		err := syscall.Kill(pid, 0)
		assert.True(t, errors.Is(err, syscall.ESRCH), "process %d is gone, got %v", pid, err)
	}
	assert.Empty(t, processesMentioning(t, dir))
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "cluster folder %s is removed", dir)
}

// TestStartHonoursCancellation cancels Start's context before Start, while
// etcd and kube-apiserver start, and while the node components start, and
// checks that Start returns ctx's error promptly, having stopped every
// process it started and removed its cluster folder. The cluster's folder is
// the one whose owner lock this process holds open (the shared cluster's
// aside); its processes are those mentioning the folder.
func TestStartHonoursCancellation(t *testing.T) {
	tests := []struct {
		name    string
		nodes   int
		trigger string // progress line after which to cancel; "" cancels before Start
		running int    // cancel once this many processes of the cluster run
		// within bounds the time from the cancellation to Start's return.
		// envtest's start of etcd and kube-apiserver takes no context, so
		// Start waits for it (seconds, longer on a loaded machine) before
		// stopping what it started; later steps end at once, and stopping
		// takes seconds.
		within time.Duration
	}{
		{name: "before Start"},
		{name: "while etcd and kube-apiserver start", trigger: "testenv: starting etcd and kube-apiserver", running: 2, within: time.Minute},
		{name: "while the node components start", nodes: 1, trigger: "testenv: starting kube-controller-manager", running: 5, within: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.trigger == "" {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				c, err := Start(ctx, Options{})
				assert.True(t, c == nil, "Start returned no cluster")
				assert.ErrorIs(t, err, context.Canceled)
				assert.Empty(t, heldClusterFolders(t), "no cluster folder was made")
				return
			}
			if runtime.GOOS != "linux" {
				t.Skip("cancelling mid-start is checked by reading the cluster's processes and open folder locks from /proc, which only Linux has; the before-start row above runs everywhere")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			progress := &progressTrigger{trigger: tt.trigger, reached: make(chan struct{})}
			type result struct {
				c   *Cluster
				err error
			}
			done := make(chan result, 1)
			go func() {
				c, err := Start(ctx, Options{Nodes: tt.nodes, Progress: progress})
				done <- result{c, err}
			}()
			// Whatever a failed case leaves: the cluster, or its processes
			// and folder.
			var dir string
			t.Cleanup(func() {
				cancel()
				if r := <-done; r.c != nil {
					_ = r.c.Stop()
				}
				if dir == "" {
					return
				}
				for pid := range clusterProcesses(dir) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
				_ = os.RemoveAll(dir)
			})
			startedEarly := func(r result) {
				done <- r // for the cleanup
				require.FailNow(t, "Start returned before it could be cancelled", "err %v; progress:\n%s", r.err, progress.out.String())
			}

			select {
			case <-progress.reached:
			case r := <-done:
				startedEarly(r)
			case <-time.After(3 * time.Minute):
				require.FailNow(t, "Start did not reach "+tt.trigger, "progress:\n%s", progress.out.String())
			}
			held := heldClusterFolders(t)
			require.Len(t, held, 1, "the starting cluster's folder")
			dir = held[0]
			var procs map[int]string
			deadline := time.After(2 * time.Minute)
			for procs = clusterProcesses(dir); len(procs) < tt.running; procs = clusterProcesses(dir) {
				select {
				case r := <-done:
					startedEarly(r)
				case <-deadline:
					require.FailNow(t, "the cluster's processes did not start", "running: %v", procs)
				case <-time.After(20 * time.Millisecond):
				}
			}
			select {
			case r := <-done:
				startedEarly(r)
			default:
			}

			cancel()
			cancelled := time.Now()
			var r result
			select {
			case r = <-done:
				done <- r // for the cleanup
			case <-time.After(tt.within):
				require.FailNow(t, "Start did not return within "+tt.within.String()+" of its context's cancellation")
			}
			t.Logf("cancelled with %v running; Start returned %v later", slices.Sorted(maps.Values(procs)), time.Since(cancelled).Round(time.Millisecond))
			assert.True(t, r.c == nil, "Start returned no cluster")
			assert.ErrorIs(t, r.err, context.Canceled)
			assert.Empty(t, liveProcesses(procs, dir), "the processes running at the cancellation are stopped")
			assert.Empty(t, clusterProcesses(dir), "no process mentions the cluster folder")
			assert.NoDirExists(t, dir, "the cluster folder is removed")
			assert.Empty(t, heldClusterFolders(t), "no cluster folder is held")
		})
	}
}

// progressTrigger is a Progress writer that keeps what is written and closes
// reached once a line containing trigger is (testenv writes a line a call).
type progressTrigger struct {
	trigger string
	reached chan struct{}
	once    sync.Once
	out     syncBuffer
}

func (p *progressTrigger) Write(b []byte) (int, error) {
	_, _ = p.out.Write(b)
	if strings.Contains(string(b), p.trigger) {
		p.once.Do(func() { close(p.reached) })
	}
	return len(b), nil
}

// heldClusterFolders returns the cluster folders, other than the shared
// cluster's, whose owner lock file this process holds open: those of the
// clusters it is starting or running.
func heldClusterFolders(t *testing.T) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil // no /proc: nothing to find
	}
	held := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && (filepath.Base(target) == process.OwnerLockName || filepath.Base(target) == "."+process.OwnerLockName) {
			held[filepath.Dir(target)] = true
		}
	}
	matches, err := filepath.Glob(filepath.Join(os.TempDir(), clusterFolderPrefix+"*"))
	require.NoError(t, err)
	var out []string
	for _, dir := range matches {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil && held[real] && dir != shared.dir {
			out = append(out, dir)
		}
	}
	return out
}

func TestNodesModeRollsOutDeployment(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Nodes: 3})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	assert.Len(t, c.NodeNames(), 3)

	var nodes corev1.NodeList
	require.NoError(t, c.Client.List(ctx, &nodes))
	require.Len(t, nodes.Items, 3)
	for _, n := range nodes.Items {
		assert.Equal(t, "32", n.Status.Allocatable.Cpu().String())
	}

	ns := c.NewNamespace(t)
	dep := deployment(ns, "web", 100)
	require.NoError(t, c.CreateAndWait(ctx, dep, func(o client.Object) (bool, error) {
		d := o.(*appsv1.Deployment)
		return d.Status.AvailableReplicas == 100 && d.Status.ObservedGeneration == d.Generation, nil
	}))

	var pods corev1.PodList
	require.NoError(t, c.Client.List(ctx, &pods, client.InNamespace(ns)))
	running, perNode := 0, map[string]int{}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning {
			running++
			perNode[p.Spec.NodeName]++
		}
	}
	assert.Equal(t, 100, running)
	assert.Len(t, perNode, 3, "pods are spread over every node")
}

// processesMentioning lists the processes whose command line contains s (the
// cluster folder appears in the arguments of every process of a cluster).
func processesMentioning(t *testing.T, s string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err, "this test reads /proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func deployment(ns, name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:                    []corev1.Container{{Name: "app", Image: "nginx"}},
					TerminationGracePeriodSeconds: new(int64(0)),
				},
			},
		},
	}
}
