package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels and annotations of simulated nodes.
const (
	// kwokNodeAnnotation marks nodes kwok manages; kwok is started with a
	// selector on it so it never touches other nodes.
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	// NodeTypeLabel is set to "kwok" on every simulated node.
	NodeTypeLabel = "type"
)

// startNodes runs kube-controller-manager, kube-scheduler and kwok against the
// API server, registers the simulated nodes and waits until a probe pod runs.
func (c *Cluster) startNodes(ctx context.Context, bins binaries) error {
	kubeconfig := c.KubeconfigPath()
	kwokArgs := []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + bins.kwokStages,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=fake",
		"--node-lease-duration-seconds=40",
	}
	if c.opts.NodeMetrics {
		cadvisor, err := c.writeCadvisorMetric()
		if err != nil {
			return err
		}
		if c.nodeMetricsAddr, err = freeLoopbackAddr(); err != nil {
			return err
		}
		kwokArgs = append(kwokArgs, "--config="+bins.kwokUsage, "--config="+cadvisor, "--server-address="+c.nodeMetricsAddr)
	}
	schedulerAddr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	schedulerHost, schedulerPort, err := net.SplitHostPort(schedulerAddr)
	if err != nil {
		return fmt.Errorf("testenv: scheduler address %q: %w", schedulerAddr, err)
	}
	c.schedulerMetricsAddr = schedulerAddr
	progressf(c.opts.Progress, "testenv: starting kube-controller-manager, kube-scheduler and kwok with %d simulated nodes", c.opts.Nodes)
	specs := []struct {
		name, path string
		args       []string
	}{
		{"kube-controller-manager", bins.controllerManager, []string{
			"--kubeconfig=" + kubeconfig,
			"--leader-elect=false",
			"--controllers=*,-serviceaccount-token",
			"--secure-port=0",
			"--use-service-account-credentials=false",
			"--concurrent-deployment-syncs=10",
			"--concurrent-replicaset-syncs=10",
			"--kube-api-qps=500",
			"--kube-api-burst=1000",
			// Recount quota usage every 10s rather than 5m, so tests see a
			// ResourceQuota converge after a race between its creation and
			// objects created at the same time.
			"--resource-quota-sync-period=10s",
		}},
		{"kube-scheduler", bins.scheduler, []string{
			"--kubeconfig=" + kubeconfig,
			"--leader-elect=false",
			// /metrics over https with a self-signed certificate, open to
			// anonymous scrapes (see SchedulerMetricsAddress); without an
			// authorization kubeconfig every other secure path is refused.
			"--bind-address=" + schedulerHost,
			"--secure-port=" + schedulerPort,
			"--cert-dir=" + filepath.Join(c.dir, "kube-scheduler-certs"),
			"--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
			"--kube-api-qps=500",
			"--kube-api-burst=1000",
		}},
		{"kwok", bins.kwok, kwokArgs},
	}
	for _, s := range specs {
		ch, err := startChild(s.name, s.path, filepath.Join(c.dir, s.name+".log"), s.args...)
		if err != nil {
			return err
		}
		c.children = append(c.children, ch)
	}
	for i := range c.opts.Nodes {
		name := "kwok-node-" + strconv.Itoa(i)
		if err := c.registerNode(ctx, name); err != nil {
			return err
		}
		c.nodes = append(c.nodes, name)
	}
	return c.waitNodesWork(ctx)
}

// registerNode creates one simulated node with its capacity.
func (c *Cluster) registerNode(ctx context.Context, name string) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokNodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{
				NodeTypeLabel:                   "kwok",
				corev1.LabelHostname:            name,
				corev1.LabelOSStable:            "linux",
				corev1.LabelArchStable:          "amd64",
				"kubernetes.io/role":            "agent",
				"node-role.kubernetes.io/agent": "",
			},
		},
	}
	if err := c.Client.Create(ctx, node); err != nil {
		return fmt.Errorf("testenv: register node %s: %w", name, err)
	}
	node.Status.Capacity = capacity
	node.Status.Allocatable = capacity.DeepCopy()
	if err := c.Client.Status().Update(ctx, node); err != nil {
		return fmt.Errorf("testenv: set capacity of node %s: %w", name, err)
	}
	return nil
}

// waitNodesWork waits until every node is Ready and a probe pod is scheduled
// and Running, which proves the scheduler, kwok and the controller-manager's
// service-account controller work. A child that exits meanwhile fails it.
func (c *Cluster) waitNodesWork(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.startTimeout())
	defer cancel()
	probe := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "testenv-probe", Namespace: metav1.NamespaceDefault},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "probe", Image: "probe"}},
			AutomountServiceAccountToken:  new(false),
			TerminationGracePeriodSeconds: new(int64(0)),
		},
	}
	var lastState string
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		for _, ch := range c.children {
			if ch.Exited() {
				return false, ch.failure()
			}
		}
		ready, err := c.readyNodes(ctx)
		if err != nil {
			lastState = err.Error()
			return false, nil
		}
		if ready < len(c.nodes) {
			lastState = fmt.Sprintf("%d of %d nodes Ready", ready, len(c.nodes))
			return false, nil
		}
		got := &corev1.Pod{}
		err = c.Client.Get(ctx, client.ObjectKeyFromObject(probe), got)
		if apierrors.IsNotFound(err) {
			// Creation fails until the default service account exists.
			if err := c.Client.Create(ctx, probe.DeepCopy()); err != nil {
				lastState = "create probe pod: " + err.Error()
			}
			return false, nil
		}
		if err != nil {
			lastState = err.Error()
			return false, nil
		}
		lastState = fmt.Sprintf("probe pod %s on node %q", got.Status.Phase, got.Spec.NodeName)
		if got.Status.Phase != corev1.PodRunning {
			return false, nil
		}
		ok, why := c.nodeMetricsServing(ctx)
		if !ok {
			lastState = why
		}
		return ok, nil
	})
	if err != nil {
		var pe *ProcessError
		if errors.As(err, &pe) {
			return pe
		}
		return &ProcessError{Component: "nodes", LogTail: c.childTails(), Err: fmt.Errorf("simulated nodes not working (%s): %w", lastState, err)}
	}
	if err := c.Client.Delete(ctx, probe, client.GracePeriodSeconds(0)); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("testenv: delete probe pod: %w", err)
	}
	return nil
}

func (c *Cluster) readyNodes(ctx context.Context) (int, error) {
	var list corev1.NodeList
	if err := c.Client.List(ctx, &list, client.MatchingLabels{NodeTypeLabel: "kwok"}); err != nil {
		return 0, err
	}
	n := 0
	for _, node := range list.Items {
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n, nil
}

func (c *Cluster) childTails() string {
	var out string
	for _, ch := range c.children {
		out += ch.name + ":\n" + ch.LogTail() + "\n"
	}
	return out
}
