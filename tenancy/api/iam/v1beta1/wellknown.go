package v1beta1

// Labels and annotations of the iam group. They are part of the wire
// contract with KubeSphere.
const (
	// UserReferenceLabel names the user an object belongs to: login records
	// and member bindings carry it.
	UserReferenceLabel = "iam.kubesphere.io/user-ref"
	// RoleReferenceLabel names the role a binding grants.
	RoleReferenceLabel = "iam.kubesphere.io/role-ref"
	// GroupReferenceLabel names the group a GroupBinding or a group's role
	// binding refers to.
	GroupReferenceLabel = "iam.kubesphere.io/group-ref"
	// GroupParentLabel names a group's parent group.
	GroupParentLabel = "iam.kubesphere.io/group-parent"

	// ScopeLabel on a RoleTemplate or BuiltinRole says which kind of role it
	// is for: ScopeGlobal, ScopeCluster, ScopeWorkspace or ScopeNamespace.
	ScopeLabel     = "iam.kubesphere.io/scope"
	ScopeGlobal    = "global"
	ScopeCluster   = "cluster"
	ScopeWorkspace = "workspace"
	ScopeNamespace = "namespace"

	// CategoryLabel groups RoleTemplates for display.
	CategoryLabel = "iam.kubesphere.io/category"
	// AggregateToLabelPrefix followed by a role name (or a built-in role
	// kind such as "operator") on a RoleTemplate selects it for that role.
	AggregateToLabelPrefix = "iam.kubesphere.io/aggregate-to-"

	// AutoAggregateAnnotation set to "true" on a role makes it pick up
	// RoleTemplates created later that its roleSelector matches.
	AutoAggregateAnnotation = "iam.kubesphere.io/auto-aggregate"

	// RoleTemplateRulesAnnotation on a RoleTemplate is KubeSphere's console
	// annotation: JSON naming the permission the template stands for in the
	// console's role editor, such as {"workspaces": "create"}
	// (config/ks-core/templates/roletemplates.yaml). spherekit reads and
	// writes it only as data.
	RoleTemplateRulesAnnotation = "iam.kubesphere.io/role-template-rules"

	// RegoOverrideAnnotation on a role (GlobalRole, WorkspaceRole,
	// ClusterRole or Role) holds a Rego policy, package authz, whose
	// data.authz.allow may allow a request before the role's rules are
	// consulted. KubeSphere's authenticated and platform-admin GlobalRoles
	// carry one; see package authz for how it is evaluated.
	RegoOverrideAnnotation = "iam.kubesphere.io/rego-override"
)

// Names of the built-in global roles.
const (
	PlatformAdmin           = "platform-admin"
	PlatformRegular         = "platform-regular"
	PlatformSelfProvisioner = "platform-self-provisioner"
	Anonymous               = "anonymous"
	Authenticated           = "authenticated"
)

// Names of the built-in workspace and project roles (a workspace role is
// named "<workspace>-<role>").
const (
	WorkspaceAdmin           = "admin"
	WorkspaceRegular         = "regular"
	WorkspaceSelfProvisioner = "self-provisioner"
	WorkspaceViewer          = "viewer"

	ProjectAdmin    = "admin"
	ProjectOperator = "operator"
	ProjectViewer   = "viewer"
)
