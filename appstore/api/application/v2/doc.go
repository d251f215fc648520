// Package v2 holds the application.kubesphere.io/v2 API types of the app
// store, wire compatible with KubeSphere 4.x's. Every kind is cluster-scoped
// with a status subresource:
//
//   - Repo (short name repo): a Helm chart repository or OCI registry and its
//     credentials, read every spec.syncPeriod seconds.
//   - Application (app): an app, Helm chart or YAML, from a Repo or an upload,
//     with its review state.
//   - ApplicationVersion (appver): one version of an Application, the unit
//     of the review workflow (ReviewStatus constants).
//   - ApplicationRelease (apprls): an installation of a version, into the
//     cluster and namespace named by its ClusterLabel and NamespaceLabel
//     labels.
//   - Category (appctg): a group of the store's apps, counted in its status.
//
// The objects are tied together by labels rather than references:
// RepoNameLabel (repo or UploadRepoName), AppIDLabel, AppVersionIDLabel,
// AppCategoryNameLabel, AppStoreLabel (listed in the store) and
// kubesphere.io/workspace (the owning workspace). wellknown.go lists every
// label, annotation, finalizer and state KubeSphere uses.
//
// The CRDs match KubeSphere's exactly, quirks included: a written
// ApplicationStatus must carry updateTime, an ApplicationReleaseStatus
// state, a CategoryStatus total, and a RepoSpec a non-null syncPeriod. The
// schemas check nothing else (no enums, no patterns); the appstore Client
// and webhooks do.
//
// +kubebuilder:object:generate=true
// +groupName=application.kubesphere.io
package v2
