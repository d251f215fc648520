package alerting

import (
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// Scope is where rule groups live and which alerts are meant: one
// namespace (RuleGroups), the cluster (ClusterRuleGroups) or the platform
// (GlobalRuleGroups). Operations that exist at every level take a Scope
// instead of one method per level.
type Scope struct {
	level     string
	namespace string
}

// Namespace is the scope of namespace's RuleGroups.
func Namespace(namespace string) Scope {
	return Scope{level: alertingv2beta1.LevelNamespace, namespace: namespace}
}

// Cluster is the scope of ClusterRuleGroups.
func Cluster() Scope { return Scope{level: alertingv2beta1.LevelCluster} }

// Global is the scope of GlobalRuleGroups.
func Global() Scope { return Scope{level: alertingv2beta1.LevelGlobal} }

// Level is the scope's rule level, the value of the rule_level label:
// "namespace", "cluster" or "global" ("" for the zero Scope).
func (s Scope) Level() string { return s.level }

// Namespace is the namespace of a namespace scope, else "".
func (s Scope) Namespace() string { return s.namespace }

// String is "namespace <name>", "cluster" or "global".
func (s Scope) String() string {
	if s.level == alertingv2beta1.LevelNamespace {
		return "namespace " + s.namespace
	}
	if s.level == "" {
		return "no scope"
	}
	return s.level
}

// kind is the rule group kind of the scope.
func (s Scope) kind() string {
	switch s.level {
	case alertingv2beta1.LevelCluster:
		return alertingv2beta1.KindClusterRuleGroup
	case alertingv2beta1.LevelGlobal:
		return alertingv2beta1.KindGlobalRuleGroup
	}
	return alertingv2beta1.KindRuleGroup
}

// resource is the rule group resource of the scope.
func (s Scope) resource() string {
	switch s.level {
	case alertingv2beta1.LevelCluster:
		return "clusterrulegroups"
	case alertingv2beta1.LevelGlobal:
		return "globalrulegroups"
	}
	return "rulegroups"
}

// alertsResource is the resource KubeSphere's API serves the scope's
// alerts as (/namespaces/{ns}/alerts, /clusteralerts, /globalalerts).
func (s Scope) alertsResource() string {
	switch s.level {
	case alertingv2beta1.LevelCluster:
		return "clusteralerts"
	case alertingv2beta1.LevelGlobal:
		return "globalalerts"
	}
	return "alerts"
}

// prefix is the name prefix of the scope's PrometheusRules.
func (s Scope) prefix() string {
	switch s.level {
	case alertingv2beta1.LevelCluster:
		return alertingv2beta1.PrometheusRulePrefixClusterLevel
	case alertingv2beta1.LevelGlobal:
		return alertingv2beta1.PrometheusRulePrefixGlobalLevel
	}
	return alertingv2beta1.PrometheusRulePrefixNamespaceLevel + s.namespace + "-"
}

// PrometheusRuleLabels are the labels of the scope's PrometheusRules, which
// also select them.
func (s Scope) PrometheusRuleLabels() map[string]string {
	l := map[string]string{alertingv2beta1.PrometheusRuleLevelLabel: s.level}
	if s.level == alertingv2beta1.LevelNamespace {
		l[alertingv2beta1.PrometheusRuleOwnerNamespaceLabel] = s.namespace
	}
	return l
}
