// Package authz answers "may this user do this?" and "what may this user
// see?" for a KubeSphere-style multi-tenant cluster, fast enough to ask on
// every request of a portal at platform scale.
//
// An Authorizer indexes roles and bindings by subject, so a decision follows
// the requesting user's name and groups straight to their bindings; it never
// lists bindings per request. Scopes are KubeSphere's: a request is checked
// against the user's GlobalRoleBindings (and only those for scope Global),
// then their WorkspaceRoleBindings in the target workspace (for a namespace,
// the workspace its kubesphere.io/workspace label names), then their
// RoleBindings in the namespace, then their ClusterRoleBindings. Rules match
// exactly as in Kubernetes RBAC.
//
// # Rego overrides
//
// An iam role (GlobalRole, WorkspaceRole, ClusterRole or Role; native RBAC
// roles never) may carry a Rego policy in its iam.kubesphere.io/rego-override
// annotation, as KubeSphere's authenticated and platform-admin GlobalRoles
// do. It is evaluated as KubeSphere v4.1.3 evaluates it
// (pkg/apiserver/authorization/rbac), with the Open Policy Agent library:
//
//   - When: for every binding consulted, in the order above, the bound
//     role's policy comes before that role's rules; the first policy or rule
//     that allows ends the decision. A policy is consulted only where its
//     binding is (a workspace role's in its workspace, and so on).
//   - What: the query data.authz.allow over the module authz.rego, parsed as
//     Rego v0 (KubeSphere builds with OPA v0.70; a policy may still import
//     rego.v1). Only the boolean true allows; false, undefined or another
//     value does not.
//   - Input: KubeSphere's request attributes by their Go field names: User
//     (Name, UID, Groups, Extra), Verb, Cluster, Workspace, Namespace,
//     APIGroup, APIVersion, Resource, Subresource, Name, KubernetesRequest
//     (false for /kapis, see Attributes.APIPrefix), ResourceRequest, Path
//     and ResourceScope (Global, Cluster, Workspace or Namespace). For a
//     non-resource request Verb is the HTTP method in upper case (GET),
//     Path the path and ResourceScope empty. Attributes carry no API
//     version, user UID or resource path, so those are empty.
//   - Failure: a policy that does not compile or fails while evaluating
//     denies for that role, whose rules are still consulted; Explain lists
//     it in Decision.OverrideMisses with the reason. Differences from
//     KubeSphere, for safety: http.send, net.lookup_ip_addr and
//     opa.runtime are refused (the policy does not compile), policies over
//     64 KiB are refused, and evaluation is bounded by the ctx of
//     Authorize.
//   - Cost: each distinct policy text is compiled once, when a role
//     carrying it is indexed, and shared by every role carrying it;
//     decisions that meet no override allocate nothing, one that evaluates
//     an override costs tens of microseconds (BenchmarkRegoOverride).
//
// A Decision allowed by a policy has Override set and names the binding and
// role. What a policy allows cannot be enumerated, so CanGrant refuses to
// let anyone without bind or escalate on a role grant a role carrying one
// (GrantCheck.RegoOverride), and WhatIf lists only the permissions that
// rules gain or lose.
//
// Start from one of:
//
//   - NewFromCache: fed by a controller-runtime cache (a manager's), for a
//     server or portal; WaitForSync before the first question.
//   - NewFromObjects (with DecodeObjects for YAML): no cluster at all, for
//     policy tests, CI checks of RBAC manifests and what-if questions.
//
// Then:
//
//   - Authorize and Explain decide; a Decision names the binding, role and
//     rule that allowed a request, and Explain lists a denial's closest
//     misses.
//   - ParseRequest turns an HTTP request on /api, /apis or /kapis into
//     Attributes with KubeSphere's rules for clusters (the 4.x form
//     /clusters/{c}/apis/... and the 3.x form /apis/clusters/{c}/... alike),
//     workspaces and scopes.
//   - VisibleWorkspaces, VisibleProjects, ListWorkspaces and ListProjects
//     answer "what can I see", filtered, sorted and paged with package
//     resources.
//   - WhoCan answers the inverse question, who may do something somewhere
//     (the users and groups of the bindings that allow it), from the
//     bindings indexed by where they grant and by role: its cost grows
//     with the roles bound there, not with the platform's users.
//   - WhatIf tells what changes for whom if a role or binding changes;
//     CanGrant checks a grant for privilege escalation.
//   - Kubernetes adapts to k8s.io/apiserver's authorizer.Authorizer;
//     ResourcesAuthorizer guards resources.NewHandler.
//   - Handler serves SubjectAccessReviews to portals. It needs to know who
//     calls (HandlerOptions.Caller is required): like Kubernetes'
//     SelfSubjectAccessReview, a question about the caller is answered for
//     the caller's own identity, ignoring any groups or extra it claims;
//     like SubjectAccessReview, a question about anyone else needs the right
//     to create subjectaccessreviews.authorization.k8s.io, and is refused
//     with 403 Forbidden, revealing nothing about the subject, without it.
//     Bodies are decoded strictly (unknown fields answer 400).
//
// Wrong input (a request without a verb, a malformed path, an object that
// cannot be indexed) is an *InvalidError naming the field.
package authz
