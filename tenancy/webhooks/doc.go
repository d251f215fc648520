// Package webhooks holds the tenancy admission webhooks a host serves from
// its controller-runtime manager, so the API server itself refuses what the
// tenancy rules forbid:
//
//   - users: a User whose e-mail address another user already has is
//     refused.
//   - workspace quotas: an object created in a project is refused when it
//     would take its workspace over a quota.kubesphere.io ResourceQuota.
//     Admission charges the quota's status with a compare-and-swap update, so
//     of two creates racing for the last unit, exactly one is admitted. The
//     quota controller later recounts the usage from what Kubernetes counted
//     (see controllers.ResourceQuotaReconciler), which also returns the units
//     of creates that another admission step refused after this one.
//
// Register the handlers with SetupWithManager and install the configuration
// ValidatingWebhookConfiguration returns (its clientConfig must then point at
// the manager's webhook server: a Service, or a URL as testenv sets).
package webhooks
