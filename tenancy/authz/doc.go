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
//     Attributes with KubeSphere's rules for clusters, workspaces and scopes.
//   - VisibleWorkspaces, VisibleProjects, ListWorkspaces and ListProjects
//     answer "what can I see", filtered, sorted and paged with package
//     resources.
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
