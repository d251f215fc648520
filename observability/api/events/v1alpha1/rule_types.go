package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The scope of a Rule, as kube-events reads it.
const (
	// ScopeLabel says which events a Rule sees: ScopeCluster,
	// ScopeWorkspace or ScopeNamespace. kube-events' webhook defaults it to
	// namespace outside ClusterRuleNamespace.
	ScopeLabel     = "kubesphere.io/rule-scope"
	ScopeCluster   = "cluster"
	ScopeWorkspace = "workspace"
	ScopeNamespace = "namespace"
	// WorkspaceLabel names the workspace of a workspace rule (and, on a
	// namespace, its workspace).
	WorkspaceLabel = "kubesphere.io/workspace"
	// ClusterRuleNamespace is where cluster and workspace rules live.
	ClusterRuleNamespace = "kubesphere-logging-system"
)

// RuleType says what a matching event raises.
type RuleType string

const (
	// RuleTypeNotification sends the event itself to the notification
	// sinks.
	RuleTypeNotification RuleType = "notification"
	// RuleTypeAlert raises an Alertmanager-style alert built from the rule's
	// labels and annotations.
	RuleTypeAlert RuleType = "alert"
)

// RuleSpec lists the event rules.
type RuleSpec struct {
	Rules []EventRule `json:"rules,omitempty"`
}

// EventRule is one rule: a condition on an event and what it raises.
type EventRule struct {
	// Name names the rule; an alert's alertname.
	Name string `json:"name,omitempty"`
	// Condition is an expression over the event's fields, such as
	// type="Warning" and involvedObject.kind="Pod" and reason="BackOff"
	// (package observability/events/condition).
	Condition string `json:"condition,omitempty"`
	// Labels are added to an alert's labels.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are an alert's annotations; %field in a value is
	// replaced by the event's field, such as %message.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Enable turns the rule on; rules are off by default.
	Enable bool `json:"enable,omitempty"`
	// Type is notification or alert.
	Type RuleType `json:"type,omitempty"`
}

// RuleStatus is empty, as kube-events' is.
type RuleStatus struct{}

// Rule is a set of event rules.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=er
type Rule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RuleSpec   `json:"spec"`
	Status RuleStatus `json:"status,omitempty"`
}

// RuleList is a list of Rules.
//
// +kubebuilder:object:root=true
type RuleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Rule `json:"items"`
}
