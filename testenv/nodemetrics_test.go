package testenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestNodeMetricsServeAnnotatedUsage runs kwok with its metrics server and
// reads, as Prometheus would, the usage a pod's annotations set on both
// endpoints of the pod's node.
func TestNodeMetricsServeAnnotatedUsage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Nodes: 2, NodeMetrics: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	require.NotEmpty(t, c.NodeMetricsAddress())
	assert.Empty(t, shared.NodeMetricsAddress(), "off unless asked for")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, c.EtcdURL())

	ns := c.NewNamespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "busy", Namespace: ns, Annotations: map[string]string{
			UsageCPUAnnotation:    "250m",
			UsageMemoryAnnotation: "64Mi",
		}},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "app", Image: "example/app:1"}},
			TerminationGracePeriodSeconds: new(int64(0)),
		},
	}
	require.NoError(t, c.CreateAndWait(ctx, pod, func(o client.Object) (bool, error) {
		return o.(*corev1.Pod).Status.Phase == corev1.PodRunning, nil
	}))
	node := pod.Spec.NodeName
	require.NotEmpty(t, node)

	want := map[string]string{"container": "app", "namespace": ns, "pod": "busy"}
	var first float64
	Eventually(t, func() (bool, error) {
		fams, err := scrape(ctx, "http://"+c.NodeMetricsAddress()+NodeCadvisorMetricsPath(node))
		if err != nil {
			return false, err
		}
		mem, ok := sample(fams, "container_memory_working_set_bytes", want)
		if !ok {
			return false, fmt.Errorf("no container_memory_working_set_bytes for the pod yet")
		}
		cpu, _ := sample(fams, "container_cpu_usage_seconds_total", want)
		img := label(fams, "container_cpu_usage_seconds_total", want, "image")
		if mem != 64*1024*1024 || img != "example/app:1" {
			return false, fmt.Errorf("memory %v, image %q", mem, img)
		}
		if first == 0 {
			first = cpu
			return false, nil
		}
		// The CPU counter grows at 0.25 core-seconds a second.
		return cpu > first, fmt.Errorf("cpu seconds stayed at %v", cpu)
	}, "the cAdvisor endpoint of %s never showed the annotated usage", node)

	// A pod without annotations uses 1m CPU and 1Mi.
	idle := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "idle", Namespace: ns},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "example/app:1"}}},
	}
	require.NoError(t, c.CreateAndWait(ctx, idle, func(o client.Object) (bool, error) {
		return o.(*corev1.Pod).Status.Phase == corev1.PodRunning, nil
	}))
	Eventually(t, func() (bool, error) {
		fams, err := scrape(ctx, "http://"+c.NodeMetricsAddress()+NodeCadvisorMetricsPath(node))
		if err != nil {
			return false, err
		}
		mem, ok := sample(fams, "container_memory_usage_bytes", map[string]string{"pod": "idle", "namespace": ns})
		return ok && mem == 1024*1024, fmt.Errorf("memory usage %v (found: %v)", mem, ok)
	}, "the idle pod never showed the default usage")
}

// scrape reads a metrics endpoint in the text format.
func scrape(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("%s: %d %s", url, resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// find returns the first metric of family name whose labels include want.
func find(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if match {
			return m
		}
	}
	return nil
}

func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	m := find(fams, name, want)
	switch {
	case m == nil:
		return 0, false
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue(), true
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue(), true
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}

func label(fams map[string]*dto.MetricFamily, name string, want map[string]string, key string) string {
	m := find(fams, name, want)
	for _, l := range m.GetLabel() {
		if l.GetName() == key {
			return l.GetValue()
		}
	}
	return ""
}
