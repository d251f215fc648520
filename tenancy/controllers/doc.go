// Package controllers holds the tenancy reconcilers a host registers with its
// controller-runtime manager. SetupWithManager registers all of them:
//
//	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{}); err != nil { ... }
//
// Each reconciler is also an exported struct with exported dependencies
// (Common: client, scheme, field owner, watch filter) and its own
// SetupWithManager(ctx, mgr, controller.Options), Cluster API's shape, so a
// host can register only the ones it wants:
//
//	common := controllers.Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}
//	err := (&controllers.UserReconciler{Common: common}).SetupWithManager(ctx, mgr, controller.Options{})
//
// What each keeps in step:
//
//   - WorkspaceTemplateReconciler: a Workspace for each WorkspaceTemplate
//     placed on this cluster (read as KubeSphere reads placement, this
//     cluster being its host cluster), and what KubeSphere's finalizer on a
//     template stands for.
//   - WorkspaceReconciler: the workspace's roles (stamped from BuiltinRoles of
//     scope workspace), the manager's admin binding ("<ws>-admin", KubeSphere's), and on deletion the
//     workspace's projects as its deletion-propagation annotation says
//     (Orphan by default: projects stay and lose their workspace label).
//   - NamespaceReconciler: a namespace labelled kubesphere.io/workspace is a
//     project: it gets the project roles (from BuiltinRoles of scope
//     namespace), its creator is bound as admin, and the workspace's role
//     bindings are mirrored into it; when the label goes, so do its roles and
//     bindings.
//   - RoleAggregationReconciler: roles' rules aggregated from RoleTemplates.
//   - KubeSphereFinalizerReconciler: objects carrying KubeSphere's
//     finalizers get the cleanup those stand for and lose them, so they
//     can be deleted where KubeSphere's controllers do not run.
//   - RBACReconciler: every iam role and binding mirrored into native RBAC
//     as NativeMirror maps it (named kubesphere:iam:<name>; global and
//     workspace roles as kubesphere:iam:global:<name> and
//     kubesphere:iam:workspace:<name> so the four role kinds never collide),
//     so the API server enforces what the iam objects grant. With an
//     Authorizer, an object's recorded creator must be allowed to grant it
//     before its first native mirror is made.
//   - UserReconciler: plain passwords hashed with bcrypt, the user's state
//     (Active, AuthLimitExceeded after repeated failed logins), login-record
//     retention, spec.groups kept in step with GroupBindings, and on deletion
//     the user's bindings and records removed.
//   - ResourceQuotaReconciler: a workspace quota's usage, aggregated from
//     native ResourceQuotas it keeps in each selected namespace, so usage is
//     computed by Kubernetes itself.
//
// Derived objects are created, and updated only when they differ, under the
// field manager Options.FieldOwner (package internal/ensure says why not
// server-side apply), and carry owner references, so the garbage collector removes them with
// their source. Roles stamped from BuiltinRoles are created once and then
// belong to the administrators, who may edit them.
//
// The manager's identity needs, besides read access to everything it
// watches, the bind and escalate verbs on native roles and cluster roles:
// mirroring grants permissions the controller does not itself hold; and
// the escalate verb on iam roles, whose aggregation may copy a template's
// rego override into them.
//
// The reconcilers read from the manager's cache and never need managed
// fields, so a host with many objects should give the cache
// resources.StripForCache as its DefaultTransform (manager
// Options.Cache): it keeps most of each object's size out of memory and out
// of every copy a read makes (BENCHMARKS.md, onboarding).
package controllers
