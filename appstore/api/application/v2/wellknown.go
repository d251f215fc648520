package v2

// Labels, annotations and finalizers KubeSphere's app store uses. They are
// part of the wire contract: a KubeSphere installation reads and writes the
// same keys.
const (
	// RepoNameLabel on an Application or ApplicationVersion names the Repo
	// it came from, or UploadRepoName for uploaded packages.
	RepoNameLabel = "application.kubesphere.io/repo-name"
	// AppIDLabel on an ApplicationVersion or ApplicationRelease names its
	// Application.
	AppIDLabel = "application.kubesphere.io/app-id"
	// AppVersionIDLabel on an ApplicationRelease names its
	// ApplicationVersion.
	AppVersionIDLabel = "application.kubesphere.io/appversion-id"
	// AppTypeLabel holds the app type (AppTypeHelm, AppTypeYAML,
	// AppTypeEdge).
	AppTypeLabel = "application.kubesphere.io/app-type"
	// AppCategoryNameLabel on an Application names its Category.
	AppCategoryNameLabel = "application.kubesphere.io/app-category-name"
	// AppStoreLabel set to "true" on an Application lists it in the store
	// for every workspace.
	AppStoreLabel = "application.kubesphere.io/app-store"
	// AppReleaseNameLabel on the objects installing a release (KubeSphere's
	// install and uninstall Jobs) names the ApplicationRelease.
	AppReleaseNameLabel = "application.kubesphere.io/app-release-name"
	// HasCRDLabel on an Application records whether its package brings
	// CustomResourceDefinitions.
	HasCRDLabel = "application.kubesphere.io/hascrd"

	// LatestAppVersionAnnotation on an Application holds its newest
	// version's name.
	LatestAppVersionAnnotation = "application.kubesphere.io/latest-app-version"
	// AppOriginalNameAnnotation on an Application holds the package's own
	// name (a chart's name), as the object's name is generated.
	AppOriginalNameAnnotation = "application.kubesphere.io/app-originalName"
	// AppMaintainersAnnotation on an Application or ApplicationVersion
	// holds the name of the package's first maintainer.
	AppMaintainersAnnotation = "application.kubesphere.io/app-maintainers"
	// ReqUserAnnotation names the user a request was made for.
	ReqUserAnnotation = "application.kubesphere.io/req-user"
	// TimeoutRecheckAnnotation on an ApplicationRelease counts how often
	// its readiness was checked again after a timeout.
	TimeoutRecheckAnnotation = "application.kubesphere.io/timeout-recheck"

	// ClusterLabel on an ApplicationRelease names the cluster to install
	// into; KubeSphere reads its absence as "host".
	ClusterLabel = "kubesphere.io/cluster"
	// NamespaceLabel on an ApplicationRelease names the namespace to
	// install into; KubeSphere reads its absence as "default".
	NamespaceLabel = "kubesphere.io/namespace"

	// CleanupFinalizer holds an ApplicationVersion until its stored
	// package is deleted.
	CleanupFinalizer = "application.kubesphere.io/cleanup"
	// StoreCleanFinalizer is the older name of CleanupFinalizer, which
	// KubeSphere replaces when it finds it.
	StoreCleanFinalizer = "storeCleanFinalizer.application.kubesphere.io"
	// CategoryFinalizer holds a Category until its apps are moved to
	// UncategorizedCategory.
	CategoryFinalizer = "categories.application.kubesphere.io"
	// HelmReleaseFinalizer holds an ApplicationRelease until what it
	// installed is uninstalled.
	HelmReleaseFinalizer = "helmrelease.application.kubesphere.io"
)

// Well-known names.
const (
	// UncategorizedCategory is the built-in Category of apps that name
	// none.
	UncategorizedCategory = "kubesphere-app-uncategorized"
	// UploadRepoName is the RepoNameLabel value of uploaded packages.
	UploadRepoName = "upload"
	// ApplicationNamespace is the namespace KubeSphere keeps the app
	// store's data in (uploaded packages, attachments).
	ApplicationNamespace = "extension-openpitrix"
)

// App types: the values of the appType fields and of AppTypeLabel.
const (
	AppTypeHelm = "helm"
	AppTypeYAML = "yaml"
	AppTypeEdge = "edge"
)

// Review states of Applications and ApplicationVersions (status.state).
// A version moves draft → submitted → passed (or rejected, then submitted
// again) → active, and between active and suspended.
const (
	ReviewStatusDraft     = "draft"
	ReviewStatusSubmitted = "submitted"
	ReviewStatusPassed    = "passed"
	ReviewStatusRejected  = "rejected"
	ReviewStatusSuspended = "suspended"
	ReviewStatusActive    = "active"
)

// States of Repos and ApplicationReleases (status.state).
const (
	// Repo states.
	StatusSyncing       = "syncing"
	StatusSuccessful    = "successful"
	StatusFailed        = "failed"
	StatusManualTrigger = "manualTrigger"
	StatusNosync        = "nosync"

	// ApplicationRelease states (StatusFailed too).
	StatusCreating       = "creating"
	StatusCreated        = "created"
	StatusUpgrading      = "upgrading"
	StatusUpgraded       = "upgraded"
	StatusActive         = "active"
	StatusDeleting       = "deleting"
	StatusTimeout        = "timeout"
	StatusDeployFailed   = "deployFailed"
	StatusClusterDeleted = "clusterDeleted"
)
