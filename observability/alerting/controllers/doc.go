// Package controllers turns alert rule groups into Prometheus rules, as
// KubeSphere's alerting controllers do: RuleGroupReconciler (one
// namespace's RuleGroups), ClusterRuleGroupReconciler and
// GlobalRuleGroupReconciler, each registered by its SetupWithManager or all
// three by the package's SetupWithManager.
//
// Each reconciles a whole scope at once: it lists the scope's groups,
// gives rules lacking a rule_id label one (writing the group back, as
// KubeSphere does), renders the enabled groups with the pure functions of
// observability/alerting (RenderNamespace, RenderCluster, RenderGlobal) and
// makes the output equal to the result:
//
//   - by default, prometheus-operator PrometheusRules in the monitoring
//     namespace (Output.Namespace, default kubesphere-monitoring-system),
//     named alertrules-ns-<namespace>-<i>, alertrules-cl-<i> and
//     alertrules-gl-<i>, labelled alerting.kubesphere.io/rule_level (and
//     alerting.kubesphere.io/owner_namespace), split under KubeSphere's size
//     bound; a namespace's objects are owned by its Namespace. Objects of the
//     scope that are not wanted (fewer groups, a deleted group, one left
//     behind while the controller was down) are deleted: the reconcilers
//     watch PrometheusRules too, so a restart finds them. Names are fixed by
//     position, so restarts never duplicate;
//   - with Output.RulesFiles, one Prometheus rules file per scope in a
//     folder Prometheus loads, replaced atomically, and a reload request to
//     Prometheus after a change (retried until it succeeds), for clusters
//     without prometheus-operator.
//
// The controllers' identity needs list and update on the three rule group
// kinds and, in PrometheusRule mode, list, watch, create, update and delete
// on prometheusrules.monitoring.coreos.com in the monitoring namespace and
// get on namespaces.
package controllers
