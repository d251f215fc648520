package v1beta1

// Labels, annotations and finalizers KubeSphere uses across the tenancy
// domain. They are part of the wire contract: a KubeSphere installation reads
// and writes the same keys.
const (
	// WorkspaceLabel on a namespace makes it a project of the named
	// workspace; on workspace roles, workspace role bindings and groups it
	// names the workspace they belong to. It is the source of truth for
	// membership.
	WorkspaceLabel = "kubesphere.io/workspace"

	// CreatorAnnotation names the user who created an object. On a project it
	// is the user bound as the project's admin.
	CreatorAnnotation = "kubesphere.io/creator"
	// AliasNameAnnotation holds a human-friendly display name.
	AliasNameAnnotation = "kubesphere.io/alias-name"
	// DescriptionAnnotation holds a free-text description.
	DescriptionAnnotation = "kubesphere.io/description"
	// ManagedLabel marks objects a controller owns and keeps in step.
	ManagedLabel = "kubesphere.io/managed"

	// DeletionPropagationAnnotation on a Workspace chooses what happens to
	// its projects when it is deleted: DeletionPropagationOrphan (the
	// default when absent) keeps the namespaces and only removes their
	// workspace label; DeletionPropagationBackground and
	// DeletionPropagationForeground delete them.
	DeletionPropagationAnnotation = "kubesphere.io/deletion-propagation"
	DeletionPropagationOrphan     = "Orphan"
	DeletionPropagationBackground = "Background"
	DeletionPropagationForeground = "Foreground"

	// CascadingDeletionFinalizer holds a Workspace (and other owners whose
	// deletion reaches beyond owner references) until its dependents are
	// handled.
	CascadingDeletionFinalizer = "kubesphere.io/cascading-deletion"
)
