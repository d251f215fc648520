package monitoring

import (
	"bytes"
	_ "embed"
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

//go:embed rules/recording.yaml
var recordingRules []byte

// RecordingRules returns the recording rules the catalog's expressions read,
// as a Prometheus rules file (rule_files). Load it into the Prometheus the
// Client queries, or apply PrometheusRule where prometheus-operator runs.
//
// The rules expect: kube-state-metrics with the namespaces' workspace label
// exported (--metric-labels-allowlist=namespaces=[kubesphere.io/workspace],
// giving label_kubesphere_io_workspace on kube_namespace_labels); kubelet
// resource metrics and cAdvisor series with namespace and pod labels, and
// the node-level ones (node_cpu_usage_seconds_total,
// node_memory_working_set_bytes) and node-exporter's with a node label; and
// the scrape jobs etcd, apiserver and kube-scheduler for the components.
func RecordingRules() []byte { return bytes.Clone(recordingRules) }

// PrometheusRuleLabels are the labels PrometheusRule puts on its object:
// those KubeSphere's Prometheus selects rules by.
var PrometheusRuleLabels = map[string]string{"prometheus": "k8s", "role": "alert-rules"}

// PrometheusRule returns RecordingRules as a prometheus-operator
// PrometheusRule named name in namespace, labelled PrometheusRuleLabels.
func PrometheusRule(namespace, name string) (*monitoringv1.PrometheusRule, error) {
	var spec monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(recordingRules, &spec); err != nil {
		return nil, fmt.Errorf("decode the recording rules: %w", err)
	}
	labels := make(map[string]string, len(PrometheusRuleLabels))
	for k, v := range PrometheusRuleLabels {
		labels[k] = v
	}
	return &monitoringv1.PrometheusRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: monitoringv1.SchemeGroupVersion.String(), Kind: monitoringv1.PrometheusRuleKind},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: labels},
		Spec:       spec,
	}, nil
}
