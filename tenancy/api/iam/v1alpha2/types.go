package v1alpha2

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// User is iamv1beta1.User at v1alpha2; the fields are the same.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:deprecatedversion
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.email`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.state`
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec iamv1beta1.UserSpec `json:"spec"`
	// +optional
	Status iamv1beta1.UserStatus `json:"status,omitempty"`
}

// UserList is a list of Users.
//
// +kubebuilder:object:root=true
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []User `json:"items"`
}

// LoginRecord is iamv1beta1.LoginRecord at v1alpha2; the fields are the
// same.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:deprecatedversion
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="From",type=string,JSONPath=`.spec.sourceIP`
// +kubebuilder:printcolumn:name="Success",type=string,JSONPath=`.spec.success`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type LoginRecord struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec iamv1beta1.LoginRecordSpec `json:"spec"`
}

// LoginRecordList is a list of LoginRecords.
//
// +kubebuilder:object:root=true
type LoginRecordList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LoginRecord `json:"items"`
}

// GlobalRole is iamv1beta1.GlobalRole at v1alpha2, which has no
// aggregationRoleTemplates.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:deprecatedversion
type GlobalRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
}

// GlobalRoleList is a list of GlobalRoles.
//
// +kubebuilder:object:root=true
type GlobalRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRole `json:"items"`
}

// GlobalRoleBinding is iamv1beta1.GlobalRoleBinding at v1alpha2; the fields
// are the same.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:deprecatedversion
type GlobalRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
}

// GlobalRoleBindingList is a list of GlobalRoleBindings.
//
// +kubebuilder:object:root=true
type GlobalRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRoleBinding `json:"items"`
}

// WorkspaceRole is iamv1beta1.WorkspaceRole at v1alpha2, which has no
// aggregationRoleTemplates.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:deprecatedversion
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.kubesphere\.io/workspace`
// +kubebuilder:printcolumn:name="Alias",type=string,JSONPath=`.metadata.annotations.kubesphere\.io/alias-name`
type WorkspaceRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
}

// WorkspaceRoleList is a list of WorkspaceRoles.
//
// +kubebuilder:object:root=true
type WorkspaceRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceRole `json:"items"`
}

// WorkspaceRoleBinding is iamv1beta1.WorkspaceRoleBinding at v1alpha2; the
// fields are the same.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:deprecatedversion
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.kubesphere\.io/workspace`
type WorkspaceRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Subjects []rbacv1.Subject `json:"subjects,omitempty"`
	RoleRef  rbacv1.RoleRef   `json:"roleRef"`
}

// WorkspaceRoleBindingList is a list of WorkspaceRoleBindings.
//
// +kubebuilder:object:root=true
type WorkspaceRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceRoleBinding `json:"items"`
}

// Group is iamv1beta1.Group at v1alpha2; the fields are the same.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=group
// +kubebuilder:deprecatedversion
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.kubesphere\.io/workspace`
type Group struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec iamv1beta1.GroupSpec `json:"spec,omitempty"`
	// +optional
	Status iamv1beta1.GroupStatus `json:"status,omitempty"`
}

// GroupList is a list of Groups.
//
// +kubebuilder:object:root=true
type GroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Group `json:"items"`
}

// GroupBinding is iamv1beta1.GroupBinding at v1alpha2; the fields are the
// same.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=group
// +kubebuilder:deprecatedversion
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.groupRef.name`
// +kubebuilder:printcolumn:name="Users",type=string,JSONPath=`.users`
type GroupBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	GroupRef iamv1beta1.GroupReference `json:"groupRef,omitempty"`
	// +optional
	Users []string `json:"users,omitempty"`
}

// GroupBindingList is a list of GroupBindings.
//
// +kubebuilder:object:root=true
type GroupBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GroupBinding `json:"items"`
}
