package v2beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Duration is a Prometheus duration such as "30s", "1m" or "1h20m15s"
// (units y, w, d, h, m, s, ms), or "0".
//
// +kubebuilder:validation:Pattern:="^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
type Duration string

// Comparator compares a metric with a threshold in a built expression.
type Comparator string

// Comparators an exprBuilder accepts.
const (
	ComparatorLT Comparator = "<"
	ComparatorLE Comparator = "<="
	ComparatorGT Comparator = ">"
	ComparatorGE Comparator = ">="
)

// Severity is how bad a firing alert is; it becomes the severity label.
type Severity string

// Severities KubeSphere knows.
const (
	SeverityWarning  Severity = "warning"
	SeverityError    Severity = "error"
	SeverityCritical Severity = "critical"
)

// MatchType is the operator of a Matcher.
type MatchType string

// Match types of a Matcher, PromQL's label matching operators.
const (
	MatchEqual     MatchType = "="
	MatchNotEqual  MatchType = "!="
	MatchRegexp    MatchType = "=~"
	MatchNotRegexp MatchType = "!~"
)

// Rule is what every alert rule has, whatever its level.
type Rule struct {
	// Alert is the alert's name.
	Alert string `json:"alert"`
	// Expr is the PromQL expression; an exprBuilder, when set, replaces it.
	Expr intstr.IntOrString `json:"expr,omitempty"`
	// For is how long the expression must hold before the alert fires.
	For Duration `json:"for,omitempty"`
	// Severity becomes the rule's severity label.
	Severity Severity `json:"severity,omitempty"`
	// Labels are added to the alerts; LabelRuleID lives here.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are added to the alerts (summary, message, ...).
	Annotations map[string]string `json:"annotations,omitempty"`
	// Disable leaves the rule out of what is rendered.
	Disable bool `json:"disable,omitempty"`
}

// NamespaceRule is a rule of a RuleGroup.
type NamespaceRule struct {
	Rule `json:",inline"`
	// ExprBuilder, when set, makes the expression from a workload metric
	// threshold and Expr is ignored.
	ExprBuilder *NamespaceRuleExprBuilder `json:"exprBuilder,omitempty"`
}

// ClusterRule is a rule of a ClusterRuleGroup.
type ClusterRule struct {
	Rule `json:",inline"`
	// ExprBuilder, when set, makes the expression from a node metric
	// threshold and Expr is ignored.
	ExprBuilder *ClusterRuleExprBuilder `json:"exprBuilder,omitempty"`
}

// GlobalRule is a rule of a GlobalRuleGroup.
type GlobalRule struct {
	// ClusterSelector narrows the rule to some clusters (label "cluster").
	ClusterSelector *MetricLabelSelector `json:"clusterSelector,omitempty"`
	// NamespaceSelector narrows the rule to some namespaces (label
	// "namespace").
	NamespaceSelector *MetricLabelSelector `json:"namespaceSelector,omitempty"`
	Rule              `json:",inline"`
	// ExprBuilder, when set, makes the expression from a workload or node
	// metric threshold (one of them) and Expr is ignored.
	ExprBuilder *GlobalRuleExprBuilder `json:"exprBuilder,omitempty"`
}

// MetricLabelSelector selects label values: InValues (any of them) or
// Matcher, one of the two.
type MetricLabelSelector struct {
	InValues []string `json:"inValues,omitempty"`
	Matcher  *Matcher `json:"matcher,omitempty"`
}

// Matcher is a PromQL label matcher without its label name.
type Matcher struct {
	Type  MatchType `json:"type"`
	Value string    `json:"value,omitempty"`
}

// NamespaceRuleExprBuilder builds a namespace-level expression.
type NamespaceRuleExprBuilder struct {
	Workload *WorkloadExprBuilder `json:"workload,omitempty"`
}

// ClusterRuleExprBuilder builds a cluster-level expression.
type ClusterRuleExprBuilder struct {
	Node *NodeExprBuilder `json:"node,omitempty"`
}

// GlobalRuleExprBuilder builds a global expression from one of Workload
// and Node.
type GlobalRuleExprBuilder struct {
	Workload *ScopedWorkloadExprBuilder `json:"workload,omitempty"`
	Node     *ScopedNodeExprBuilder     `json:"node,omitempty"`
}

// WorkloadKind is the kind of the workloads a threshold watches.
type WorkloadKind string

// Workload kinds, spelled as KubeSphere's workload label spells them.
const (
	WorkloadDeployment  WorkloadKind = "deployment"
	WorkloadStatefulSet WorkloadKind = "statefulset"
	WorkloadDaemonSet   WorkloadKind = "daemonset"
)

// WorkloadExprBuilder compares a metric of named workloads of the group's
// namespace with a threshold.
type WorkloadExprBuilder struct {
	WorkloadKind  WorkloadKind `json:"kind"`
	WorkloadNames []string     `json:"names"`
	Comparator    Comparator   `json:"comparator"`

	MetricThreshold WorkloadMetricThreshold `json:"metricThreshold,omitempty"`
}

// ScopedWorkloadExprBuilder is a WorkloadExprBuilder whose workloads are
// named with their cluster and namespace.
type ScopedWorkloadExprBuilder struct {
	WorkloadKind  WorkloadKind          `json:"kind"`
	WorkloadNames []ScopedWorkloadNames `json:"names"`
	Comparator    Comparator            `json:"comparator"`

	MetricThreshold WorkloadMetricThreshold `json:"metricThreshold,omitempty"`
}

// ScopedWorkloadNames names workloads of one namespace of one cluster.
type ScopedWorkloadNames struct {
	Cluster   string   `json:"cluster"`
	Namespace string   `json:"namespace"`
	Names     []string `json:"names"`
}

// WorkloadMetricThreshold sets one threshold: one member, with one field
// set in it.
type WorkloadMetricThreshold struct {
	Cpu     *WorkloadCpuThreshold     `json:"cpu,omitempty"` //nolint:revive // KubeSphere's field name
	Memory  *WorkloadMemoryThreshold  `json:"memory,omitempty"`
	Network *WorkloadNetworkThreshold `json:"network,omitempty"`
	Replica *WorkloadReplicaThreshold `json:"replica,omitempty"`
}

// WorkloadCpuThreshold is a CPU threshold in cores.
type WorkloadCpuThreshold struct { //nolint:revive // KubeSphere's type name
	Usage *float64 `json:"usage,omitempty"`
}

// WorkloadMemoryThreshold is a memory threshold in bytes, with (Usage) or
// without (UsageWoCache) the page cache.
type WorkloadMemoryThreshold struct {
	Usage        *float64 `json:"usage,omitempty"`
	UsageWoCache *float64 `json:"usageWoCache,omitempty"`
}

// WorkloadNetworkThreshold is a network rate threshold in bit/s.
type WorkloadNetworkThreshold struct {
	TransmittedRate *float64 `json:"transmittedRate,omitempty"`
	ReceivedRate    *float64 `json:"receivedRate,omitempty"`
}

// WorkloadReplicaThreshold is a threshold on the share of unavailable
// replicas (0 to 1).
type WorkloadReplicaThreshold struct {
	UnavailableRatio *float64 `json:"unavailableRatio,omitempty"`
}

// NodeExprBuilder compares a metric of named nodes with a threshold.
type NodeExprBuilder struct {
	NodeNames  []string   `json:"names"`
	Comparator Comparator `json:"comparator"`

	MetricThreshold NodeMetricThreshold `json:"metricThreshold"`
}

// ScopedNodeExprBuilder is a NodeExprBuilder whose nodes are named with
// their cluster.
type ScopedNodeExprBuilder struct {
	NodeNames  []ScopedNodeNames `json:"names"`
	Comparator Comparator        `json:"comparator"`

	MetricThreshold NodeMetricThreshold `json:"metricThreshold,omitempty"`
}

// ScopedNodeNames names nodes of one cluster.
type ScopedNodeNames struct {
	Cluster string   `json:"cluster"`
	Names   []string `json:"names"`
}

// NodeMetricThreshold sets one threshold: one member, with one field set
// in it.
type NodeMetricThreshold struct {
	Cpu     *NodeCpuThreshold     `json:"cpu,omitempty"` //nolint:revive // KubeSphere's field name
	Memory  *NodeMemoryThreshold  `json:"memory,omitempty"`
	Network *NodeNetworkThreshold `json:"network,omitempty"`
	Disk    *NodeDiskThreshold    `json:"disk,omitempty"`
	Pod     *NodePodThreshold     `json:"pod,omitempty"`
}

// NodeCpuThreshold is a CPU utilisation (0 to 1) or load-average threshold.
type NodeCpuThreshold struct { //nolint:revive // KubeSphere's type name
	Utilization *float64 `json:"utilization,omitempty"`
	Load1m      *float64 `json:"load1m,omitempty"`
	Load5m      *float64 `json:"load5m,omitempty"`
	Load15m     *float64 `json:"load15m,omitempty"`
}

// NodeMemoryThreshold is a memory utilisation (0 to 1) or available bytes
// threshold.
type NodeMemoryThreshold struct {
	Utilization *float64 `json:"utilization,omitempty"`
	Available   *float64 `json:"available,omitempty"`
}

// NodePodThreshold is a threshold on the share of the node's pod capacity
// in use or of its pods that are abnormal.
type NodePodThreshold struct {
	Utilization   *float64 `json:"utilization,omitempty"`
	AbnormalRatio *float64 `json:"abnormalRatio,omitempty"`
}

// NodeDiskThreshold is a disk threshold: space or inode utilisation (0 to
// 1), available bytes, IOPS or bytes/s.
type NodeDiskThreshold struct {
	SpaceUtilization *float64 `json:"spaceUtilization,omitempty"`
	SpaceAvailable   *float64 `json:"spaceAvailable,omitempty"`
	InodeUtilization *float64 `json:"inodeUtilization,omitempty"`
	IopsRead         *float64 `json:"iopsRead,omitempty"`
	IopsWrite        *float64 `json:"iopsWrite,omitempty"`
	ThroughputRead   *float64 `json:"throughputRead,omitempty"`
	ThroughputWrite  *float64 `json:"throughputWrite,omitempty"`
}

// NodeNetworkThreshold is a network rate threshold in bit/s.
type NodeNetworkThreshold struct {
	TransmittedRate *float64 `json:"transmittedRate,omitempty"`
	ReceivedRate    *float64 `json:"receivedRate,omitempty"`
}

// RuleGroupSpec is a namespace's group of rules.
type RuleGroupSpec struct {
	// Interval is how often the group is evaluated (Prometheus's global
	// evaluation interval when empty).
	Interval string `json:"interval,omitempty"`
	// PartialResponseStrategy is Thanos's setting, passed through.
	PartialResponseStrategy string          `json:"partial_response_strategy,omitempty"`
	Rules                   []NamespaceRule `json:"rules"`
}

// RuleGroupStatus is empty, as KubeSphere's is; the state of the rules
// comes from Prometheus.
type RuleGroupStatus struct{}

// RuleGroup is a group of alert rules of one namespace. Every selector of
// its expressions is pinned to the namespace when rendered.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
type RuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RuleGroupSpec   `json:"spec,omitempty"`
	Status RuleGroupStatus `json:"status,omitempty"`
}

// RuleGroupList is a list of RuleGroups.
//
// +kubebuilder:object:root=true
type RuleGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RuleGroup `json:"items"`
}

// ClusterRuleGroupSpec is a group of cluster-level rules.
type ClusterRuleGroupSpec struct {
	Interval                string        `json:"interval,omitempty"`
	PartialResponseStrategy string        `json:"partial_response_strategy,omitempty"`
	Rules                   []ClusterRule `json:"rules"`
}

// ClusterRuleGroupStatus is empty, as KubeSphere's is.
type ClusterRuleGroupStatus struct{}

// ClusterRuleGroup is a group of alert rules over the whole cluster (nodes,
// components, any namespace).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster
type ClusterRuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClusterRuleGroupSpec   `json:"spec,omitempty"`
	Status ClusterRuleGroupStatus `json:"status,omitempty"`
}

// ClusterRuleGroupList is a list of ClusterRuleGroups.
//
// +kubebuilder:object:root=true
type ClusterRuleGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterRuleGroup `json:"items"`
}

// GlobalRuleGroupSpec is a group of global rules.
type GlobalRuleGroupSpec struct {
	Interval                string       `json:"interval,omitempty"`
	PartialResponseStrategy string       `json:"partial_response_strategy,omitempty"`
	Rules                   []GlobalRule `json:"rules"`
}

// GlobalRuleGroupStatus is empty, as KubeSphere's is.
type GlobalRuleGroupStatus struct{}

// GlobalRuleGroup is a group of alert rules over every cluster of a
// multi-cluster platform, each rule optionally narrowed to clusters and
// namespaces by its selectors.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster
type GlobalRuleGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   GlobalRuleGroupSpec   `json:"spec,omitempty"`
	Status GlobalRuleGroupStatus `json:"status,omitempty"`
}

// GlobalRuleGroupList is a list of GlobalRuleGroups.
//
// +kubebuilder:object:root=true
type GlobalRuleGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRuleGroup `json:"items"`
}
