// Package tenancy is KubeSphere's multi-tenancy as a library: workspaces
// that group projects (namespaces), users and groups, members with roles at
// platform, workspace and project scope, role templates, and quotas across a
// workspace's projects.
//
// Start from Client, created over a controller-runtime client whose scheme
// knows the spherekit API groups:
//
//	tc, err := tenancy.NewClient(c, tenancy.ClientOptions{})
//	_, _ = tc.EnsureDefaults(ctx, tenancy.EnsureDefaultsOptions{}) // KubeSphere's built-in roles, where missing
//	_, err = tc.CreateUser(ctx, "alice", "alice@example.com", tenancy.CreateUserOptions{Password: "Str0ngPass"})
//	_, err = tc.CreateWorkspace(ctx, "team-a", tenancy.CreateWorkspaceOptions{Manager: "alice"})
//	_, err = tc.CreateProject(ctx, "team-a", "web", tenancy.CreateProjectOptions{Creator: "alice"})
//	err = tc.AddMember(ctx, tenancy.Project("web"), "bob", "operator")
//
// Members are managed by four operations, AddMember, ChangeMember,
// RemoveMember and ListMembers, each taking a Scope: Platform(),
// Workspace(name) or Project(name).
//
// The Client writes KubeSphere-shaped objects (package api/tenant/v1beta1,
// api/iam/v1beta1 and api/quota/v1alpha2). The reconcilers in package
// controllers, which a host registers with its manager, derive the rest:
// workspace and project roles, admin bindings, aggregated rules, native RBAC
// that the API server enforces, hashed passwords, user states and quota
// usage. Because the objects are KubeSphere's, the Client also drives an
// existing KubeSphere installation.
//
// Every operation validates its input first and reports bad input as an
// *InvalidError (naming the field and the reason), a *NotFoundError (an
// unknown workspace, user, role or member; errors.Is(err, ErrNotFound)) or a
// *ConflictError (such as a duplicate e-mail address). API errors are
// wrapped with %w, so apierrors.IsAlreadyExists and friends keep working.
//
// # Acting for a user
//
// A portal acts for its signed-in user with ClientOptions.OnBehalfOf and an
// authz.Authorizer. Every write then first asks the Authorizer about the
// exact writes it is about to make, and every role it grants (directly, or
// through a group the user joins) must not escalate the user's privileges;
// a refusal is a *ForbiddenError (errors.Is(err, ErrForbidden)) and nothing
// is written. An Authorizer fed by a cache trails the API server by the
// watch latency; ClientOptions.LiveReader confirms each allowing decision
// with a live read. The API server enforces the same escalation rule for
// writes that bypass the Client (package webhooks); ARCHITECTURE.md has the
// whole trust model.
package tenancy
