// Package escalation decides whether a user may write an iam role or
// binding without gaining permissions they do not hold: Kubernetes' RBAC
// escalation rule applied to KubeSphere's iam kinds. The admission webhook
// (tenancy/webhooks) asks it about the requesting user; the RBAC mirror
// (tenancy/controllers) asks it again about the object's recorded creator
// before it turns the object into native RBAC.
package escalation
