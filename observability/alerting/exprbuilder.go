package alerting

import (
	"fmt"
	"slices"
	"strings"

	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// threshold is one metric of an exprBuilder's metricThreshold: the JSON
// path below metricThreshold, the series it compares and the value.
type threshold struct {
	path   string
	metric string
	value  *float64
}

// pick returns the one threshold set among ts, or an *InvalidError naming
// field when none or several are set.
func pick(field string, ts []threshold) (threshold, error) {
	var set []threshold
	for _, t := range ts {
		if t.value != nil {
			set = append(set, t)
		}
	}
	switch len(set) {
	case 1:
		return set[0], nil
	case 0:
		known := make([]string, len(ts))
		for i, t := range ts {
			known[i] = t.path
		}
		return threshold{}, &InvalidError{Field: field, Reason: "no metric threshold is set; set one of " + strings.Join(known, ", ")}
	default:
		return threshold{}, &InvalidError{Field: field, Reason: fmt.Sprintf("%s and %s are both set; set one metric threshold", set[0].path, set[1].path)}
	}
}

func workloadThresholds(kind alertingv2beta1.WorkloadKind, m alertingv2beta1.WorkloadMetricThreshold) []threshold {
	var ts []threshold
	if m.Cpu != nil {
		ts = append(ts, threshold{"cpu.usage", alertingv2beta1.MetricWorkloadCPUUsage, m.Cpu.Usage})
	}
	if m.Memory != nil {
		ts = append(ts,
			threshold{"memory.usage", alertingv2beta1.MetricWorkloadMemoryUsage, m.Memory.Usage},
			threshold{"memory.usageWoCache", alertingv2beta1.MetricWorkloadMemoryUsageWoCache, m.Memory.UsageWoCache})
	}
	if m.Network != nil {
		ts = append(ts,
			threshold{"network.transmittedRate", alertingv2beta1.MetricWorkloadNetworkTransmittedRate, m.Network.TransmittedRate},
			threshold{"network.receivedRate", alertingv2beta1.MetricWorkloadNetworkReceivedRate, m.Network.ReceivedRate})
	}
	if m.Replica != nil {
		ts = append(ts, threshold{"replica.unavailableRatio", fmt.Sprintf(alertingv2beta1.MetricWorkloadUnavailableRatioFormat, strings.ToLower(string(kind))), m.Replica.UnavailableRatio})
	}
	if len(ts) == 0 {
		// Name every metric in the error.
		return []threshold{{path: "cpu.usage"}, {path: "memory.usage"}, {path: "memory.usageWoCache"},
			{path: "network.transmittedRate"}, {path: "network.receivedRate"}, {path: "replica.unavailableRatio"}}
	}
	return ts
}

func nodeThresholds(m alertingv2beta1.NodeMetricThreshold) []threshold {
	var ts []threshold
	if c := m.Cpu; c != nil {
		ts = append(ts,
			threshold{"cpu.utilization", alertingv2beta1.MetricNodeCPUUtilization, c.Utilization},
			threshold{"cpu.load1m", alertingv2beta1.MetricNodeCPULoad1m, c.Load1m},
			threshold{"cpu.load5m", alertingv2beta1.MetricNodeCPULoad5m, c.Load5m},
			threshold{"cpu.load15m", alertingv2beta1.MetricNodeCPULoad15m, c.Load15m})
	}
	if mem := m.Memory; mem != nil {
		ts = append(ts,
			threshold{"memory.utilization", alertingv2beta1.MetricNodeMemoryUtilization, mem.Utilization},
			threshold{"memory.available", alertingv2beta1.MetricNodeMemoryAvailable, mem.Available})
	}
	if n := m.Network; n != nil {
		ts = append(ts,
			threshold{"network.transmittedRate", alertingv2beta1.MetricNodeNetworkTransmittedRate, n.TransmittedRate},
			threshold{"network.receivedRate", alertingv2beta1.MetricNodeNetworkReceivedRate, n.ReceivedRate})
	}
	if d := m.Disk; d != nil {
		ts = append(ts,
			threshold{"disk.spaceUtilization", alertingv2beta1.MetricNodeDiskSpaceUtilization, d.SpaceUtilization},
			threshold{"disk.spaceAvailable", alertingv2beta1.MetricNodeDiskSpaceAvailable, d.SpaceAvailable},
			threshold{"disk.inodeUtilization", alertingv2beta1.MetricNodeDiskInodeUtilization, d.InodeUtilization},
			threshold{"disk.iopsRead", alertingv2beta1.MetricNodeDiskIopsRead, d.IopsRead},
			threshold{"disk.iopsWrite", alertingv2beta1.MetricNodeDiskIopsWrite, d.IopsWrite},
			threshold{"disk.throughputRead", alertingv2beta1.MetricNodeDiskThroughputRead, d.ThroughputRead},
			threshold{"disk.throughputWrite", alertingv2beta1.MetricNodeDiskThroughputWrite, d.ThroughputWrite})
	}
	if p := m.Pod; p != nil {
		ts = append(ts,
			threshold{"pod.utilization", alertingv2beta1.MetricNodePodUtilization, p.Utilization},
			threshold{"pod.abnormalRatio", alertingv2beta1.MetricNodePodAbnormalRatio, p.AbnormalRatio})
	}
	if len(ts) == 0 {
		return []threshold{{path: "cpu.utilization"}, {path: "cpu.load1m"}, {path: "cpu.load5m"}, {path: "cpu.load15m"},
			{path: "memory.utilization"}, {path: "memory.available"}, {path: "network.transmittedRate"}, {path: "network.receivedRate"},
			{path: "disk.spaceUtilization"}, {path: "disk.spaceAvailable"}, {path: "disk.inodeUtilization"}, {path: "disk.iopsRead"},
			{path: "disk.iopsWrite"}, {path: "disk.throughputRead"}, {path: "disk.throughputWrite"}, {path: "pod.utilization"}, {path: "pod.abnormalRatio"}}
	}
	return ts
}

func checkComparator(field string, c alertingv2beta1.Comparator) error {
	switch c {
	case alertingv2beta1.ComparatorLT, alertingv2beta1.ComparatorLE, alertingv2beta1.ComparatorGT, alertingv2beta1.ComparatorGE:
		return nil
	}
	return &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a comparator; use <, <=, > or >=", c)}
}

// compare is KubeSphere's shape of a built expression:
// metric{label="value"} or metric{label=~"prefix(a|b)"}, the comparator
// and the threshold printed with %v.
func compare(metric, label, prefix string, names []string, c alertingv2beta1.Comparator, v float64) string {
	var filter string
	if len(names) == 1 {
		filter = fmt.Sprintf(`{%s="%s%s"}`, label, prefix, names[0])
	} else {
		filter = fmt.Sprintf(`{%s=~"%s(%s)"}`, label, prefix, strings.Join(names, "|"))
	}
	return fmt.Sprintf("%s%s %s %v", metric, filter, c, v)
}

// WorkloadExpr is the expression a workload exprBuilder stands for, as
// KubeSphere builds it: the threshold's series for the named workloads
// (label workload, "<Kind>:<name>", such as "Deployment:web") compared with the threshold. An
// incomplete builder is an *InvalidError naming the field below field.
func WorkloadExpr(field string, b alertingv2beta1.WorkloadExprBuilder) (string, error) {
	switch b.WorkloadKind {
	case alertingv2beta1.WorkloadDeployment, alertingv2beta1.WorkloadStatefulSet, alertingv2beta1.WorkloadDaemonSet:
	default:
		return "", &InvalidError{Field: field + ".kind", Reason: fmt.Sprintf("%q is not a workload kind; use deployment, statefulset or daemonset", b.WorkloadKind)}
	}
	if err := checkNames(field+".names", b.WorkloadNames); err != nil {
		return "", err
	}
	if err := checkComparator(field+".comparator", b.Comparator); err != nil {
		return "", err
	}
	t, err := pick(field+".metricThreshold", workloadThresholds(b.WorkloadKind, b.MetricThreshold))
	if err != nil {
		return "", err
	}
	return compare(t.metric, "workload", workloadLabelKind[b.WorkloadKind]+":", b.WorkloadNames, b.Comparator, *t.value), nil
}

// workloadLabelKind spells a builder's kind as the workload label of the
// recorded workload series does ("Deployment:web", what monitoring's
// queries select on and its recording rules write). KubeSphere 3.4.1's
// builder writes the lower-case kind, which matches no recorded series;
// spherekit writes the kind that makes the alert fire.
var workloadLabelKind = map[alertingv2beta1.WorkloadKind]string{
	alertingv2beta1.WorkloadDeployment:  "Deployment",
	alertingv2beta1.WorkloadStatefulSet: "StatefulSet",
	alertingv2beta1.WorkloadDaemonSet:   "DaemonSet",
}

// NodeExpr is the expression a node exprBuilder stands for, as KubeSphere
// builds it: the threshold's series for the named nodes (label node)
// compared with the threshold.
func NodeExpr(field string, b alertingv2beta1.NodeExprBuilder) (string, error) {
	if err := checkNames(field+".names", b.NodeNames); err != nil {
		return "", err
	}
	if err := checkComparator(field+".comparator", b.Comparator); err != nil {
		return "", err
	}
	t, err := pick(field+".metricThreshold", nodeThresholds(b.MetricThreshold))
	if err != nil {
		return "", err
	}
	return compare(t.metric, "node", "", b.NodeNames, b.Comparator, *t.value), nil
}

// checkNames requires names, each a DNS subdomain (what Kubernetes names
// workloads and nodes), so that a name cannot change the expression.
func checkNames(field string, names []string) error {
	if len(names) == 0 {
		return &InvalidError{Field: field, Reason: "name at least one"}
	}
	for i, n := range names {
		if !isDNSSubdomain(n) {
			return &InvalidError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: fmt.Sprintf("%q is not a Kubernetes object name", n)}
		}
	}
	return nil
}

func isDNSSubdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || part[0] == '-' || part[len(part)-1] == '-' {
			return false
		}
		for _, r := range part {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// scopedWorkload flattens a global workload builder: the union of the
// names (sorted) into the expression, and the clusters and namespaces the
// names are given in as the rule's selectors, as KubeSphere's defaulting
// does.
func scopedWorkload(field string, b alertingv2beta1.ScopedWorkloadExprBuilder) (expr string, clusters, namespaces []string, err error) {
	var names []string
	for _, s := range b.WorkloadNames {
		names = append(names, s.Names...)
		if s.Cluster != "" {
			clusters = append(clusters, s.Cluster)
		}
		if s.Namespace != "" {
			namespaces = append(namespaces, s.Namespace)
		}
	}
	expr, err = WorkloadExpr(field, alertingv2beta1.WorkloadExprBuilder{
		WorkloadKind: b.WorkloadKind, WorkloadNames: sortedSet(names), Comparator: b.Comparator, MetricThreshold: b.MetricThreshold,
	})
	return expr, sortedSet(clusters), sortedSet(namespaces), err
}

// scopedNode flattens a global node builder as scopedWorkload does.
func scopedNode(field string, b alertingv2beta1.ScopedNodeExprBuilder) (expr string, clusters []string, err error) {
	var names []string
	for _, s := range b.NodeNames {
		names = append(names, s.Names...)
		if s.Cluster != "" {
			clusters = append(clusters, s.Cluster)
		}
	}
	expr, err = NodeExpr(field, alertingv2beta1.NodeExprBuilder{NodeNames: sortedSet(names), Comparator: b.Comparator, MetricThreshold: b.MetricThreshold})
	return expr, sortedSet(clusters), err
}

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
