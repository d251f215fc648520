package prometheus_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/prometheus/common/model"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/kubestatemetrics"
	"github.com/spherekit/spherekit/testenv/prometheus"
)

// Start a cluster whose simulated nodes serve usage metrics,
// kube-state-metrics on it and a Prometheus scraping both and the control
// plane, then wait until every target is up.
func ExampleClusterScrapeConfigs() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cluster, err := testenv.Start(ctx, testenv.Options{Nodes: 2, NodeMetrics: true})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()
	ksm, err := kubestatemetrics.Start(ctx, cluster.KubeconfigPath(), kubestatemetrics.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = ksm.Stop() }()

	jobs, err := prometheus.ClusterScrapeConfigs(cluster, prometheus.ClusterTargets{KubeStateMetrics: ksm.Address()})
	if err != nil {
		log.Fatal(err)
	}
	prom, err := prometheus.Start(ctx, prometheus.Options{ScrapeConfigs: jobs, Progress: os.Stderr})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = prom.Stop() }()
	if err := prom.WaitForTargets(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("Prometheus at", prom.URL())
}

// The kubelet job has one target per node, all on kwok's address, each
// with its node's path and named after its node.
func ExampleKubeletScrapeConfig() {
	sc := prometheus.KubeletScrapeConfig("127.0.0.1:10250", []string{"kwok-node-0", "kwok-node-1"})
	fmt.Println(sc.JobName)
	for _, g := range sc.TargetGroups {
		fmt.Println(g.Targets[0], g.Labels["__metrics_path__"], g.Labels["node"])
	}
	// Output:
	// kubelet
	// 127.0.0.1:10250 /metrics/nodes/kwok-node-0/metrics/cadvisor kwok-node-0
	// 127.0.0.1:10250 /metrics/nodes/kwok-node-1/metrics/cadvisor kwok-node-1
}

// Load a recording rule while Prometheus runs and wait for its series.
func ExampleServer_SetRules() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	prom, err := prometheus.Start(ctx, prometheus.Options{ScrapeConfigs: []prometheus.ScrapeConfig{
		{JobName: "self", Targets: []string{"127.0.0.1:9"}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = prom.Stop() }()

	err = prom.SetRules(ctx, "jobs", `groups:
- name: jobs
  rules:
  - record: job:up:count
    expr: count by (job) (up)
`)
	if err != nil {
		log.Fatal(err) // a *prometheus.RulesError when Prometheus refuses the file
	}
	v, err := prom.WaitForQuery(ctx, `job:up:count{job="self"}`, func(v model.Vector) bool { return len(v) == 1 })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v[0].Value)
}
