// Package spherekit is a Go SDK that gives any Go program the capabilities of
// KubeSphere, the multi-tenant Kubernetes platform, as importable packages.
//
// Each capability lives in a domain package with the same shape: CRD types
// wire-compatible with KubeSphere's under api/, reconcilers under controllers/
// that a host registers with its controller-runtime manager, and a Client with
// intent-level operations. Start from the domain you need:
//
//   - tenancy: workspaces, projects, users, groups, members and roles at
//     platform, workspace and project scope, role templates and quotas.
//     Start from tenancy.Client; register tenancy/controllers with your
//     manager and serve tenancy/webhooks for admission. The API types are in
//     tenancy/api/tenant/v1beta1, tenancy/api/iam/v1beta1 and
//     tenancy/api/quota/v1alpha2.
//   - tenancy/authz: "may this user do this?" with the binding, role and rule
//     behind each answer, "what can I see?" listing, offline what-if, and
//     the escalation rule for grants. Start from authz.NewFromCache.
//   - tenancy/authn: password, LDAP and OIDC logins, an OAuth2 token issuer
//     with sessions, request middleware and per-user kubeconfigs.
//   - network: workspace and project isolation and project network
//     policies (network.Client, network/controllers), plans of what an
//     isolation switch would cut, the offline reachability engine
//     (network/reachability), IP pools (network/ippools) and per-tenant
//     gateways (network/gateways).
//   - observability/alerting: alert rule groups at namespace, cluster and
//     global scope (alerting.Client), rendered into prometheus-operator
//     PrometheusRules or a Prometheus rules file by
//     observability/alerting/controllers, and the firing alerts a user may
//     see. The API types are in observability/api/alerting/v2beta1.
//   - storage: what each StorageClass can do (storage.Capabilities, kept
//     in KubeSphere's StorageClassCapability and ProvisionerCapability
//     objects and StorageClass annotations by storage/controllers), and
//     which projects may use a class (Accessors, enforced on claims by
//     storage/webhooks). The API types are in storage/api/v1alpha1.
//   - appstore: in progress; so far only the API types, KubeSphere's
//     application.kubesphere.io/v2 kinds, in appstore/api/application/v2
//   - devops, mesh: planned domains with the same layout; nothing is there
//     yet
//
// Supporting packages:
//
//   - resources: KubeSphere's resources API (list, filter, sort, page) over
//     a controller-runtime cache, and its read-only HTTP handler
//   - crds: the CustomResourceDefinitions of every api group, embedded
//   - testenv: a real local control plane (etcd, kube-apiserver and, on
//     request, controller-manager, scheduler and simulated nodes) built from
//     source and cached, for the SDK's tests and for yours
//
// AddToScheme registers every api group of the SDK in a scheme; pair it with
// client-go's clientgoscheme.AddToScheme for the built-in kinds.
package spherekit

//go:generate go tool controller-gen object:headerFile=hack/boilerplate.go.txt paths={./tenancy/api/...,./network/api/...,./observability/api/...,./storage/api/...,./appstore/api/...}
//go:generate go tool controller-gen crd:crdVersions=v1,allowDangerousTypes=true paths={./tenancy/api/...,./network/api/...,./observability/api/...,./storage/api/...,./appstore/api/...} output:crd:artifacts:config=crds
//go:generate go run ./hack/crdpatch crds
//go:generate go tool controller-gen applyconfiguration:headerFile=hack/boilerplate.go.txt paths=./tenancy/api/...
