package prometheus

import (
	"fmt"
	"net/url"

	"github.com/spherekit/spherekit/testenv"
)

// Job names of ClusterScrapeConfigs: the names KubeSphere's metric
// templates and recording rules select on.
const (
	JobAPIServer        = "apiserver"
	JobEtcd             = "etcd"
	JobKubelet          = "kubelet"
	JobKubeStateMetrics = "kube-state-metrics"
	JobScheduler        = "kube-scheduler"
)

// ClusterTargets names the servers beside a testenv cluster that
// ClusterScrapeConfigs adds jobs for.
type ClusterTargets struct {
	// KubeStateMetrics is the host:port of kube-state-metrics' metrics
	// (kubestatemetrics.Server.Address); empty means no such job.
	KubeStateMetrics string
}

// ClusterScrapeConfigs returns the scrape jobs of a testenv cluster, named
// and labelled as KubeSphere's metric templates expect:
//
//   - JobAPIServer: kube-apiserver's /metrics over https, as the cluster's
//     administrator (its client certificate, or bearer token), checked
//     against the cluster's CA.
//   - JobEtcd: etcd's /metrics, over plain http.
//   - JobKubelet, with Options.NodeMetrics: one target per simulated node,
//     kwok's cAdvisor-style endpoint for the node
//     (testenv.NodeCadvisorMetricsPath), labelled node=<node>,
//     instance=<node> and metrics_path=/metrics/cadvisor, so
//     container_cpu_usage_seconds_total and
//     container_memory_working_set_bytes carry node, namespace, pod,
//     container and image like the kubelet's.
//   - JobScheduler, in nodes mode: kube-scheduler's /metrics over https
//     (testenv.Cluster.SchedulerMetricsAddress; its certificate is
//     self-signed, so it is not checked).
//   - JobKubeStateMetrics, when t names it: honouring the exporter's own
//     namespace, pod and node labels, and copying
//     label_kubesphere_io_workspace (kube_namespace_labels, with
//     kube-state-metrics' --metric-labels-allowlist naming
//     kubesphere.io/workspace, the kubestatemetrics package's default) into
//     the workspace label that KubeSphere's workspace queries join on.
//
// kube-controller-manager runs without a secure port in testenv, so it has
// no job.
func ClusterScrapeConfigs(c *testenv.Cluster, t ClusterTargets) ([]ScrapeConfig, error) {
	if c == nil || c.Config == nil {
		return nil, &OptionsError{Field: "cluster", Reason: "no cluster"}
	}
	host, err := url.Parse(c.Config.Host)
	if err != nil || host.Host == "" {
		return nil, &OptionsError{Field: "cluster", Reason: fmt.Sprintf("API server address %q is not a URL", c.Config.Host), Err: err}
	}
	api := ScrapeConfig{
		JobName:     JobAPIServer,
		Scheme:      "https",
		Targets:     []string{host.Host},
		BearerToken: c.Config.BearerToken,
		TLS: &TLSConfig{
			CA:                 c.Config.CAData,
			Cert:               c.Config.CertData,
			Key:                c.Config.KeyData,
			ServerName:         c.Config.ServerName,
			InsecureSkipVerify: c.Config.Insecure,
		},
	}
	etcdURL, err := url.Parse(c.EtcdURL())
	if err != nil || etcdURL.Host == "" {
		return nil, &OptionsError{Field: "cluster", Reason: fmt.Sprintf("etcd address %q is not a URL", c.EtcdURL()), Err: err}
	}
	configs := []ScrapeConfig{api, {JobName: JobEtcd, Scheme: etcdURL.Scheme, Targets: []string{etcdURL.Host}}}
	if addr := c.NodeMetricsAddress(); addr != "" && len(c.NodeNames()) > 0 {
		configs = append(configs, KubeletScrapeConfig(addr, c.NodeNames()))
	}
	if addr := c.SchedulerMetricsAddress(); addr != "" {
		configs = append(configs, ScrapeConfig{JobName: JobScheduler, Scheme: "https", Targets: []string{addr}, TLS: &TLSConfig{InsecureSkipVerify: true}})
	}
	if t.KubeStateMetrics != "" {
		configs = append(configs, KubeStateMetricsScrapeConfig(t.KubeStateMetrics))
	}
	return configs, nil
}

// KubeletScrapeConfig is the JobKubelet job of ClusterScrapeConfigs: kwok's
// cAdvisor-style endpoint at addr for each of nodes.
func KubeletScrapeConfig(addr string, nodes []string) ScrapeConfig {
	sc := ScrapeConfig{JobName: JobKubelet}
	for _, n := range nodes {
		sc.TargetGroups = append(sc.TargetGroups, TargetGroup{
			Targets: []string{addr},
			Labels: map[string]string{
				"__metrics_path__": testenv.NodeCadvisorMetricsPath(n),
				"node":             n,
				"metrics_path":     "/metrics/cadvisor",
			},
		})
	}
	// Every node is served from the same address: name each target after
	// its node, as the kubelet's address would tell nodes apart.
	sc.RelabelConfigs = []RelabelConfig{{SourceLabels: []string{"node"}, TargetLabel: "instance"}}
	return sc
}

// KubeStateMetricsScrapeConfig is the JobKubeStateMetrics job of
// ClusterScrapeConfigs for kube-state-metrics at addr.
func KubeStateMetricsScrapeConfig(addr string) ScrapeConfig {
	return ScrapeConfig{
		JobName:     JobKubeStateMetrics,
		Targets:     []string{addr},
		HonorLabels: true,
		MetricRelabelConfigs: []RelabelConfig{{
			SourceLabels: []string{"label_kubesphere_io_workspace"},
			Regex:        "(.+)",
			TargetLabel:  "workspace",
		}},
	}
}
