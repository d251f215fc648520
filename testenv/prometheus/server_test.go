package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// timeout skips t while fuzzing (no servers run then) and returns a
// context that bounds it.
func timeout(t *testing.T) context.Context {
	if prom == nil {
		t.Skip("fuzzing: TestMain started no servers; run without -fuzz for this test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestClusterJobsAreUp checks that every job of ClusterScrapeConfigs is
// scraped: kube-apiserver with the administrator's certificate, etcd,
// kube-scheduler, each simulated node's kubelet endpoint and
// kube-state-metrics.
func TestClusterJobsAreUp(t *testing.T) {
	ctx := timeout(t)
	jobs := []string{prometheus.JobAPIServer, prometheus.JobEtcd, prometheus.JobScheduler, prometheus.JobKubelet, prometheus.JobKubeStateMetrics}
	require.NoError(t, prom.WaitForTargets(ctx, jobs...))
	for _, job := range jobs {
		want := 1
		if job == prometheus.JobKubelet {
			want = len(cluster.NodeNames())
		}
		v, err := prom.WaitForQuery(ctx, fmt.Sprintf(`up{job=%q} == 1`, job), func(v model.Vector) bool { return len(v) == want })
		require.NoError(t, err, job)
		assert.Len(t, v, want, job)
	}
	// Each kubelet target is named after its node.
	v, err := prom.WaitForQuery(ctx, `up{job="kubelet"}`, nil)
	require.NoError(t, err)
	var nodes []string
	for _, s := range v {
		assert.Equal(t, s.Metric["node"], s.Metric["instance"])
		assert.Equal(t, model.LabelValue("/metrics/cadvisor"), s.Metric["metrics_path"])
		nodes = append(nodes, string(s.Metric["node"]))
	}
	assert.ElementsMatch(t, cluster.NodeNames(), nodes)
	// The API server's own series are there, not just up.
	_, err = prom.WaitForQuery(ctx, `apiserver_request_total{job="apiserver"}`, nil)
	require.NoError(t, err)
	_, err = prom.WaitForQuery(ctx, `etcd_server_has_leader{job="etcd"} == 1`, nil)
	require.NoError(t, err)
	// The scheduler scheduled testenv's probe pod before the cluster started.
	_, err = prom.WaitForQuery(ctx, `scheduler_schedule_attempts_total{job="kube-scheduler", result="scheduled"} > 0`, nil)
	require.NoError(t, err)
}

// TestPodUsageFromAnnotations creates a pod whose annotations set its usage
// and reads that usage back through Prometheus, with the labels
// KubeSphere's container queries select on.
func TestPodUsageFromAnnotations(t *testing.T) {
	ctx := timeout(t)
	ns := cluster.NewNamespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "busy", Namespace: ns, Annotations: map[string]string{
			testenv.UsageCPUAnnotation:    "500m",
			testenv.UsageMemoryAnnotation: "96Mi",
		}},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "app", Image: "example/app:1"}},
			TerminationGracePeriodSeconds: new(int64(0)),
		},
	}
	require.NoError(t, cluster.CreateAndWait(ctx, pod, func(o client.Object) (bool, error) {
		return o.(*corev1.Pod).Status.Phase == corev1.PodRunning, nil
	}))
	sel := fmt.Sprintf(`job="kubelet", namespace=%q, pod="busy", container="app", image!=""`, ns)

	mem, err := prom.WaitForQuery(ctx, `container_memory_working_set_bytes{`+sel+`}`, nil)
	require.NoError(t, err)
	require.Len(t, mem, 1)
	assert.Equal(t, model.SampleValue(96*1024*1024), mem[0].Value)
	assert.Equal(t, model.LabelValue(pod.Spec.NodeName), mem[0].Metric["node"])
	assert.Equal(t, model.LabelValue("example/app:1"), mem[0].Metric["image"])

	// The counter grows by 0.5 core-seconds a second. Scrapes happen every
	// second, so a 10s window holds enough samples for rate to settle; the
	// tolerance covers the jitter of scrape times against kwok's clock.
	cpu, err := prom.WaitForQuery(ctx, `rate(container_cpu_usage_seconds_total{`+sel+`}[10s])`, func(v model.Vector) bool {
		return len(v) == 1 && math.Abs(float64(v[0].Value)-0.5) < 0.05
	})
	require.NoError(t, err)
	assert.InDelta(t, 0.5, float64(cpu[0].Value), 0.05)
}

// TestNamespaceWorkspaceLabel checks that kube_namespace_labels carries
// the workspace of a namespace, as KubeSphere's workspace queries join on.
func TestNamespaceWorkspaceLabel(t *testing.T) {
	ctx := timeout(t)
	ns := cluster.NewNamespace(t)
	obj := &corev1.Namespace{}
	require.NoError(t, cluster.Client.Get(ctx, client.ObjectKey{Name: ns}, obj))
	obj.Labels[kubestatemetrics.WorkspaceLabel] = "ws-" + ns
	require.NoError(t, cluster.Client.Update(ctx, obj))

	v, err := prom.WaitForQuery(ctx, fmt.Sprintf(`kube_namespace_labels{job="kube-state-metrics", namespace=%q, workspace="ws-%s"}`, ns, ns), nil)
	require.NoError(t, err)
	require.Len(t, v, 1)
	assert.Equal(t, model.LabelValue("ws-"+ns), v[0].Metric["label_kubesphere_io_workspace"])
}

const recordingRules = `groups:
- name: spherekit-test
  rules:
  - record: spherekit:up:sum
    expr: sum by (job) (up)
`

// TestSetRulesLoadsRecordingRule loads a recording rule, waits for its
// series, then unloads it.
func TestSetRulesLoadsRecordingRule(t *testing.T) {
	ctx := timeout(t)
	require.NoError(t, prom.SetRules(ctx, "recording", recordingRules))
	v, err := prom.WaitForQuery(ctx, `spherekit:up:sum{job="etcd"}`, nil)
	require.NoError(t, err)
	assert.Equal(t, model.SampleValue(1), v[0].Value)

	rules, err := prom.API().Rules(ctx, nil)
	require.NoError(t, err)
	assert.True(t, hasGroup(rules.Groups, "spherekit-test"))

	require.NoError(t, prom.DeleteRules(ctx, "recording"))
	rules, err = prom.API().Rules(ctx, nil)
	require.NoError(t, err)
	assert.False(t, hasGroup(rules.Groups, "spherekit-test"))
	require.NoError(t, prom.DeleteRules(ctx, "recording"), "deleting a missing file is no error")
}

// TestSetRulesRefusesBadRules checks that a file Prometheus refuses is a
// *RulesError naming it, and that the rules loaded before stay loaded.
func TestSetRulesRefusesBadRules(t *testing.T) {
	ctx := timeout(t)
	require.NoError(t, prom.SetRules(ctx, "kept", recordingRules))
	t.Cleanup(func() { _ = prom.DeleteRules(context.Background(), "kept") })

	for _, tc := range []struct {
		name, rules, reason string
	}{
		{"bad PromQL", "groups:\n- name: bad\n  rules:\n  - record: x:y\n    expr: sum(up\n", "parse"},
		{"not YAML", "groups: [\n", "YAML"},
		{"record and alert", "groups:\n- name: bad\n  rules:\n  - record: a:b\n    alert: A\n    expr: up\n", "record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := prom.SetRules(ctx, "kept", tc.rules)
			var re *prometheus.RulesError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "kept", re.File)
			assert.Contains(t, re.Message, tc.reason)
			assert.Contains(t, err.Error(), `"kept"`)

			rules, err := prom.API().Rules(ctx, nil)
			require.NoError(t, err)
			assert.True(t, hasGroup(rules.Groups, "spherekit-test"), "the previous file stays loaded")
			assert.False(t, hasGroup(rules.Groups, "bad"))
		})
	}
	var oe *prometheus.OptionsError
	require.ErrorAs(t, prom.SetRules(ctx, "../escape", recordingRules), &oe)
	assert.Equal(t, "name", oe.Field)
}

func hasGroup(groups []promv1.RuleGroup, name string) bool {
	for _, g := range groups {
		if g.Name == name {
			return true
		}
	}
	return false
}

// TestStartFailsWhenPrometheusExits checks that a Prometheus that exits
// while starting is a *StartError carrying its own words.
func TestStartFailsWhenPrometheusExits(t *testing.T) {
	ctx := timeout(t)
	_, err := prometheus.Start(ctx, prometheus.Options{ExtraFlags: []string{"--no-such-flag"}})
	var se *prometheus.StartError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.LogTail, "no-such-flag")
	assert.Contains(t, err.Error(), "exited while starting")
}

// TestStartLoadsRuleFiles checks Options.RuleFiles, and that a refused
// one fails Start with a *RulesError.
func TestStartLoadsRuleFiles(t *testing.T) {
	ctx := timeout(t)
	s, err := prometheus.Start(ctx, prometheus.Options{RuleFiles: map[string]string{"first": recordingRules}})
	require.NoError(t, err)
	rules, err := s.API().Rules(ctx, nil)
	require.NoError(t, err)
	assert.True(t, hasGroup(rules.Groups, "spherekit-test"))
	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "Stop twice")

	_, err = prometheus.Start(ctx, prometheus.Options{RuleFiles: map[string]string{"broken": "groups:\n- name: b\n  rules:\n  - alert: A\n    expr: up ==\n"}})
	var re *prometheus.RulesError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "broken", re.File)
}

// TestWaitForQueryEnds checks that WaitForQuery returns at once on a query
// Prometheus refuses, and says what it last saw when ctx ends.
func TestWaitForQueryEnds(t *testing.T) {
	ctx := timeout(t)
	_, err := prom.WaitForQuery(ctx, `sum(`, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sum(")

	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err = prom.WaitForQuery(short, `up{job="no-such-job"}`, nil)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	assert.Contains(t, err.Error(), "last result: empty")

	_, err = prom.WaitForQuery(ctx, `1`, nil)
	assert.ErrorContains(t, err, "not a vector")
}
