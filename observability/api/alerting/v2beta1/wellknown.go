package v2beta1

// Kinds of the group.
const (
	KindRuleGroup        = "RuleGroup"
	KindClusterRuleGroup = "ClusterRuleGroup"
	KindGlobalRuleGroup  = "GlobalRuleGroup"
)

// Labels on the rule group objects themselves.
const (
	// EnableLabel switches a rule group on ("true"); the reconcilers render
	// only groups carrying it, as KubeSphere's do.
	EnableLabel = "alerting.kubesphere.io/enable"
	// EnableTrue and EnableFalse are the values of EnableLabel.
	EnableTrue  = "true"
	EnableFalse = "false"
)

// Labels of each rendered rule (and so of the alerts it fires).
const (
	// LabelRuleID identifies a rule across edits; it lives in the rule's own
	// labels and is set once when missing.
	LabelRuleID = "rule_id"
	// LabelRuleLevel is the group's level: LevelNamespace, LevelCluster or
	// LevelGlobal.
	LabelRuleLevel = "rule_level"
	// LabelRuleGroup is the name of the rule's group.
	LabelRuleGroup = "rule_group"
	// LabelRuleType says whether an exprBuilder made the expression
	// (RuleTypeTemplate) or the author wrote it (RuleTypeCustom).
	LabelRuleType = "rule_type"
	// LabelNamespace is the namespace of a namespace-level rule (and the
	// label every selector of its expression is pinned to).
	LabelNamespace = "namespace"
	// LabelCluster is the cluster label a global rule's clusterSelector
	// matches.
	LabelCluster = "cluster"
	// LabelSeverity carries the rule's severity.
	LabelSeverity = "severity"
	// LabelAlertType is always AlertTypeMetric for these rules.
	LabelAlertType = "alerttype"
	// AlertTypeMetric is the value of LabelAlertType.
	AlertTypeMetric = "metric"
)

// Rule levels, the values of LabelRuleLevel.
const (
	LevelNamespace = "namespace"
	LevelCluster   = "cluster"
	LevelGlobal    = "global"
)

// Rule types, the values of LabelRuleType.
const (
	RuleTypeTemplate = "template"
	RuleTypeCustom   = "custom"
)

// Labels and names of the PrometheusRule objects rendered from the groups.
const (
	// PrometheusRuleLevelLabel carries the level of the groups inside.
	PrometheusRuleLevelLabel = "alerting.kubesphere.io/rule_level"
	// PrometheusRuleOwnerNamespaceLabel carries the namespace of the
	// namespace-level groups inside.
	PrometheusRuleOwnerNamespaceLabel = "alerting.kubesphere.io/owner_namespace"
	// PrometheusRuleOwnerClusterLabel is KubeSphere's label for the cluster
	// of a multi-cluster owner (unused by single-cluster rendering).
	PrometheusRuleOwnerClusterLabel = "alerting.kubesphere.io/owner_cluster"
	// PrometheusRuleBuiltinLabel marks KubeSphere's built-in rules.
	PrometheusRuleBuiltinLabel = "alerting.kubesphere.io/builtin"

	// PrometheusRulePrefix starts every rendered PrometheusRule's name;
	// the objects are <prefix><i> per level, alertrules-ns-<namespace>-<i>
	// for a namespace.
	PrometheusRulePrefix               = "alertrules-"
	PrometheusRulePrefixNamespaceLevel = PrometheusRulePrefix + "ns-"
	PrometheusRulePrefixClusterLevel   = PrometheusRulePrefix + "cl-"
	PrometheusRulePrefixGlobalLevel    = PrometheusRulePrefix + "gl-"

	// DefaultPrometheusRuleNamespace is where KubeSphere keeps them.
	DefaultPrometheusRuleNamespace = "kubesphere-monitoring-system"
)

// MaxRulesPerGroup is the most rules KubeSphere accepts in one group.
const MaxRulesPerGroup = 40
