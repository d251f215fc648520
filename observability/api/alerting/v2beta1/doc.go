// Package v2beta1 holds the alerting.kubesphere.io/v2beta1 API types, wire
// compatible with KubeSphere 3.4's: RuleGroup (a project's alert rules),
// ClusterRuleGroup (rules over the cluster's nodes and components) and
// GlobalRuleGroup (rules over every cluster, optionally narrowed by cluster
// and namespace selectors). A rule is a PromQL expression, or an
// exprBuilder that makes one from a workload or node metric threshold.
//
// The reconcilers of observability/alerting/controllers turn enabled groups
// (label EnableLabel "true") into prometheus-operator PrometheusRule
// objects; observability/alerting.Client validates and writes them.
//
// The package also carries the wire contract around the types: the labels
// put on each rendered rule (LabelRuleLevel, LabelNamespace, LabelRuleGroup,
// LabelAlertType, LabelSeverity, LabelRuleID, ...), the labels of the
// PrometheusRule objects, their name prefixes, and the recording-rule
// series the expression builders read.
//
// +kubebuilder:object:generate=true
// +groupName=alerting.kubesphere.io
package v2beta1
