package kubestatemetrics_test

import (
	"context"
	"fmt"
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

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
)

func timeout(t *testing.T) context.Context {
	if ksm == nil {
		t.Skip("fuzzing: TestMain started no servers; run without -fuzz for this test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestWorkspaceLabelExported checks the default allowlist: a namespace's
// workspace label shows on kube_namespace_labels.
func TestWorkspaceLabelExported(t *testing.T) {
	ctx := timeout(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "ws-",
		Labels:       map[string]string{kubestatemetrics.WorkspaceLabel: "alpha", "other": "x"},
	}}
	require.NoError(t, cluster.Client.Create(ctx, ns))
	t.Cleanup(func() { _ = cluster.Client.Delete(context.Background(), ns) })

	var got map[string]string
	testenv.Eventually(t, func() (bool, error) {
		fams, err := scrape(ctx, ksm.MetricsURL())
		if err != nil {
			return false, err
		}
		got = labelsOf(fams["kube_namespace_labels"], "namespace", ns.Name)
		return got != nil, fmt.Errorf("no kube_namespace_labels for %s", ns.Name)
	}, "kube-state-metrics never exported namespace %s", ns.Name)
	assert.Equal(t, "alpha", got["label_kubesphere_io_workspace"])
	assert.NotContains(t, got, "label_other", "labels outside the allowlist stay out")
}

// TestOptionsSetFlags starts a second server limited to namespaces, with
// no labels allowed, and checks that it exports just that.
func TestOptionsSetFlags(t *testing.T) {
	ctx := timeout(t)
	s, err := kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{
		Resources:             []string{"namespaces"},
		MetricLabelsAllowlist: map[string][]string{},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop() })
	require.NotEqual(t, ksm.Address(), s.Address())

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "ws-",
		Labels:       map[string]string{kubestatemetrics.WorkspaceLabel: "beta"},
	}}
	require.NoError(t, cluster.Client.Create(ctx, ns))
	t.Cleanup(func() { _ = cluster.Client.Delete(context.Background(), ns) })
	var fams map[string]*dto.MetricFamily
	testenv.Eventually(t, func() (bool, error) {
		fams, err = scrape(ctx, s.MetricsURL())
		if err != nil {
			return false, err
		}
		return labelsOf(fams["kube_namespace_created"], "namespace", ns.Name) != nil, nil
	}, "kube-state-metrics never exported namespace %s", ns.Name)
	assert.NotContains(t, labelsOf(fams["kube_namespace_labels"], "namespace", ns.Name), "label_kubesphere_io_workspace", "no labels are allowed")
	assert.NotContains(t, fams, "kube_configmap_info", "only namespaces are exported")
	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "Stop twice")
}

func TestStartFailures(t *testing.T) {
	ctx := timeout(t)
	_, err := kubestatemetrics.Start(ctx, "/does/not/exist/kubeconfig", kubestatemetrics.Options{})
	var se *kubestatemetrics.StartError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.LogTail, "/does/not/exist/kubeconfig", "the server says what it could not read")
	assert.Contains(t, err.Error(), "exited while starting")

	for _, tc := range []struct {
		name       string
		kubeconfig string
		opts       kubestatemetrics.Options
		field      string
	}{
		{"no kubeconfig", "", kubestatemetrics.Options{}, "kubeconfig"},
		{"bad resource", "k", kubestatemetrics.Options{Resources: []string{"Pods,x"}}, "Resources"},
		{"bad allowlist resource", "k", kubestatemetrics.Options{MetricLabelsAllowlist: map[string][]string{"Pods": {"a"}}}, "MetricLabelsAllowlist"},
		{"bad allowlist key", "k", kubestatemetrics.Options{MetricAnnotationsAllowlist: map[string][]string{"pods": {"a,b"}}}, "MetricAnnotationsAllowlist"},
		{"negative timeout", "k", kubestatemetrics.Options{StartTimeout: -1}, "StartTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kubestatemetrics.Start(ctx, tc.kubeconfig, tc.opts)
			var oe *kubestatemetrics.OptionsError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tc.field, oe.Field)
		})
	}
}

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
		return nil, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// labelsOf returns the labels of the first metric of f whose label key is
// value, nil if none.
func labelsOf(f *dto.MetricFamily, key, value string) map[string]string {
	for _, m := range f.GetMetric() {
		ls := map[string]string{}
		for _, l := range m.GetLabel() {
			ls[l.GetName()] = l.GetValue()
		}
		if ls[key] == value {
			return ls
		}
	}
	return nil
}
