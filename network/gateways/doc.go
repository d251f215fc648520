// Package gateways gives workspaces and projects their own gateways, and
// tells a namespace which ingress classes it may use. Start from Client
// (NewClient over a controller-runtime client whose scheme knows the
// spherekit API groups and Gateway API's v1 kinds).
//
// # Gateways per workspace and per project
//
// EnableGateway writes a Gateway API (gateway.networking.k8s.io/v1)
// Gateway for a tenancy.Workspace or tenancy.Project scope. Every listener's
// allowedRoutes.namespaces is "from: Selector" with a selector that only
// the scope's namespaces match (RouteNamespaces):
//
//   - a workspace: kubesphere.io/workspace=<workspace>, the label that makes
//     a namespace a project of the workspace;
//   - a project: kubernetes.io/metadata.name=<project>, the label the API
//     server itself sets on every namespace to its name and keeps there,
//     so no other namespace can claim it.
//
// A route (HTTPRoute, GRPCRoute ...) in another workspace's namespace may
// name the Gateway as its parent, but the Gateway's controller will not
// attach it. The Gateway is labelled with its scope (ScopeLabel,
// ScopeNameLabel); EnableGateway and DisableGateway refuse to change a
// Gateway of the same name that serves another scope or that they did not
// write. A workspace's Gateway lives by default in
// DefaultWorkspaceGatewayNamespace, outside the tenants' namespaces; a
// project's lives in the project, where whoever may edit Gateways there
// (RBAC's business, not this package's) could widen its listeners.
//
// The Gateway API CRDs (with their CEL rules) must be installed; in tests,
// testenv/gatewayapi supplies them from the sigs.k8s.io/gateway-api module.
// spherekit runs no gateway controller: a GatewayClass's controller (Envoy
// Gateway, Istio, ...) serves the Gateways.
//
// # Ingress classes a namespace may use
//
// KubeSphere 4.x connects gateways it does not run (ingress controllers an
// administrator installed) through IngressClassScope
// (gateway.kubesphere.io/v1alpha2, package network/api/gateway/v1alpha2):
// a cluster-scoped object offering one IngressClass to a list of
// namespaces, to the namespaces a label selector matches, or to all.
// ShareIngressClass and UnshareIngressClass write them (a tenancy.Scope
// offers a class to a workspace or a project); AvailableIngressClasses
// answers, as KubeSphere's console API does, which classes a namespace may
// use, with each scope's default flag and its gateway Service's addresses.
// One departure from KubeSphere, on purpose: a namespaceSelector that does
// not parse admits no namespace (KubeSphere's handler admits every one),
// and ShareIngressClass refuses to write one.
//
// # Why read-modify-write, not server-side apply
//
// The house style writes "ensure" operations with server-side apply. Here
// an apply cannot keep its promise: it leaves alone the fields other field
// managers own, so a listener someone else added to a Gateway (admitting
// routes from every namespace, say) would survive EnableGateway, and a
// namespaces list someone else set on an IngressClassScope would survive
// ShareIngressClass and, since listed namespaces win over a selector,
// decide the scope. So EnableGateway and ShareIngressClass read the object,
// replace what they are responsible for as a whole, and update it,
// retrying when it changed in between.
//
// # Errors
//
// Every operation checks its inputs before writing anything: malformed
// input is an *InvalidError naming the field, an unknown workspace,
// project, namespace, GatewayClass or IngressClass a *NotFoundError, an
// object that belongs to someone else a *ConflictError (the SDK's shared
// shapes, the same types as tenancy's).
//
// # Acting for a user
//
// A portal acting for its users makes the Client with
// ClientOptions.OnBehalfOf and an Authorizer (package tenancy/authz). Every
// operation, reads included, then passes one choke point that asks the
// Authorizer about each request it is about to make before it reads or
// writes anything; a refusal is a *ForbiddenError (errors.Is(err,
// tenancy.ErrForbidden)), and it comes before any *NotFoundError, so a
// user cannot learn whether another tenant's objects exist. The requests,
// as KubeSphere's roles name them:
//
//   - A workspace's Gateway: get, create, update, delete or list on gateways
//     (gateway.networking.k8s.io) at workspace scope, since the Gateway
//     lives in a system namespace the workspace's members hold no role in;
//     a project's: the same in the project. A Gateway placed elsewhere
//     (EnableGatewayOptions.Namespace) also needs the verb in the namespace
//     it lives in. In DefaultWorkspaceGatewayNamespace, which every
//     workspace's Gateway shares, a user may name only their workspace's
//     default Gateway (DefaultGatewayName), so no workspace can reach or
//     probe another's there. ListGateways returns a Gateway outside the
//     scope's home namespace only to a user who may list the gateways of
//     its namespace.
//   - IngressClassScopes: get, create, update and delete on
//     ingressclassscopes (gateway.kubesphere.io) at cluster scope, for
//     they are the platform's objects even when they offer a class to one
//     workspace or project.
//   - AvailableIngressClasses(namespace): list on ingressclassscopes in
//     namespace, a read any member of the project with a view role may
//     make.
//
// The reads that only support a checked request (the scope's Workspace or
// Namespace, the GatewayClass, the IngressClass, a gateway's Service and
// the control-plane nodes) are made with the Client's own rights, after
// the check. TestOnBehalfOfCoversEveryOperation calls every exported
// method for a user of one project and checks each way out is refused.
package gateways
