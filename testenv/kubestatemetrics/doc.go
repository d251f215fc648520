// Package kubestatemetrics runs a real kube-state-metrics for tests: the
// exporter of kube_pod_info, kube_namespace_labels,
// kube_deployment_status_replicas_available and the other object-state
// series that KubeSphere's metric templates join on, reading a testenv
// cluster through its kubeconfig.
//
// Start it once per test package in TestMain, after the cluster, and give
// its Address to a Prometheus (see testenv/prometheus's
// ClusterScrapeConfigs):
//
//	ksm, err := kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{})
//	...
//	defer ksm.Stop()
//
// By default it exports the labels of namespaces named in
// DefaultMetricLabelsAllowlist: the workspace label kubesphere.io/workspace,
// as label_kubesphere_io_workspace on kube_namespace_labels.
// Options.MetricLabelsAllowlist and Options.Resources set
// --metric-labels-allowlist and --resources.
//
// kube-state-metrics (k8s.io/kube-state-metrics/v2, Version) is built from
// source through the Go module proxy by testenv's cached, locked
// provisioning, in a module of its own: it does not build against the
// client-go release the SDK uses. It serves on free loopback ports, runs in
// a process group of its own that, on Linux, is killed when the test process
// dies, and Stop ends it.
package kubestatemetrics
