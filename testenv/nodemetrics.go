package testenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Annotations that set the simulated usage of a pod when Options.NodeMetrics
// is on. Each container of the pod reports the pod's value; the value is a
// Kubernetes quantity ("250m" CPUs, "64Mi" of memory). Without them a
// container uses 1m CPU and 1Mi of memory.
const (
	UsageCPUAnnotation    = "kwok.x-k8s.io/usage-cpu"
	UsageMemoryAnnotation = "kwok.x-k8s.io/usage-memory"
)

// NodeCadvisorMetricsPath is the path, on NodeMetricsAddress, of a node's
// cAdvisor-style endpoint (kubelet's /metrics/cadvisor):
// container_cpu_usage_seconds_total, container_memory_working_set_bytes and
// container_memory_usage_bytes by container, image, namespace and pod, the
// labels KubeSphere's queries select on. Memory usage equals the working
// set: kwok simulates no page cache.
func NodeCadvisorMetricsPath(node string) string {
	return "/metrics/nodes/" + node + "/metrics/cadvisor"
}

// cadvisorMetric is a kwok Metric object, written for testenv, that serves a
// cAdvisor-like endpoint per node: the series of kubelet's /metrics/cadvisor
// that per-container usage queries read, with the image label the kubelet
// adds there.
const cadvisorMetric = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Metric
metadata:
  name: spherekit-testenv-cadvisor
spec:
  path: "/metrics/nodes/{nodeName}/metrics/cadvisor"
  metrics:
  - name: container_cpu_usage_seconds_total
    dimension: container
    help: Cumulative CPU time the container used, in core-seconds (simulated).
    kind: counter
    labels:
    - name: container
      value: container.name
    - name: image
      value: container.image
    - name: namespace
      value: pod.metadata.namespace
    - name: pod
      value: pod.metadata.name
    value: pod.CumulativeUsage("cpu", container.name)
  - name: container_memory_working_set_bytes
    dimension: container
    help: Working set of the container in bytes (simulated).
    kind: gauge
    labels:
    - name: container
      value: container.name
    - name: image
      value: container.image
    - name: namespace
      value: pod.metadata.namespace
    - name: pod
      value: pod.metadata.name
    value: pod.Usage("memory", container.name)
  - name: container_memory_usage_bytes
    dimension: container
    help: Memory the container uses in bytes, page cache included (simulated; none is).
    kind: gauge
    labels:
    - name: container
      value: container.name
    - name: image
      value: container.image
    - name: namespace
      value: pod.metadata.namespace
    - name: pod
      value: pod.metadata.name
    value: pod.Usage("memory", container.name)
`

// NodeMetricsAddress is the host:port of kwok's HTTP server when
// Options.NodeMetrics is on (empty otherwise). It serves, over plain HTTP,
// NodeCadvisorMetricsPath for every node in NodeNames.
func (c *Cluster) NodeMetricsAddress() string {
	return c.nodeMetricsAddr
}

// SchedulerMetricsAddress is the host:port of kube-scheduler's secure
// server in nodes mode (empty otherwise). It serves /metrics over https with
// a self-signed certificate to anyone, without credentials, as
// --authorization-always-allow-paths lets a scraper in; every other path
// but the health checks is refused.
func (c *Cluster) SchedulerMetricsAddress() string {
	return c.schedulerMetricsAddr
}

// writeCadvisorMetric writes cadvisorMetric into the cluster folder and
// returns its path.
func (c *Cluster) writeCadvisorMetric() (string, error) {
	p := filepath.Join(c.dir, "kwok-cadvisor.yaml")
	if err := os.WriteFile(p, []byte(cadvisorMetric), 0o600); err != nil {
		return "", fmt.Errorf("testenv: write kwok metric: %w", err)
	}
	return p, nil
}

// nodeMetricsServing reports whether kwok's server answers the cAdvisor
// endpoint of the first node, or else says what went wrong.
func (c *Cluster) nodeMetricsServing(ctx context.Context) (bool, string) {
	if c.nodeMetricsAddr == "" || len(c.nodes) == 0 {
		return true, ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + c.nodeMetricsAddr + NodeCadvisorMetricsPath(c.nodes[0])
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, "kwok metrics: " + err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("kwok metrics: %s answered %d", url, resp.StatusCode)
	}
	return true, ""
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port nothing listens
// on right now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("testenv: pick a port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}
