// Package alerting manages KubeSphere's alert rule groups and reads the
// alerts they fire.
//
// Start from Client (NewClient): SetRuleGroup creates or replaces a rule
// group at a Scope (Namespace(name), Cluster() or Global()), ListRuleGroups
// and DeleteRuleGroup list and remove them, and ListAlerts returns the
// firing and pending alerts from Prometheus's HTTP API, only those the user
// a Client acts for may see. Every write is validated first (PromQL parsed
// with Prometheus's parser, durations, severities, exprBuilder thresholds,
// duplicate alert names, selectors); a refusal is an *InvalidError naming
// the field and nothing is written.
//
// The rule groups become Prometheus rules through the reconcilers of
// observability/alerting/controllers, which apply the pure functions here:
// RenderNamespace, RenderCluster and RenderGlobal turn the enabled groups of
// a scope into Prometheus rule groups (disabled rules left out, exprBuilders
// turned into expressions, KubeSphere's labels on every rule, and every
// vector selector of a namespace's rules pinned to that namespace), and
// Rendered.PrometheusRules and Rendered.RulesFile write them as
// prometheus-operator PrometheusRule objects (split under KubeSphere's size
// bound) or as a Prometheus rules file. A Prometheus without the operator
// can load the same rules.
//
// Where spherekit departs from KubeSphere 3.4: values listed in a global
// rule's inValues are regexp-quoted before they are joined (KubeSphere
// joins them as they are; for Kubernetes names both read the same), a
// group larger than the size bound gets a PrometheusRule of its own
// (KubeSphere writes an empty one before it), and the scoped names of a
// global exprBuilder are sorted, so the rendered expression is stable; a
// workload exprBuilder selects workload="Deployment:web" (the kind as the
// recorded workload series and monitoring's queries spell it), where
// KubeSphere writes "deployment:web", which no recorded series carries.
package alerting
