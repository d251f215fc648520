package monitoring

import (
	"fmt"
	"slices"
	"strings"
)

// Metric describes one named metric of the catalog: KubeSphere's name, the
// level it belongs to, what it measures and in which unit.
type Metric struct {
	// Name is KubeSphere's metric name, such as namespace_cpu_usage.
	Name string
	// Level is the level the metric describes.
	Level Level
	// Component is set for LevelComponent metrics.
	Component Component
	// Help says what the metric measures.
	Help string
	// Unit is what its values count.
	Unit Unit
	// Meter is true for metering metrics (meter_*), which average usage
	// over a step (an hour by default) for billing.
	Meter bool

	// expr is the PromQL template; see render for its placeholders.
	expr string
}

// Catalog returns every named metric, in catalog order (level by level,
// KubeSphere's order within a level). The slice is a copy.
func Catalog() []Metric {
	return slices.Clone(catalog())
}

// Lookup returns the named metric.
func Lookup(name string) (Metric, bool) {
	m, ok := catalogIndex()[name]
	return m, ok
}

// MetricsAt returns the names of the metrics of a level, in catalog order,
// meters included. For LevelComponent pass the component; it is ignored for
// other levels.
func MetricsAt(level Level, component Component) []string {
	var names []string
	for _, m := range catalog() {
		if m.Level == level && (level != LevelComponent || m.Component == component) {
			names = append(names, m.Name)
		}
	}
	return names
}

// The catalog is static data, built once at package initialisation.
var (
	catalogList  = buildCatalog()
	catalogByKey = indexCatalog(catalogList)
)

func catalog() []Metric { return catalogList }

func catalogIndex() map[string]Metric { return catalogByKey }

func indexCatalog(list []Metric) map[string]Metric {
	idx := make(map[string]Metric, len(list))
	for _, m := range list {
		if _, dup := idx[m.Name]; dup {
			panic(fmt.Sprintf("monitoring: metric %s defined twice", m.Name))
		}
		idx[m.Name] = m
	}
	return idx
}

// Placeholders of the templates. Each expands to a comma-separated list of
// label matchers (possibly empty), a quoted string or a duration; render
// fills them from a Target. A matcher-list placeholder is written either
// alone between braces ({$sel}) or after a fixed matcher ({a="b", $sel}),
// so an empty expansion still parses.
//
//	$sel    the level's own selector (node=..., workspace=..., namespace=...,
//	        workload=..., container, pvc or ingress matchers)
//	$nsl    matchers on kube_namespace_labels selecting the level's
//	        namespaces (workspace and namespace levels)
//	$ns     namespace="..." (workload level; empty elsewhere)
//	$rf     the resources filter as a quoted regexp (workload level)
//	$owner  matchers on kube_pod_owner (pod level: the workload's pods)
//	$pod    matchers on kube_pod_info (pod level: pod, namespace, node)
//	$inner  matchers pushed into raw container series (pod level: the
//	        namespace, when known)
//	$job    ingress controller job and pod matchers
//	$dur    ingress window, default 5m
//	$step   meter window (hours, default 1h); $factor is its hour count
const (
	// nsMap is one series per selected namespace, with only the namespace
	// label.
	nsMap = `max by (namespace) (kube_namespace_labels{$nsl})`
	// wsMap is one series per selected namespace with its workspace (the
	// namespace's kubesphere.io/workspace label as kube-state-metrics
	// exports it) in label workspace.
	wsMap = `max by (namespace, workspace) (label_replace(kube_namespace_labels{$nsl}, "workspace", "$1", "label_kubesphere_io_workspace", "(.+)"))`
	// virtualIfaces are interfaces that carry no traffic of their own
	// (loopback, container-side veths, overlay and bridge devices).
	virtualIfaces = `"lo.*|veth.+|cali.+|tunl.+|flannel.+|cni.+|docker.+|kube.+|dummy.+"`
	// realDisks are block devices, not loop devices.
	realDisks = `device=~"/dev/.+", device!~"/dev/loop\\d+"`
	// podJoin adds a pod's owner and node to a per-(namespace, pod) vector
	// and keeps only the selected pods.
	podJoin = ` * on (namespace, pod) group_left(owner_kind, owner_name) max by (namespace, pod, owner_kind, owner_name) (kube_pod_owner{$owner})` +
		` * on (namespace, pod) group_left(node) max by (namespace, pod, node) (kube_pod_info{$pod})`
	// pvcJoin adds a claim's storage class and keeps only the selected
	// claims.
	pvcJoin = ` * on (namespace, persistentvolumeclaim) group_left(storageclass) max by (namespace, persistentvolumeclaim, storageclass) (kube_persistentvolumeclaim_info{$sel})`
	// mib is bytes per MiB (DCGM reports frame-buffer memory in MiB).
	mib = `1048576`
)

type row struct {
	name string
	unit Unit
	help string
	expr string
}

func buildCatalog() []Metric {
	var out []Metric
	add := func(level Level, comp Component, rows []row) {
		for _, r := range rows {
			out = append(out, Metric{
				Name: r.name, Level: level, Component: comp, Help: r.help, Unit: r.unit,
				Meter: strings.HasPrefix(r.name, "meter_"), expr: r.expr,
			})
		}
	}
	add(LevelCluster, "", clusterRows())
	add(LevelNode, "", nodeRows())
	add(LevelWorkspace, "", workspaceRows())
	add(LevelNamespace, "", namespaceRows())
	add(LevelWorkload, "", workloadRows())
	add(LevelPod, "", podRows())
	add(LevelContainer, "", containerRows())
	add(LevelPVC, "", pvcRows())
	add(LevelIngress, "", ingressRows())
	add(LevelComponent, ComponentEtcd, etcdRows())
	add(LevelComponent, ComponentAPIServer, apiserverRows())
	add(LevelComponent, ComponentScheduler, schedulerRows())
	return out
}

// objectKinds are the kube-state-metrics series that count one kind of
// object each, by the suffix KubeSphere's count metrics use.
var objectKinds = []struct{ suffix, series, what string }{
	{"cronjob_count", "kube_cronjob_created", "CronJobs"},
	{"pvc_count", "kube_persistentvolumeclaim_info", "PersistentVolumeClaims"},
	{"daemonset_count", "kube_daemonset_created", "DaemonSets"},
	{"deployment_count", "kube_deployment_created", "Deployments"},
	{"endpoint_count", "kube_endpoint_info", "Endpoints objects"},
	{"hpa_count", "kube_horizontalpodautoscaler_info", "HorizontalPodAutoscalers"},
	{"job_count", "kube_job_created", "Jobs"},
	{"statefulset_count", "kube_statefulset_created", "StatefulSets"},
	{"replicaset_count", "kube_replicaset_created", "ReplicaSets"},
	{"service_count", "kube_service_info", "Services"},
	{"secret_count", "kube_secret_info", "Secrets"},
	{"ingresses_extensions_count", "kube_ingress_info", "Ingresses"},
}

// countRows are the object counts of a level: cluster (one number),
// workspace (per workspace) or namespace (per namespace); a selected
// workspace or namespace without objects counts 0.
func countRows(level Level, kinds ...string) []row {
	var rows []row
	for _, k := range objectKinds {
		if len(kinds) > 0 && !slices.Contains(kinds, k.suffix) {
			continue
		}
		rows = append(rows, countRow(level, k.suffix, k.series, k.what))
	}
	return rows
}

func countRow(level Level, suffix, series, what string) row {
	r := row{name: string(level) + "_" + suffix, unit: UnitCount}
	switch level {
	case LevelCluster:
		r.help = "Number of " + what + " in the cluster."
		r.expr = `count(` + series + `) or vector(0)`
	case LevelWorkspace:
		r.help = "Number of " + what + " in the workspace's namespaces."
		r.expr = `count by (workspace) (` + series + ` * on (namespace) group_left(workspace) ` + wsMap + `) or sum by (workspace) (workspace:kube_namespace_labels:count{$sel}) * 0`
	case LevelNamespace:
		r.help = "Number of " + what + " in the namespace."
		r.expr = `count by (namespace) (` + series + ` * on (namespace) group_left() ` + nsMap + `) or ` + nsMap + ` * 0`
	}
	return r
}

// meterMax is "the larger of what was requested and what was used",
// averaged over the step: the figure KubeSphere bills. by is the grouping
// ("" for one number), requested and used are range-vector-free
// expressions already averaged over $step, digits the rounding.
func meterMax(by, requested, used, precision string) string {
	grp := ""
	if by != "" {
		grp = " by (" + by + ")"
	}
	return `round(max` + grp + ` (label_replace(` + requested + `, "of", "requests", "", "") or label_replace(` + used + `, "of", "usage", "", "")), ` + precision + `)`
}

func clusterRows() []row {
	rows := []row{
		{"cluster_cpu_utilisation", UnitRatio, "Fraction of the cluster's CPU cores in use, averaged over a minute.", `:node_cpu_utilisation:avg1m`},
		{"cluster_cpu_usage", UnitCores, "CPU cores in use across all nodes.", `round(sum(node:node_cpu_usage:avg1m), 0.001)`},
		{"cluster_cpu_total", UnitCores, "CPU cores of all nodes.", `sum(node:node_num_cpu:sum)`},
		{"cluster_memory_utilisation", UnitRatio, "Fraction of the cluster's memory in use.", `:node_memory_utilisation:`},
		{"cluster_memory_available", UnitBytes, "Memory available across all nodes.", `sum(node:node_memory_bytes_available:sum)`},
		{"cluster_memory_total", UnitBytes, "Memory of all nodes.", `sum(node:node_memory_bytes_total:sum)`},
		{"cluster_memory_usage_wo_cache", UnitBytes, "Memory in use across all nodes, page cache excluded.", `sum(node:node_memory_bytes_total:sum - node:node_memory_bytes_available:sum)`},
		{"cluster_net_utilisation", UnitBytesPerSecond, "Network traffic of all nodes, both directions.", `:node_net_utilisation:sum_irate`},
		{"cluster_net_bytes_transmitted", UnitBytesPerSecond, "Bytes sent per second by all nodes.", `sum(node:node_net_bytes_transmitted:sum_irate)`},
		{"cluster_net_bytes_received", UnitBytesPerSecond, "Bytes received per second by all nodes.", `sum(node:node_net_bytes_received:sum_irate)`},
		{"cluster_disk_read_iops", UnitPerSecond, "Disk reads completed per second on all nodes.", `sum(node:data_volume_iops_reads:sum)`},
		{"cluster_disk_write_iops", UnitPerSecond, "Disk writes completed per second on all nodes.", `sum(node:data_volume_iops_writes:sum)`},
		{"cluster_disk_read_throughput", UnitBytesPerSecond, "Bytes read from disk per second on all nodes.", `sum(node:data_volume_throughput_bytes_read:sum)`},
		{"cluster_disk_write_throughput", UnitBytesPerSecond, "Bytes written to disk per second on all nodes.", `sum(node:data_volume_throughput_bytes_written:sum)`},
		{"cluster_disk_size_usage", UnitBytes, "Disk space in use on all nodes' block devices.", `sum(node:disk_space_capacity:sum) - sum(node:disk_space_available:)`},
		{"cluster_disk_size_utilisation", UnitRatio, "Fraction of all nodes' disk space in use.", `cluster:disk_utilization:ratio`},
		{"cluster_disk_size_capacity", UnitBytes, "Disk space of all nodes' block devices.", `sum(node:disk_space_capacity:sum)`},
		{"cluster_disk_size_available", UnitBytes, "Disk space available on all nodes' block devices.", `sum(node:disk_space_available:)`},
		{"cluster_disk_inode_total", UnitCount, "Inodes of all nodes' file systems.", `sum(node:node_inodes_total:)`},
		{"cluster_disk_inode_usage", UnitCount, "Inodes in use on all nodes.", `sum(node:node_inodes_total:) - sum(node:node_inodes_free:)`},
		{"cluster_disk_inode_utilisation", UnitRatio, "Fraction of all nodes' inodes in use.", `cluster:disk_inode_utilization:ratio`},
		{"cluster_namespace_count", UnitCount, "Number of namespaces.", `count(kube_namespace_labels) or vector(0)`},
		{"cluster_pod_count", UnitCount, "Pods scheduled to a node and not finished.", `cluster:pod:sum`},
		{"cluster_pod_quota", UnitCount, "Pods the ready nodes can hold.", `sum(max by (node) (kube_node_status_capacity{resource="pods"}) unless on (node) (kube_node_status_condition{condition="Ready", status=~"false|unknown"} > 0))`},
		{"cluster_pod_utilisation", UnitRatio, "Pods running as a fraction of what the nodes can hold.", `cluster:pod_utilization:ratio`},
		{"cluster_pod_running_count", UnitCount, "Pods in phase Running.", `cluster:pod_running:count`},
		{"cluster_pod_succeeded_count", UnitCount, "Pods in phase Succeeded.", `count(kube_pod_status_phase{phase="Succeeded"} > 0) or vector(0)`},
		{"cluster_pod_abnormal_count", UnitCount, "Scheduled pods that are neither finished, nor running and ready, nor creating containers.", `cluster:pod_abnormal:sum`},
		{"cluster_node_online", UnitCount, "Nodes whose Ready condition is true.", `sum(kube_node_status_condition{condition="Ready", status="true"})`},
		{"cluster_node_offline", UnitCount, "Nodes whose Ready condition is false or unknown.", `cluster:node_offline:sum`},
		{"cluster_node_total", UnitCount, "Nodes.", `count(kube_node_info) or vector(0)`},
	}
	rows = append(rows, countRows(LevelCluster, "cronjob_count", "pvc_count", "daemonset_count", "deployment_count", "endpoint_count", "hpa_count", "job_count", "statefulset_count", "replicaset_count", "service_count", "secret_count")...)
	rows = append(rows,
		row{"cluster_pv_count", UnitCount, "Number of PersistentVolumes.", `count(kube_persistentvolume_info) or vector(0)`},
		countRow(LevelCluster, "ingresses_extensions_count", "kube_ingress_info", "Ingresses"),
		row{"cluster_load1", UnitLoad, "One-minute load average of all nodes per CPU core.", `sum(node_load1) / sum(node:node_num_cpu:sum)`},
		row{"cluster_load5", UnitLoad, "Five-minute load average of all nodes per CPU core.", `sum(node_load5) / sum(node:node_num_cpu:sum)`},
		row{"cluster_load15", UnitLoad, "Fifteen-minute load average of all nodes per CPU core.", `sum(node_load15) / sum(node:node_num_cpu:sum)`},
		row{"cluster_pod_abnormal_ratio", UnitRatio, "Abnormal pods as a fraction of pods not succeeded.", `cluster:pod_abnormal:ratio`},
		row{"cluster_node_offline_ratio", UnitRatio, "Offline nodes as a fraction of all nodes.", `cluster:node_offline:ratio`},
		// meters
		row{"meter_cluster_cpu_usage", UnitCores, "Billed CPU: the larger of the cores requested by pods and the cores in use, averaged over the step.",
			meterMax("", `sum(avg_over_time(kube_pod_container_resource_requests{resource="cpu"}[$step]))`, `sum(avg_over_time(node:node_cpu_usage:avg1m[$step]))`, "0.001")},
		row{"meter_cluster_memory_usage", UnitBytes, "Billed memory: the larger of the memory requested by pods and the memory in use, averaged over the step.",
			meterMax("", `sum(avg_over_time(kube_pod_container_resource_requests{resource="memory"}[$step]))`, `sum(avg_over_time(node:node_memory_bytes_total:sum[$step]) - avg_over_time(node:node_memory_bytes_available:sum[$step]))`, "1")},
		row{"meter_cluster_net_bytes_transmitted", UnitBytes, "Bytes sent by all nodes during the step, per hour.", `round(sum(increase(node_network_transmit_bytes_total{device!~` + virtualIfaces + `}[$step])) / $factor, 1)`},
		row{"meter_cluster_net_bytes_received", UnitBytes, "Bytes received by all nodes during the step, per hour.", `round(sum(increase(node_network_receive_bytes_total{device!~` + virtualIfaces + `}[$step])) / $factor, 1)`},
		row{"meter_cluster_pvc_bytes_total", UnitBytes, "Storage requested by all PersistentVolumeClaims, averaged over the step.", `sum(max by (namespace, persistentvolumeclaim) (avg_over_time(namespace:pvc_bytes_total:sum[$step])))`},
	)
	return rows
}

func nodeRows() []row {
	dcgmTotal := `(DCGM_FI_DEV_FB_USED{$sel} + DCGM_FI_DEV_FB_FREE{$sel})`
	return []row{
		{"node_cpu_utilisation", UnitRatio, "Fraction of the node's CPU cores in use, averaged over a minute.", `node:node_cpu_utilisation:avg1m{$sel}`},
		{"node_cpu_total", UnitCores, "CPU cores of the node.", `node:node_num_cpu:sum{$sel}`},
		{"node_cpu_usage", UnitCores, "CPU cores in use on the node.", `round(node:node_cpu_usage:avg1m{$sel}, 0.001)`},
		{"node_memory_utilisation", UnitRatio, "Fraction of the node's memory in use.", `node:node_memory_utilisation:{$sel}`},
		{"node_memory_usage_wo_cache", UnitBytes, "Memory in use on the node, page cache excluded.", `node:node_memory_bytes_total:sum{$sel} - node:node_memory_bytes_available:sum{$sel}`},
		{"node_memory_available", UnitBytes, "Memory available on the node.", `node:node_memory_bytes_available:sum{$sel}`},
		{"node_memory_total", UnitBytes, "Memory of the node.", `node:node_memory_bytes_total:sum{$sel}`},
		{"node_net_utilisation", UnitBytesPerSecond, "Network traffic of the node, both directions.", `node:node_net_utilisation:sum_irate{$sel}`},
		{"node_net_bytes_transmitted", UnitBytesPerSecond, "Bytes sent per second by the node.", `node:node_net_bytes_transmitted:sum_irate{$sel}`},
		{"node_net_bytes_received", UnitBytesPerSecond, "Bytes received per second by the node.", `node:node_net_bytes_received:sum_irate{$sel}`},
		{"node_disk_read_iops", UnitPerSecond, "Disk reads completed per second on the node.", `node:data_volume_iops_reads:sum{$sel}`},
		{"node_disk_write_iops", UnitPerSecond, "Disk writes completed per second on the node.", `node:data_volume_iops_writes:sum{$sel}`},
		{"node_disk_read_throughput", UnitBytesPerSecond, "Bytes read from disk per second on the node.", `node:data_volume_throughput_bytes_read:sum{$sel}`},
		{"node_disk_write_throughput", UnitBytesPerSecond, "Bytes written to disk per second on the node.", `node:data_volume_throughput_bytes_written:sum{$sel}`},
		{"node_disk_size_capacity", UnitBytes, "Disk space of the node's block devices.", `node:disk_space_capacity:sum{$sel}`},
		{"node_disk_size_available", UnitBytes, "Disk space available on the node's block devices.", `node:disk_space_available:{$sel}`},
		{"node_disk_size_usage", UnitBytes, "Disk space in use on the node's block devices.", `node:disk_space_capacity:sum{$sel} - node:disk_space_available:{$sel}`},
		{"node_disk_size_utilisation", UnitRatio, "Fraction of the node's disk space in use.", `node:disk_space_utilization:ratio{$sel}`},
		{"node_disk_inode_total", UnitCount, "Inodes of the node's file systems.", `node:node_inodes_total:{$sel}`},
		{"node_disk_inode_usage", UnitCount, "Inodes in use on the node.", `node:node_inodes_total:{$sel} - node:node_inodes_free:{$sel}`},
		{"node_disk_inode_utilisation", UnitRatio, "Fraction of the node's inodes in use.", `node:disk_inode_utilization:ratio{$sel}`},
		{"node_pod_count", UnitCount, "Pods on the node that have not finished.", `node:pod_count:sum{$sel}`},
		{"node_pod_quota", UnitCount, "Pods the node can hold (none while it is not ready).", `max by (node) (kube_node_status_capacity{resource="pods", $sel}) unless on (node) (kube_node_status_condition{condition="Ready", status=~"false|unknown"} > 0)`},
		{"node_pod_utilisation", UnitRatio, "Pods on the node as a fraction of what it can hold.", `node:pod_utilization:ratio{$sel}`},
		{"node_pod_running_count", UnitCount, "Pods on the node in phase Running.", `node:pod_running:count{$sel}`},
		{"node_pod_succeeded_count", UnitCount, "Pods on the node in phase Succeeded.", `node:pod_succeeded:count{$sel}`},
		{"node_pod_abnormal_count", UnitCount, "Abnormal pods on the node.", `node:pod_abnormal:count{$sel}`},
		{"node_load1", UnitLoad, "One-minute load average of the node per CPU core.", `node:load1:ratio{$sel}`},
		{"node_load5", UnitLoad, "Five-minute load average of the node per CPU core.", `node:load5:ratio{$sel}`},
		{"node_load15", UnitLoad, "Fifteen-minute load average of the node per CPU core.", `node:load15:ratio{$sel}`},
		{"node_pod_abnormal_ratio", UnitRatio, "Abnormal pods as a fraction of the node's pods.", `node:pod_abnormal:ratio{$sel}`},
		{"node_pleg_quantile", UnitSeconds, "Quantiles of the kubelet's pod lifecycle event generator relist duration.", `node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile{$sel}`},
		{"node_device_size_usage", UnitBytes, "Disk space in use per block device of the node.", `max by (node, device) (node_filesystem_size_bytes{` + realDisks + `, $sel}) - max by (node, device) (node_filesystem_avail_bytes{` + realDisks + `, $sel})`},
		{"node_device_size_utilisation", UnitRatio, "Fraction of disk space in use per block device of the node.", `1 - max by (node, device) (node_filesystem_avail_bytes{` + realDisks + `, $sel}) / max by (node, device) (node_filesystem_size_bytes{` + realDisks + `, $sel})`},
		// GPU (NVIDIA DCGM exporter)
		{"node_gpu_utilisation", UnitPercent, "Average utilisation of the node's GPUs (DCGM_FI_DEV_GPU_UTIL).", `avg by (node) (DCGM_FI_DEV_GPU_UTIL{$sel})`},
		{"node_gpu_memory_usage", UnitBytes, "GPU frame-buffer memory in use on the node (DCGM_FI_DEV_FB_USED).", `sum by (node) (DCGM_FI_DEV_FB_USED{$sel}) * ` + mib},
		{"node_gpu_memory_total", UnitBytes, "GPU frame-buffer memory of the node (used plus free).", `sum by (node) ` + dcgmTotal + ` * ` + mib},
		{"node_gpu_memory_utilisation", UnitRatio, "Fraction of the node's GPU frame-buffer memory in use.", `sum by (node) (DCGM_FI_DEV_FB_USED{$sel}) / sum by (node) ` + dcgmTotal},
		{"node_gpu_count", UnitCount, "GPUs the DCGM exporter reports on the node.", `count by (node) (DCGM_FI_DEV_GPU_UTIL{$sel})`},
		// meters
		{"meter_node_cpu_usage", UnitCores, "Billed CPU of the node: the larger of the cores requested by its pods and the cores in use, averaged over the step.",
			meterMax("node", `sum by (node) (avg_over_time(kube_pod_container_resource_requests{resource="cpu", $sel}[$step]))`, `sum by (node) (avg_over_time(node:node_cpu_usage:avg1m{$sel}[$step]))`, "0.001")},
		{"meter_node_memory_usage_wo_cache", UnitBytes, "Billed memory of the node: the larger of the memory requested by its pods and the memory in use, averaged over the step.",
			meterMax("node", `sum by (node) (avg_over_time(kube_pod_container_resource_requests{resource="memory", $sel}[$step]))`, `sum by (node) (avg_over_time(node:node_memory_bytes_total:sum{$sel}[$step]) - avg_over_time(node:node_memory_bytes_available:sum{$sel}[$step]))`, "0.001")},
		{"meter_node_net_bytes_transmitted", UnitBytes, "Bytes sent by the node during the step, per hour.", `round(sum by (node) (increase(node_network_transmit_bytes_total{device!~` + virtualIfaces + `, $sel}[$step])) / $factor, 1)`},
		{"meter_node_net_bytes_received", UnitBytes, "Bytes received by the node during the step, per hour.", `round(sum by (node) (increase(node_network_receive_bytes_total{device!~` + virtualIfaces + `, $sel}[$step])) / $factor, 1)`},
		{"meter_node_pvc_bytes_total", UnitBytes, "Storage requested by the claims mounted by the node's pods, averaged over the step.",
			`sum by (node) (max by (node, namespace, persistentvolumeclaim) (avg_over_time(namespace:pvc_bytes_total:sum[$step]) * on (namespace, persistentvolumeclaim) group_left(node) max by (namespace, persistentvolumeclaim, node) (kube_pod_spec_volumes_persistentvolumeclaims_info * on (namespace, pod) group_left(node) max by (namespace, pod, node) (kube_pod_info{$sel}))))`},
	}
}

func workspaceRows() []row {
	phase := func(name, help, phase string) row {
		return row{name, UnitCount, help, `sum by (workspace) (workspace:kube_pod_status_phase:sum{` + phase + `, $sel}) or sum by (workspace) (workspace:kube_namespace_labels:count{$sel}) * 0`}
	}
	rows := []row{
		{"workspace_cpu_usage", UnitCores, "CPU cores in use by the workspace's containers.", `round(sum by (workspace) (workspace:container_cpu_usage_seconds_total:sum_rate{$sel}), 0.001)`},
		{"workspace_memory_usage", UnitBytes, "Memory in use by the workspace's containers, page cache included.", `sum by (workspace) (workspace:container_memory_usage_bytes:sum{$sel})`},
		{"workspace_memory_usage_wo_cache", UnitBytes, "Working-set memory of the workspace's containers (page cache excluded).", `sum by (workspace) (workspace:container_memory_usage_bytes_wo_cache:sum{$sel})`},
		{"workspace_net_bytes_transmitted", UnitBytesPerSecond, "Bytes sent per second by the workspace's pods.", `sum by (workspace) (workspace:container_network_transmit_bytes:sum_irate{$sel})`},
		{"workspace_net_bytes_received", UnitBytesPerSecond, "Bytes received per second by the workspace's pods.", `sum by (workspace) (workspace:container_network_receive_bytes:sum_irate{$sel})`},
		phase("workspace_pod_count", "Pods in the workspace that have not finished.", `phase!~"Succeeded|Failed"`),
		phase("workspace_pod_running_count", "Pods in the workspace in phase Running.", `phase="Running"`),
		phase("workspace_pod_succeeded_count", "Pods in the workspace in phase Succeeded.", `phase="Succeeded"`),
		{"workspace_pod_abnormal_count", UnitCount, "Abnormal pods in the workspace.", `sum by (workspace) (workspace:pod_abnormal:count{$sel})`},
	}
	rows = append(rows, countRows(LevelWorkspace, "ingresses_extensions_count", "cronjob_count", "pvc_count", "daemonset_count", "deployment_count", "endpoint_count", "hpa_count", "job_count", "statefulset_count", "replicaset_count", "service_count", "secret_count")...)
	rows = append(rows,
		row{"workspace_pod_abnormal_ratio", UnitRatio, "Abnormal pods as a fraction of the workspace's pods not succeeded.", `sum by (workspace) (workspace:pod_abnormal:count{$sel}) / sum by (workspace) (workspace:pod_not_succeeded:count{$sel})`},
		row{"meter_workspace_cpu_usage", UnitCores, "Billed CPU of the workspace: the larger of the cores requested by its pods (Jobs' excluded) and the cores in use, averaged over the step.",
			meterMax("workspace", `sum by (workspace) (avg_over_time(workspace:kube_pod_resource_request:sum{owner_kind!="Job", resource="cpu", $sel}[$step]))`, `sum by (workspace) (avg_over_time(workspace:container_cpu_usage_seconds_total:sum_rate{$sel}[$step]))`, "0.001")},
		row{"meter_workspace_memory_usage", UnitBytes, "Billed memory of the workspace: the larger of the memory requested by its pods (Jobs' excluded) and the memory in use, averaged over the step.",
			meterMax("workspace", `sum by (workspace) (avg_over_time(workspace:kube_pod_resource_request:sum{owner_kind!="Job", resource="memory", $sel}[$step]))`, `sum by (workspace) (avg_over_time(workspace:container_memory_usage_bytes:sum{$sel}[$step]))`, "1")},
		row{"meter_workspace_net_bytes_transmitted", UnitBytes, "Bytes sent by the workspace's pods during the step, per hour.",
			`round(sum by (workspace) (sum by (namespace) (increase(container_network_transmit_bytes_total{interface!~` + virtualIfaces + `}[$step])) * on (namespace) group_left(workspace) ` + wsMap + `) / $factor, 1)`},
		row{"meter_workspace_net_bytes_received", UnitBytes, "Bytes received by the workspace's pods during the step, per hour.",
			`round(sum by (workspace) (sum by (namespace) (increase(container_network_receive_bytes_total{interface!~` + virtualIfaces + `}[$step])) * on (namespace) group_left(workspace) ` + wsMap + `) / $factor, 1)`},
		row{"meter_workspace_pvc_bytes_total", UnitBytes, "Storage requested by the workspace's claims, averaged over the step.", `sum by (workspace) (avg_over_time(workspace:pvc_bytes_total:sum{$sel}[$step]))`},
	)
	return rows
}

func namespaceRows() []row {
	phase := func(name, help, phase string) row {
		return row{name, UnitCount, help, `sum by (namespace) (kube_pod_status_phase{` + phase + `} * on (namespace) group_left() ` + nsMap + `) or ` + nsMap + ` * 0`}
	}
	quota := func(name, help, res string, unit Unit) row {
		return row{name, unit, help, `min by (namespace) (kube_resourcequota{type="hard", resource=~"` + res + `"} * on (namespace) group_left() ` + nsMap + `)`}
	}
	rows := []row{
		{"namespace_cpu_usage", UnitCores, "CPU cores in use by the namespace's containers.", `round(namespace:container_cpu_usage_seconds_total:sum_rate{$sel}, 0.001)`},
		{"namespace_memory_usage", UnitBytes, "Memory in use by the namespace's containers, page cache included.", `namespace:container_memory_usage_bytes:sum{$sel}`},
		{"namespace_memory_usage_wo_cache", UnitBytes, "Working-set memory of the namespace's containers (page cache excluded).", `namespace:container_memory_usage_bytes_wo_cache:sum{$sel}`},
		{"namespace_net_bytes_transmitted", UnitBytesPerSecond, "Bytes sent per second by the namespace's pods.", `namespace:container_network_transmit_bytes:sum_irate{$sel}`},
		{"namespace_net_bytes_received", UnitBytesPerSecond, "Bytes received per second by the namespace's pods.", `namespace:container_network_receive_bytes:sum_irate{$sel}`},
		phase("namespace_pod_count", "Pods in the namespace that have not finished.", `phase!~"Succeeded|Failed"`),
		phase("namespace_pod_running_count", "Pods in the namespace in phase Running.", `phase="Running"`),
		phase("namespace_pod_succeeded_count", "Pods in the namespace in phase Succeeded.", `phase="Succeeded"`),
		{"namespace_pod_abnormal_count", UnitCount, "Abnormal pods in the namespace.", `namespace:pod_abnormal:count{$sel}`},
		{"namespace_pod_abnormal_ratio", UnitRatio, "Abnormal pods as a fraction of the namespace's pods not succeeded.", `namespace:pod_abnormal:ratio{$sel}`},
		quota("namespace_memory_limit_hard", "The namespace's hard quota on memory limits.", "limits.memory", UnitBytes),
		quota("namespace_cpu_limit_hard", "The namespace's hard quota on CPU limits.", "limits.cpu", UnitCores),
		quota("namespace_pod_count_hard", "The namespace's hard quota on pods.", "count/pods|pods", UnitCount),
	}
	rows = append(rows, countRows(LevelNamespace, "cronjob_count", "pvc_count", "daemonset_count", "deployment_count", "endpoint_count", "hpa_count", "job_count", "statefulset_count", "replicaset_count", "service_count", "secret_count")...)
	rows = append(rows,
		countRow(LevelNamespace, "configmap_count", "kube_configmap_info", "ConfigMaps"),
		countRow(LevelNamespace, "ingresses_extensions_count", "kube_ingress_info", "Ingresses"),
		countRow(LevelNamespace, "s2ibuilder_count", "s2i_s2ibuilder_created", "S2iBuilders"),
		row{"namespace_gpu_utilisation", UnitPercent, "Average utilisation of the GPUs the namespace's pods use (DCGM_FI_DEV_GPU_UTIL).", `avg by (namespace) (DCGM_FI_DEV_GPU_UTIL * on (namespace) group_left() ` + nsMap + `)`},
		row{"namespace_gpu_memory_usage", UnitBytes, "GPU frame-buffer memory the namespace's pods use (DCGM_FI_DEV_FB_USED).", `sum by (namespace) (DCGM_FI_DEV_FB_USED * on (namespace) group_left() ` + nsMap + `) * ` + mib},
		row{"meter_namespace_cpu_usage", UnitCores, "Billed CPU of the namespace: the larger of the cores requested by its pods (Jobs' excluded) and the cores in use, averaged over the step.",
			meterMax("namespace", `sum by (namespace) (avg_over_time(namespace:kube_pod_resource_request:sum{owner_kind!="Job", resource="cpu", $sel}[$step]))`, `sum by (namespace) (avg_over_time(namespace:container_cpu_usage_seconds_total:sum_rate{$sel}[$step]))`, "0.001")},
		row{"meter_namespace_memory_usage_wo_cache", UnitBytes, "Billed memory of the namespace: the larger of the memory requested by its pods (Jobs' excluded) and the working set in use, averaged over the step.",
			meterMax("namespace", `sum by (namespace) (avg_over_time(namespace:kube_pod_resource_request:sum{owner_kind!="Job", resource="memory", $sel}[$step]))`, `sum by (namespace) (avg_over_time(namespace:container_memory_usage_bytes_wo_cache:sum{$sel}[$step]))`, "1")},
		row{"meter_namespace_net_bytes_transmitted", UnitBytes, "Bytes sent by the namespace's pods during the step, per hour.",
			`round(sum by (namespace) (increase(container_network_transmit_bytes_total{interface!~` + virtualIfaces + `}[$step]) * on (namespace) group_left() ` + nsMap + `) / $factor, 1)`},
		row{"meter_namespace_net_bytes_received", UnitBytes, "Bytes received by the namespace's pods during the step, per hour.",
			`round(sum by (namespace) (increase(container_network_receive_bytes_total{interface!~` + virtualIfaces + `}[$step]) * on (namespace) group_left() ` + nsMap + `) / $factor, 1)`},
		row{"meter_namespace_pvc_bytes_total", UnitBytes, "Storage requested by the namespace's claims, averaged over the step.", `sum by (namespace) (avg_over_time(namespace:pvc_bytes_total:sum{$sel}[$step]))`},
	)
	return rows
}

func workloadRows() []row {
	// replicas builds a per-workload series from a kube-state-metrics series
	// about one kind, labelled workload="<Kind>:<name>" and owner_kind.
	replicas := func(name, help, series, kind, label string) row {
		return row{name, UnitCount, help,
			`label_replace(label_replace(sum by (namespace, ` + label + `) (` + series + `{$ns, ` + label + `=~$rf}), "workload", "` + kind + `:$1", "` + label + `", "(.+)"), "owner_kind", "` + kind + `", "", "")`}
	}
	byWorkload := `namespace_workload_pod:kube_pod_owner:relabel{$sel}`
	return []row{
		{"workload_cpu_usage", UnitCores, "CPU cores in use by the workload's pods.", `round(namespace:workload_cpu_usage:sum{$sel}, 0.001)`},
		{"workload_memory_usage", UnitBytes, "Memory in use by the workload's pods, page cache included.", `namespace:workload_memory_usage:sum{$sel}`},
		{"workload_memory_usage_wo_cache", UnitBytes, "Working-set memory of the workload's pods (page cache excluded).", `namespace:workload_memory_usage_wo_cache:sum{$sel}`},
		{"workload_net_bytes_transmitted", UnitBytesPerSecond, "Bytes sent per second by the workload's pods.", `namespace:workload_net_bytes_transmitted:sum_irate{$sel}`},
		{"workload_net_bytes_received", UnitBytesPerSecond, "Bytes received per second by the workload's pods.", `namespace:workload_net_bytes_received:sum_irate{$sel}`},
		replicas("workload_deployment_replica", "Replicas a Deployment asks for.", "kube_deployment_spec_replicas", "Deployment", "deployment"),
		replicas("workload_deployment_replica_available", "Available replicas of a Deployment.", "kube_deployment_status_replicas_available", "Deployment", "deployment"),
		replicas("workload_statefulset_replica", "Replicas a StatefulSet asks for.", "kube_statefulset_replicas", "StatefulSet", "statefulset"),
		replicas("workload_statefulset_replica_available", "Available replicas of a StatefulSet.", "kube_statefulset_status_replicas_available", "StatefulSet", "statefulset"),
		replicas("workload_daemonset_replica", "Nodes a DaemonSet should run a pod on.", "kube_daemonset_status_desired_number_scheduled", "DaemonSet", "daemonset"),
		replicas("workload_daemonset_replica_available", "Nodes running an available pod of a DaemonSet.", "kube_daemonset_status_number_available", "DaemonSet", "daemonset"),
		{"workload_deployment_unavailable_replicas_ratio", UnitRatio, "Unavailable replicas of a Deployment as a fraction of those it asks for.", `namespace:deployment_unavailable_replicas:ratio{$sel}`},
		{"workload_daemonset_unavailable_replicas_ratio", UnitRatio, "Unavailable pods of a DaemonSet as a fraction of those it should run.", `namespace:daemonset_unavailable_replicas:ratio{$sel}`},
		{"workload_statefulset_unavailable_replicas_ratio", UnitRatio, "Unavailable replicas of a StatefulSet as a fraction of those it asks for.", `namespace:statefulset_unavailable_replicas:ratio{$sel}`},
		{"workload_gpu_utilisation", UnitPercent, "Average utilisation of the GPUs the workload's pods use (DCGM_FI_DEV_GPU_UTIL).", `avg by (namespace, workload) (DCGM_FI_DEV_GPU_UTIL * on (namespace, pod) group_left(workload) ` + byWorkload + `)`},
		{"workload_gpu_memory_usage", UnitBytes, "GPU frame-buffer memory the workload's pods use (DCGM_FI_DEV_FB_USED).", `sum by (namespace, workload) (DCGM_FI_DEV_FB_USED * on (namespace, pod) group_left(workload) ` + byWorkload + `) * ` + mib},
		{"meter_workload_cpu_usage", UnitCores, "Billed CPU of the workload: the larger of the cores its pods request and the cores in use, averaged over the step.",
			meterMax("namespace, workload", `sum by (namespace, workload) (avg_over_time(kube_pod_container_resource_requests{resource="cpu", $ns}[$step]) * on (namespace, pod) group_left(workload) `+byWorkload+`)`, `sum by (namespace, workload) (avg_over_time(namespace:workload_cpu_usage:sum{$sel}[$step]))`, "0.001")},
		{"meter_workload_memory_usage_wo_cache", UnitBytes, "Billed memory of the workload: the larger of the memory its pods request and the working set in use, averaged over the step.",
			meterMax("namespace, workload", `sum by (namespace, workload) (avg_over_time(kube_pod_container_resource_requests{resource="memory", $ns}[$step]) * on (namespace, pod) group_left(workload) `+byWorkload+`)`, `sum by (namespace, workload) (avg_over_time(namespace:workload_memory_usage_wo_cache:sum{$sel}[$step]))`, "1")},
		{"meter_workload_net_bytes_transmitted", UnitBytes, "Bytes sent by the workload's pods during the step, per hour.",
			`round(sum by (namespace, workload) (sum by (namespace, pod) (increase(container_network_transmit_bytes_total{interface!~` + virtualIfaces + `, $ns}[$step])) * on (namespace, pod) group_left(workload) ` + byWorkload + `) / $factor, 1)`},
		{"meter_workload_net_bytes_received", UnitBytes, "Bytes received by the workload's pods during the step, per hour.",
			`round(sum by (namespace, workload) (sum by (namespace, pod) (increase(container_network_receive_bytes_total{interface!~` + virtualIfaces + `, $ns}[$step])) * on (namespace, pod) group_left(workload) ` + byWorkload + `) / $factor, 1)`},
		{"meter_workload_pvc_bytes_total", UnitBytes, "Storage requested by the claims the workload's pods mount, averaged over the step.",
			`sum by (namespace, workload) (max by (namespace, workload, persistentvolumeclaim) (avg_over_time(namespace:pvc_bytes_total:sum{$ns}[$step]) * on (namespace, persistentvolumeclaim) group_left(workload) max by (namespace, persistentvolumeclaim, workload) (kube_pod_spec_volumes_persistentvolumeclaims_info{$ns} * on (namespace, pod) group_left(workload) ` + byWorkload + `)))`},
	}
}

func podRows() []row {
	perPod := func(inner string) string { return `sum by (namespace, pod) (` + inner + `)` + podJoin }
	return []row{
		{"pod_cpu_usage", UnitCores, "CPU cores in use by the pod's containers.", `round(` + perPod(`irate(container_cpu_usage_seconds_total{container!="", $inner}[5m])`) + `, 0.001)`},
		{"pod_memory_usage", UnitBytes, "Memory in use by the pod's containers, page cache included.", perPod(`container_memory_usage_bytes{container!="", $inner}`)},
		{"pod_memory_usage_wo_cache", UnitBytes, "Working-set memory of the pod's containers (page cache excluded).", perPod(`container_memory_working_set_bytes{container!="", $inner}`)},
		{"pod_net_bytes_transmitted", UnitBytesPerSecond, "Bytes sent per second by the pod.", perPod(`rate(container_network_transmit_bytes_total{interface!~` + virtualIfaces + `, $inner}[5m])`)},
		{"pod_net_bytes_received", UnitBytesPerSecond, "Bytes received per second by the pod.", perPod(`rate(container_network_receive_bytes_total{interface!~` + virtualIfaces + `, $inner}[5m])`)},
		{"pod_gpu_utilisation", UnitPercent, "Average utilisation of the GPUs the pod uses (DCGM_FI_DEV_GPU_UTIL).", `avg by (namespace, pod) (DCGM_FI_DEV_GPU_UTIL{pod!="", $inner})` + podJoin},
		{"pod_gpu_memory_usage", UnitBytes, "GPU frame-buffer memory the pod uses (DCGM_FI_DEV_FB_USED).", `sum by (namespace, pod) (DCGM_FI_DEV_FB_USED{pod!="", $inner}) * ` + mib + podJoin},
		{"meter_pod_cpu_usage", UnitCores, "Billed CPU of the pod: the larger of the cores it requests and the cores in use, averaged over the step.",
			meterMax("namespace, pod", perPod(`avg_over_time(kube_pod_container_resource_requests{resource="cpu", $inner}[$step])`), perPod(`rate(container_cpu_usage_seconds_total{container!="", $inner}[$step])`), "0.001")},
		{"meter_pod_memory_usage_wo_cache", UnitBytes, "Billed memory of the pod: the larger of the memory it requests and the working set in use, averaged over the step.",
			meterMax("namespace, pod", perPod(`avg_over_time(kube_pod_container_resource_requests{resource="memory", $inner}[$step])`), perPod(`avg_over_time(container_memory_working_set_bytes{container!="", $inner}[$step])`), "1")},
		{"meter_pod_net_bytes_transmitted", UnitBytes, "Bytes sent by the pod during the step, per hour.", `round(` + perPod(`increase(container_network_transmit_bytes_total{interface!~`+virtualIfaces+`, $inner}[$step])`) + ` / $factor, 1)`},
		{"meter_pod_net_bytes_received", UnitBytes, "Bytes received by the pod during the step, per hour.", `round(` + perPod(`increase(container_network_receive_bytes_total{interface!~`+virtualIfaces+`, $inner}[$step])`) + ` / $factor, 1)`},
		{"meter_pod_pvc_bytes_total", UnitBytes, "Storage requested by the claims the pod mounts, averaged over the step.",
			perPod(`max by (namespace, pod, persistentvolumeclaim) (avg_over_time(namespace:pvc_bytes_total:sum{$inner}[$step]) * on (namespace, persistentvolumeclaim) group_left(pod) max by (namespace, persistentvolumeclaim, pod) (kube_pod_spec_volumes_persistentvolumeclaims_info{$inner}))`)},
	}
}

func containerRows() []row {
	per := func(series string) string {
		return `sum by (namespace, pod, container) (` + series + `{container!="", container!="POD", $sel})`
	}
	return []row{
		{"container_cpu_usage", UnitCores, "CPU cores in use by the container.", `round(sum by (namespace, pod, container) (irate(container_cpu_usage_seconds_total{container!="", container!="POD", $sel}[5m])), 0.001)`},
		{"container_memory_usage", UnitBytes, "Memory in use by the container, page cache included.", per("container_memory_usage_bytes")},
		{"container_memory_usage_wo_cache", UnitBytes, "Working-set memory of the container (page cache excluded).", per("container_memory_working_set_bytes")},
		{"container_processes_usage", UnitCount, "Processes running in the container.", per("container_processes")},
		{"container_threads_usage", UnitCount, "Threads running in the container.", per("container_threads")},
	}
}

func pvcRows() []row {
	per := func(inner string) string {
		return `max by (namespace, persistentvolumeclaim) (` + inner + `)` + pvcJoin
	}
	return []row{
		{"pvc_inodes_available", UnitCount, "Free inodes on the claim's volume.", per("kubelet_volume_stats_inodes_free")},
		{"pvc_inodes_used", UnitCount, "Inodes in use on the claim's volume.", per("kubelet_volume_stats_inodes_used")},
		{"pvc_inodes_total", UnitCount, "Inodes of the claim's volume.", per("kubelet_volume_stats_inodes")},
		{"pvc_inodes_utilisation", UnitRatio, "Fraction of the claim's inodes in use.", per("kubelet_volume_stats_inodes_used / kubelet_volume_stats_inodes")},
		{"pvc_bytes_available", UnitBytes, "Space available on the claim's volume.", per("kubelet_volume_stats_available_bytes")},
		{"pvc_bytes_used", UnitBytes, "Space in use on the claim's volume.", per("kubelet_volume_stats_used_bytes")},
		{"pvc_bytes_total", UnitBytes, "Capacity of the claim's volume.", per("kubelet_volume_stats_capacity_bytes")},
		{"pvc_bytes_utilisation", UnitRatio, "Fraction of the claim's volume in use.", per("kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes")},
	}
}

func ingressRows() []row {
	req := `nginx_ingress_controller_requests{$sel`
	quantile := func(q string) string {
		return `histogram_quantile(` + q + `, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket{$sel}[$dur])))`
	}
	return []row{
		{"ingress_request_count", UnitCount, "Requests served during the window.", `round(sum(increase(` + req + `}[$dur])))`},
		{"ingress_request_4xx_count", UnitCount, "Requests answered with a 4xx status during the window.", `round(sum(increase(` + req + `, status=~"4.."}[$dur])))`},
		{"ingress_request_5xx_count", UnitCount, "Requests answered with a 5xx status during the window.", `round(sum(increase(` + req + `, status=~"5.."}[$dur])))`},
		{"ingress_active_connections", UnitCount, "Active client connections of the controller, averaged over the window.", `sum(avg_over_time(nginx_ingress_controller_nginx_process_connections{state="active", $job}[$dur]))`},
		{"ingress_success_rate", UnitRatio, "Fraction of requests answered with neither a 4xx nor a 5xx status.", `sum(rate(` + req + `, status!~"[45].."}[$dur])) / sum(rate(` + req + `}[$dur]))`},
		{"ingress_request_duration_average", UnitSeconds, "Average request duration over the window.", `sum(increase(nginx_ingress_controller_request_duration_seconds_sum{$sel}[$dur])) / sum(increase(nginx_ingress_controller_request_duration_seconds_count{$sel}[$dur]))`},
		{"ingress_request_duration_50percentage", UnitSeconds, "Median request duration over the window.", quantile("0.5")},
		{"ingress_request_duration_95percentage", UnitSeconds, "95th percentile of request duration over the window.", quantile("0.95")},
		{"ingress_request_duration_99percentage", UnitSeconds, "99th percentile of request duration over the window.", quantile("0.99")},
		{"ingress_request_volume", UnitPerSecond, "Requests per second.", `round(sum(rate(` + req + `}[$dur])), 0.001)`},
		{"ingress_request_volume_by_ingress", UnitPerSecond, "Requests per second, per Ingress.", `round(sum by (ingress) (rate(` + req + `}[$dur])), 0.001)`},
		{"ingress_request_network_sent", UnitBytesPerSecond, "Response bytes sent per second.", `sum(rate(nginx_ingress_controller_response_size_sum{$sel}[$dur]))`},
		{"ingress_request_network_received", UnitBytesPerSecond, "Request bytes received per second.", `sum(rate(nginx_ingress_controller_request_size_sum{$sel}[$dur]))`},
		{"ingress_request_memory_bytes", UnitBytes, "Resident memory of the controller's nginx processes.", `avg(nginx_ingress_controller_nginx_process_resident_memory_bytes{$job})`},
		{"ingress_request_cpu_usage", UnitCores, "CPU cores used by the controller's nginx processes.", `avg(rate(nginx_ingress_controller_nginx_process_cpu_seconds_total{$job}[$dur]))`},
	}
}

func etcdRows() []row {
	nodeIP := func(series string) string {
		return `label_replace(` + series + `, "node_ip", "$1", "instance", "([^:]+).*")`
	}
	return []row{
		{"etcd_server_list", UnitBoolean, "Each etcd member and whether it is up, with its address in node_ip.", nodeIP(`up{job="etcd"}`)},
		{"etcd_server_total", UnitCount, "etcd members scraped.", `count(up{job="etcd"})`},
		{"etcd_server_up_total", UnitCount, "etcd members up.", `etcd:up:sum`},
		{"etcd_server_has_leader", UnitBoolean, "Whether each member knows a leader.", nodeIP(`etcd_server_has_leader`)},
		{"etcd_server_is_leader", UnitBoolean, "Whether each member is the leader.", nodeIP(`etcd_server_is_leader`)},
		{"etcd_server_leader_changes", UnitCount, "Leader changes each member saw in the last day.", nodeIP(`etcd:etcd_server_leader_changes_seen:sum_changes`)},
		{"etcd_server_proposals_failed_rate", UnitPerSecond, "Failed proposals per second, averaged over members.", `avg(etcd:etcd_server_proposals_failed:sum_irate)`},
		{"etcd_server_proposals_applied_rate", UnitPerSecond, "Applied proposals per second, averaged over members.", `avg(etcd:etcd_server_proposals_applied:sum_irate)`},
		{"etcd_server_proposals_committed_rate", UnitPerSecond, "Committed proposals per second, averaged over members.", `avg(etcd:etcd_server_proposals_committed:sum_irate)`},
		{"etcd_server_proposals_pending_count", UnitCount, "Pending proposals, averaged over members.", `avg(etcd:etcd_server_proposals_pending:sum)`},
		{"etcd_mvcc_db_size", UnitBytes, "Size of the backend database, averaged over members.", `avg(etcd:etcd_mvcc_db_total_size:sum)`},
		{"etcd_network_client_grpc_received_bytes", UnitBytesPerSecond, "Bytes received from gRPC clients per second.", `sum(etcd:etcd_network_client_grpc_received_bytes:sum_irate)`},
		{"etcd_network_client_grpc_sent_bytes", UnitBytesPerSecond, "Bytes sent to gRPC clients per second.", `sum(etcd:etcd_network_client_grpc_sent_bytes:sum_irate)`},
		{"etcd_grpc_call_rate", UnitPerSecond, "gRPC calls started per second.", `sum(etcd:grpc_server_started:sum_irate)`},
		{"etcd_grpc_call_failed_rate", UnitPerSecond, "gRPC calls that ended with an error per second.", `sum(etcd:grpc_server_handled:sum_irate)`},
		{"etcd_grpc_server_msg_received_rate", UnitPerSecond, "gRPC stream messages received per second.", `sum(etcd:grpc_server_msg_received:sum_irate)`},
		{"etcd_grpc_server_msg_sent_rate", UnitPerSecond, "gRPC stream messages sent per second.", `sum(etcd:grpc_server_msg_sent:sum_irate)`},
		{"etcd_disk_wal_fsync_duration", UnitSeconds, "Average WAL fsync duration.", `avg(etcd:etcd_disk_wal_fsync_duration:avg)`},
		{"etcd_disk_wal_fsync_duration_quantile", UnitSeconds, "Quantiles (0.5, 0.9, 0.99) of WAL fsync duration.", `avg by (quantile) (etcd:etcd_disk_wal_fsync_duration:histogram_quantile)`},
		{"etcd_disk_backend_commit_duration", UnitSeconds, "Average backend commit duration.", `avg(etcd:etcd_disk_backend_commit_duration:avg)`},
		{"etcd_disk_backend_commit_duration_quantile", UnitSeconds, "Quantiles (0.5, 0.9, 0.99) of backend commit duration.", `avg by (quantile) (etcd:etcd_disk_backend_commit_duration:histogram_quantile)`},
	}
}

func apiserverRows() []row {
	return []row{
		{"apiserver_up_sum", UnitCount, "API server instances up.", `apiserver:up:sum`},
		{"apiserver_request_rate", UnitPerSecond, "Requests per second to the API servers.", `apiserver:apiserver_request_total:sum_irate`},
		{"apiserver_request_by_verb_rate", UnitPerSecond, "Requests per second to the API servers, per verb.", `apiserver:apiserver_request_total:sum_verb_irate`},
		{"apiserver_request_latencies", UnitSeconds, "Average request duration, long-running requests excluded.", `apiserver:apiserver_request_duration:avg`},
		{"apiserver_request_by_verb_latencies", UnitSeconds, "Average request duration per verb, long-running requests excluded.", `apiserver:apiserver_request_duration:avg_by_verb`},
	}
}

func schedulerRows() []row {
	return []row{
		{"scheduler_up_sum", UnitCount, "Scheduler instances up.", `scheduler:up:sum`},
		{"scheduler_schedule_attempts", UnitCount, "Scheduling attempts so far, per result.", `scheduler:scheduler_schedule_attempts:sum`},
		{"scheduler_schedule_attempt_rate", UnitPerSecond, "Scheduling attempts per second, per result.", `scheduler:scheduler_schedule_attempts:sum_rate`},
		{"scheduler_e2e_scheduling_latency", UnitSeconds, "Average duration of a scheduling attempt.", `scheduler:scheduler_e2e_scheduling_duration:avg`},
		{"scheduler_e2e_scheduling_latency_quantile", UnitSeconds, "Quantiles (0.5, 0.9, 0.99) of scheduling attempt duration.", `scheduler:scheduler_e2e_scheduling_duration:histogram_quantile`},
	}
}
