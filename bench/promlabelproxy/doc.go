// Package promlabelproxy runs the anchor of spherekit's label-injection
// benchmark, prom-label-proxy's PromQL enforcer, in a module of its own:
// it needs the Prometheus parser of its own release, older than
// spherekit's. Its test records the anchor's answers in
// ../testdata/injection_namespace.golden (go test -update), which
// spherekit's side checks.
package promlabelproxy
