// Package v1alpha1 holds the events.kubesphere.io/v1alpha1 Rule, wire
// compatible with kubesphere/kube-events': a list of event rules, each a
// condition over an event's fields (package
// observability/events/condition) that raises a notification or an alert.
//
// A Rule's scope is its label ScopeLabel: cluster rules (in
// ClusterRuleNamespace) see every event; workspace rules (in the same
// namespace, labelled with WorkspaceLabel) see the events of the
// workspace's namespaces; namespace rules see their own namespace's
// events. observability/events.Ruler evaluates them.
//
// +kubebuilder:object:generate=true
// +groupName=events.kubesphere.io
package v1alpha1
