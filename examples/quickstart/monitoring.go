package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/monitoring"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// The simulated usage of each replica of the tour's monitored workload.
const (
	tourReplicas    = 2
	tourPodCPU      = "250m"
	tourPodCPUCores = 0.25
	tourPodMemory   = "64Mi"
	tourPodMemBytes = 64 << 20
)

// monitoringStack is kube-state-metrics and Prometheus watching the
// embedded cluster, with spherekit's recording rules loaded.
type monitoringStack struct {
	ksm  *kubestatemetrics.Server
	prom *prometheus.Server
}

// startMonitoring builds (the first time) and starts kube-state-metrics and
// Prometheus for the embedded cluster, scraping its API server, etcd, the
// simulated kubelets and kube-state-metrics.
func startMonitoring(ctx context.Context, cluster *testenv.Cluster, progress io.Writer) (_ *monitoringStack, err error) {
	s := &monitoringStack{}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.stop())
		}
	}()
	if s.ksm, err = kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{Progress: progress}); err != nil {
		return nil, fmt.Errorf("start kube-state-metrics: %w", err)
	}
	jobs, err := prometheus.ClusterScrapeConfigs(cluster, prometheus.ClusterTargets{KubeStateMetrics: s.ksm.Address()})
	if err != nil {
		return nil, err
	}
	s.prom, err = prometheus.Start(ctx, prometheus.Options{
		ScrapeConfigs: jobs,
		RuleFiles:     map[string]string{"spherekit-recording-rules.yaml": string(monitoring.RecordingRules())},
		Progress:      progress,
	})
	if err != nil {
		return nil, fmt.Errorf("start Prometheus: %w", err)
	}
	return s, nil
}

func (s *monitoringStack) stop() error {
	var errs []error
	if s.prom != nil {
		errs = append(errs, s.prom.Stop())
	}
	if s.ksm != nil {
		errs = append(errs, s.ksm.Stop())
	}
	return errors.Join(errs...)
}

// prometheusAPI returns Prometheus's HTTP API client for address.
func prometheusAPI(address string) (promv1.API, error) {
	pc, err := promapi.NewClient(promapi.Config{Address: address})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", address, err)
	}
	return promv1.NewAPI(pc), nil
}

// monitoringTour runs a Deployment whose pods use a known amount of CPU and
// memory (simulated by kwok from annotations on the embedded cluster) and
// reads the project's and the workspace's usage back through
// monitoring.Client, KubeSphere's named metrics over the real Prometheus.
func monitoringTour(ctx context.Context, out io.Writer, c client.Client, api promv1.API, ws, project string) error {
	mc, err := monitoring.NewClient(api, monitoring.ClientOptions{Reader: c})
	if err != nil {
		return err
	}
	labels := map[string]string{"app": "metered"}
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: "metered"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](tourReplicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{
					testenv.UsageCPUAnnotation:    tourPodCPU,
					testenv.UsageMemoryAnnotation: tourPodMemory,
				}},
				// Requests, since the workspace quota set before counts
				// requests.cpu: pods without them are refused.
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse(tourPodCPU), corev1.ResourceMemory: resource.MustParse(tourPodMemory),
					}}}}},
			},
		},
	}
	if err := c.Create(ctx, deploy); err != nil {
		return fmt.Errorf("create deployment %s/%s: %w", project, deploy.Name, err)
	}
	fmt.Fprintf(out, "Created deployment metered in %s: %d replicas, each using %s CPU and %s memory.\n", project, tourReplicas, tourPodCPU, tourPodMemory)

	wantCPU, wantMem := tourReplicas*tourPodCPUCores, float64(tourReplicas*tourPodMemBytes)
	projectTarget := monitoring.Target{Level: monitoring.LevelNamespace, Namespace: project}
	projectMetrics := []string{"namespace_cpu_usage", "namespace_memory_usage_wo_cache", "namespace_pod_count"}
	waitCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var got *monitoring.Metrics
	for {
		got, err = mc.Query(waitCtx, projectTarget, projectMetrics, monitoring.QueryOptions{})
		if err == nil && near(value(got, "namespace_cpu_usage"), wantCPU) && near(value(got, "namespace_memory_usage_wo_cache"), wantMem) {
			break
		}
		select {
		case <-waitCtx.Done():
			if err != nil {
				return fmt.Errorf("project usage never reached %.2f cores and %.0f bytes: %w", wantCPU, wantMem, errors.Join(err, waitCtx.Err()))
			}
			return fmt.Errorf("project usage never reached %.2f cores and %.0f bytes (last answer: %.3f cores, %.0f bytes): %w",
				wantCPU, wantMem, value(got, "namespace_cpu_usage"), value(got, "namespace_memory_usage_wo_cache"), waitCtx.Err())
		case <-time.After(time.Second):
		}
	}
	fmt.Fprintf(out, "Project %s uses %.1f CPU cores and %s of memory in %s pods (monitoring.Client, KubeSphere's named metrics).\n",
		project, value(got, "namespace_cpu_usage"), mebibytes(value(got, "namespace_memory_usage_wo_cache")), strconv.FormatFloat(value(got, "namespace_pod_count"), 'f', -1, 64))

	wsMetrics := []string{"workspace_cpu_usage", "workspace_memory_usage_wo_cache"}
	got, err = mc.Query(ctx, monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: ws}, wsMetrics, monitoring.QueryOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Workspace %s uses %.1f CPU cores and %s of memory (selected by its label, not by listing its projects).\n",
		ws, value(got, "workspace_cpu_usage"), mebibytes(value(got, "workspace_memory_usage_wo_cache")))
	return nil
}

// value returns the first series' value of a metric in m, or NaN.
func value(m *monitoring.Metrics, metric string) float64 {
	if m == nil {
		return math.NaN()
	}
	for _, r := range m.Results {
		if r.MetricName == metric && len(r.Data.Result) > 0 && r.Data.Result[0].Value != nil {
			return r.Data.Result[0].Value.Value
		}
	}
	return math.NaN()
}

// near reports whether got is want within 2%: a CPU rate is computed from
// counter samples, and the project's other pods (the network tour's) use a
// little too (kwok's default for a pod without usage annotations is 1m CPU
// and 1Mi of memory).
func near(got, want float64) bool { return math.Abs(got-want) <= 0.02*want }

func mebibytes(b float64) string { return strconv.FormatFloat(b/(1<<20), 'f', 0, 64) + " MiB" }
