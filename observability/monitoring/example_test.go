package monitoring_test

import (
	"fmt"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// The PromQL behind a namespace's CPU usage.
func ExampleExpr() {
	expr, err := monitoring.Expr("namespace_cpu_usage", monitoring.Target{Level: monitoring.LevelNamespace, Namespace: "demo"})
	if err != nil {
		panic(err)
	}
	fmt.Println(expr)
	// Output:
	// round(namespace:container_cpu_usage_seconds_total:sum_rate{namespace="demo"}, 0.001)
}

// A workspace's memory reads the one series per workspace that the
// recording rules record; an object count joins the workspace label from
// kube_namespace_labels. Neither lists the workspace's namespaces.
func ExampleExpr_workspace() {
	expr, _ := monitoring.Expr("workspace_memory_usage_wo_cache", monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: "team-a"})
	fmt.Println(expr)
	expr, _ = monitoring.Expr("workspace_deployment_count", monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: "team-a"})
	fmt.Println(expr)
	// Output:
	// sum by (workspace) (workspace:container_memory_usage_bytes_wo_cache:sum{workspace="team-a"})
	// count by (workspace) (kube_deployment_created * on (namespace) group_left(workspace) max by (namespace, workspace) (label_replace(kube_namespace_labels{label_kubesphere_io_workspace="team-a"}, "workspace", "$1", "label_kubesphere_io_workspace", "(.+)"))) or sum by (workspace) (workspace:kube_namespace_labels:count{workspace="team-a"}) * 0
}

// Workloads of one kind, filtered by name, as KubeSphere's workload
// selector "<Kind>:(<filter>)".
func ExampleExpr_workload() {
	expr, _ := monitoring.Expr("workload_memory_usage_wo_cache", monitoring.Target{
		Level: monitoring.LevelWorkload, Namespace: "demo", WorkloadKind: "deployment", ResourcesFilter: "web|api",
	})
	fmt.Println(expr)
	// Output:
	// namespace:workload_memory_usage_wo_cache:sum{namespace="demo", workload=~"Deployment:(web|api)"}
}

// A Deployment's pods are those owned by its ReplicaSets, named
// <deployment>-<hash>.
func ExampleExpr_deploymentPods() {
	expr, _ := monitoring.Expr("pod_memory_usage_wo_cache", monitoring.Target{
		Level: monitoring.LevelPod, Namespace: "demo", WorkloadKind: "deployment", Workload: "web",
	})
	fmt.Println(expr)
	// Output:
	// sum by (namespace, pod) (container_memory_working_set_bytes{container!="", namespace="demo"}) * on (namespace, pod) group_left(owner_kind, owner_name) max by (namespace, pod, owner_kind, owner_name) (kube_pod_owner{owner_kind="ReplicaSet", owner_name=~"web-[^-]{1,10}"}) * on (namespace, pod) group_left(node) max by (namespace, pod, node) (kube_pod_info{pod=~".*", namespace="demo"})
}

// A filter that is not a regular expression is refused before anything is
// sent.
func ExampleExpr_badFilter() {
	_, err := monitoring.Expr("node_cpu_usage", monitoring.Target{Level: monitoring.LevelNode, ResourcesFilter: "kwok-(0"})
	fmt.Println(err)
	// Output:
	// invalid resources_filter: not a valid regular expression: error parsing regexp: missing closing ): `kwok-(0`
}

// KubeSphere's metrics of a level, picked by metrics_filter.
func ExampleSelectMetrics() {
	names, _ := monitoring.SelectMetrics(monitoring.Target{Level: monitoring.LevelWorkload}, "replica_available$")
	fmt.Println(names)
	// Output:
	// [workload_deployment_replica_available workload_statefulset_replica_available workload_daemonset_replica_available]
}

// What a metric measures.
func ExampleLookup() {
	m, _ := monitoring.Lookup("node_pod_utilisation")
	fmt.Println(m.Level, m.Unit, m.Help)
	// Output:
	// node ratio Pods on the node as a fraction of what it can hold.
}
