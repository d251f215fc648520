// Package monitoring gives Go programs KubeSphere's monitoring API over a
// real Prometheus: a typed catalog of KubeSphere's named metrics at every
// level (cluster, node, workspace, namespace, workload, pod, container,
// PVC, ingress and the etcd, API server and scheduler components, plus the
// meter_* metering metrics and GPU metrics on NVIDIA's DCGM exporter), the
// PromQL behind each, the recording rules those expressions read, a Client
// that queries Prometheus and answers in KubeSphere's JSON shape, an
// http.Handler serving /kapis/monitoring.kubesphere.io/v1alpha3 with
// KubeSphere's parameters, and, for ad-hoc PromQL, ScopeQuery, which
// confines a user's query to a namespace or a workspace, with QueryLimits
// bounding what one query may cost.
//
// Start with Catalog or Lookup to see what can be asked, Expr to see the
// PromQL of a metric for a Target, and Client.Query or Client.QueryRange to
// ask Prometheus; load RecordingRules (or apply PrometheusRule) into that
// Prometheus first. NewHandler serves the same to a portal, authorizing
// every request with tenancy/authz.
//
// Workspace-level metrics never list a workspace's namespaces: the
// workspace of a namespace comes from kube-state-metrics'
// kube_namespace_labels (label_kubesphere_io_workspace), joined in the
// recording rules, which also record one series per workspace
// (workspace:container_cpu_usage_seconds_total:sum_rate and the like). A
// workspace's usage, pod and meter metrics read those, so their cost does
// not grow with the number of namespaces in the workspace; its object
// counts (workspace_deployment_count and the like) join per query, one
// series per object.
package monitoring
