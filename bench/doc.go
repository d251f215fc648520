// Package bench holds spherekit's side-by-side benchmarks against the
// upstream components they are measured with (the Kubernetes RBAC
// authorizer, plain list-filter-sort-page, per-item authorization). Every
// comparison asks both sides the same question and, before anything is
// timed, fails unless both give the same answer. It is a module of its own
// so the SDK's go.mod never depends on k8s.io/kubernetes.
package bench
