// Package monitoring gives tenants KubeSphere's monitoring over a real
// Prometheus. ScopeQuery confines a user's ad-hoc PromQL to a namespace or
// a workspace, and QueryLimits bounds what one query may cost.
package monitoring
