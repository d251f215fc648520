package monitoring_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/spherekit/spherekit/observability/monitoring"
)

// A project's ad-hoc query reads only the project's series.
func ExampleScopeQuery_namespace() {
	q, err := monitoring.ScopeQuery(`sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))`,
		monitoring.TenantScope{Namespace: "web"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)

	_, err = monitoring.ScopeQuery(`up{namespace="kube-system"}`, monitoring.TenantScope{Namespace: "web"})
	var invalid *monitoring.InvalidError
	fmt.Println(errors.As(err, &invalid), invalid.Field)
	// Output:
	// sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="web"}[5m]))
	// true query
}

// A workspace's query joins each series with the workspace's namespaces
// from kube-state-metrics instead of listing them: a range function is
// filtered after the call.
func ExampleScopeQuery_workspace() {
	q, err := monitoring.ScopeQuery(`sum(rate(container_cpu_usage_seconds_total[5m]))`,
		monitoring.TenantScope{Workspace: "team-a", WorkspaceMembership: `kube_namespace_labels{job="kube-state-metrics"}`})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	// Output:
	// sum((rate(container_cpu_usage_seconds_total[5m]) and on (namespace) kube_namespace_labels{job="kube-state-metrics",label_kubesphere_io_workspace="team-a",namespace!=""}))
}

// Check a range query's cost before sending it.
func ExampleQueryLimits_CheckRange() {
	limits := monitoring.QueryLimits{MaxRange: 7 * 24 * time.Hour}
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	fmt.Println(limits.CheckRange(end.Add(-24*time.Hour), end, 10*time.Minute))
	fmt.Println(limits.CheckRange(end.Add(-24*time.Hour), end, time.Second))
	// Output:
	// <nil>
	// invalid step: 1s over 24h0m0s is 86401 points, more than the limit of 11000; raise the step
}
