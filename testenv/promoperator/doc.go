// Package promoperator gives tests prometheus-operator's own
// CustomResourceDefinitions of the monitoring.coreos.com group
// (PrometheusRule, ServiceMonitor, Prometheus, ...), so code that writes
// PrometheusRules is checked against the schema the operator really serves,
// not one written for the test.
//
// The CRDs are read at test time from the Go module
// github.com/prometheus-operator/prometheus-operator at the pinned Version,
// which ships them as YAML under example/prometheus-operator-crd-full. CRDs
// asks the go command to download that module version into the module cache
// (verified against the checksum database like any module; a no-op once
// cached) and decodes the files found there; nothing of the operator is
// copied into this repository and no operator runs. Pass the result to
// testenv.Options.CRDs:
//
//	defs, err := promoperator.CRDs(ctx)
//	...
//	testenv.RunWithManager(ctx, testenv.RunInput{M: m, Options: testenv.Options{CRDs: defs}, ...})
//
// Version is v0.94.1 while the SDK builds with the Go types of
// github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring
// v0.95.1: the module proxy here refuses the main module at v0.95.x, and
// v0.94.1 is the newest version it serves. The PrometheusRule schema is the
// same in both for every field spherekit writes (name, interval,
// partial_response_strategy, and each rule's alert, expr, for, labels and
// annotations).
package promoperator
