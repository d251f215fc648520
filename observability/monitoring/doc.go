// Package monitoring gives Go programs KubeSphere's monitoring API: a typed
// catalog of KubeSphere's named metrics at every level (cluster, node,
// workspace, namespace, workload, pod, container, PVC, ingress and the etcd,
// API server and scheduler components, plus the meter_* metering metrics
// and GPU metrics on NVIDIA's DCGM exporter), the PromQL behind each, the
// recording rules those expressions read, a Client that queries Prometheus
// and answers in KubeSphere's JSON shape, and an http.Handler serving
// /kapis/monitoring.kubesphere.io/v1alpha3 with KubeSphere's parameters.
//
// Start with Catalog or Lookup to see what can be asked, Expr to see the
// PromQL of a metric for a Target, and Client.Query or Client.QueryRange to
// ask Prometheus.
package monitoring
