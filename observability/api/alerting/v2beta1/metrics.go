package v2beta1

// Series the workload thresholds of an exprBuilder read: KubeSphere's
// recording rules, labelled namespace and workload ("<kind>:<name>").
const (
	MetricWorkloadCPUUsage               = "namespace:workload_cpu_usage:sum"
	MetricWorkloadMemoryUsage            = "namespace:workload_memory_usage:sum"
	MetricWorkloadMemoryUsageWoCache     = "namespace:workload_memory_usage_wo_cache:sum"
	MetricWorkloadNetworkTransmittedRate = "namespace:workload_net_bytes_transmitted:sum_irate"
	MetricWorkloadNetworkReceivedRate    = "namespace:workload_net_bytes_received:sum_irate"
	// MetricWorkloadUnavailableRatioFormat takes the workload kind
	// (deployment, statefulset or daemonset).
	MetricWorkloadUnavailableRatioFormat = "namespace:%s_unavailable_replicas:ratio"
)

// Series the node thresholds of an exprBuilder read, labelled node. Two
// end in a colon, as KubeSphere spells them.
const (
	MetricNodeCPUUtilization         = "node:node_cpu_utilisation:avg1m"
	MetricNodeCPULoad1m              = "node:load1:ratio"
	MetricNodeCPULoad5m              = "node:load5:ratio"
	MetricNodeCPULoad15m             = "node:load15:ratio"
	MetricNodeMemoryUtilization      = "node:node_memory_utilisation:"
	MetricNodeMemoryAvailable        = "node:node_memory_bytes_available:sum"
	MetricNodeNetworkTransmittedRate = "node:node_net_bytes_transmitted:sum_irate"
	MetricNodeNetworkReceivedRate    = "node:node_net_bytes_received:sum_irate"
	MetricNodeDiskSpaceUtilization   = "node:disk_space_utilization:ratio"
	MetricNodeDiskSpaceAvailable     = "node:disk_space_available:"
	MetricNodeDiskInodeUtilization   = "node:disk_inode_utilization:ratio"
	MetricNodeDiskIopsRead           = "node:data_volume_iops_reads:sum"
	MetricNodeDiskIopsWrite          = "node:data_volume_iops_writes:sum"
	MetricNodeDiskThroughputRead     = "node:data_volume_throughput_bytes_read:sum"
	MetricNodeDiskThroughputWrite    = "node:data_volume_throughput_bytes_write:sum"
	MetricNodePodUtilization         = "node:pod_utilization:ratio"
	MetricNodePodAbnormalRatio       = "node:pod_abnormal:ratio"
)
