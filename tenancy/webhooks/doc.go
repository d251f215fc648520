// Package webhooks holds the tenancy admission webhooks a host serves from
// its controller-runtime manager, so the API server itself refuses what the
// tenancy rules forbid:
//
//   - escalation: an iam role or binding (global, workspace, cluster or
//     project; eight kinds) written by a user who does not hold what it
//     grants is refused: Kubernetes' RBAC escalation rule (hold every
//     permission of the role where it applies, or the bind or escalate verb
//     on it), judged for the AdmissionReview's user by an authz.Authorizer.
//     The kubesphere.io/creator annotation may name only the writer, so the
//     RBAC mirrors can trust it (controllers.Options.Authorizer).
//   - users: a User whose e-mail address another user already has is
//     refused. Each address is claimed by a Lease (EmailClaimName) created
//     or taken over with a compare-and-swap, so of users created at the
//     same instant with one address exactly one is admitted.
//   - workspace quotas: an object created in a project is refused when it
//     would take its workspace over a quota.kubesphere.io ResourceQuota.
//     Admission records a pending charge per request in the quota's
//     annotation with a compare-and-swap, so of creates racing for the last
//     unit exactly as many as fit are admitted; the quota controller settles
//     the charges against what Kubernetes counted (see quota.go and
//     controllers.ResourceQuotaReconciler).
//
// Register the handlers with SetupWithManager and install the configuration
// ValidatingWebhookConfiguration returns (its clientConfig must then point at
// the manager's webhook server: a Service, or a URL as testenv sets).
package webhooks
