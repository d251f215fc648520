// Package prometheus runs a real Prometheus server for tests: it scrapes a
// testenv cluster's kube-apiserver and etcd, kwok's simulated kubelet
// metrics and kube-state-metrics, evaluates rules, and answers PromQL over
// its HTTP API, so monitoring and alerting code is tested against the real
// query engine and real series.
//
// Start from Start, once per test package in TestMain (building Prometheus
// the first time takes minutes, which go test's timeout does not count
// there), with the cluster's jobs from ClusterScrapeConfigs:
//
//	cluster, _ := testenv.Start(ctx, testenv.Options{Nodes: 2, NodeMetrics: true})
//	ksm, _ := kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{})
//	jobs, _ := prometheus.ClusterScrapeConfigs(cluster, prometheus.ClusterTargets{KubeStateMetrics: ksm.Address()})
//	prom, _ := prometheus.Start(ctx, prometheus.Options{ScrapeConfigs: jobs, Progress: os.Stderr})
//	defer prom.Stop()
//	_ = prom.WaitForTargets(ctx) // every target scraped
//
// Then drive figures through the cluster (a pod annotated with
// testenv.UsageCPUAnnotation uses that many CPUs in
// container_cpu_usage_seconds_total) and read them back with WaitForQuery,
// which polls an instant query until a condition holds, or with API, a
// client_golang API client. SetRules and DeleteRules load and unload rules
// files while Prometheus runs (through its lifecycle API's reload) and
// return once the rules API shows the change; a file Prometheus refuses is
// a *RulesError naming it and is taken out again.
//
// Prometheus (github.com/prometheus/prometheus, release Version) is built
// from source through the Go module proxy by testenv's cached, locked
// provisioning, into the same cache as the control-plane binaries
// (SPHEREKIT_TESTENV_CACHE, or spherekit/testenv under the user cache
// folder). It is built without its web UI, whose assets need npm; the HTTP
// API is complete without them. A cold build takes minutes (see
// internal/provision's typical build times); later starts reuse the cache
// entry and take about a second.
//
// Each Server has a temporary work folder of its own (configuration, TLS
// files, rules, TSDB), listens on a free loopback port, scrapes and
// evaluates every second by default, and runs in a process group of its own
// that, on Linux, is killed when the test process dies; Stop ends it and
// removes the folder (a folder left by a process that was killed is removed
// by the next Start).
//
// This package imports testenv for ClusterScrapeConfigs; the server itself
// runs through testenv/internal/process, as testenv/gitea's does.
package prometheus
