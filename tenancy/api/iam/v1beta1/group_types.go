package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Plural resource names of groups.
const (
	ResourceGroups        = "groups"
	ResourceGroupBindings = "groupbindings"
)

// GroupSpec is empty: a group is defined by its labels (WorkspaceLabel,
// GroupParentLabel) and its GroupBindings.
type GroupSpec struct{}

// GroupStatus is empty, as in KubeSphere.
type GroupStatus struct{}

// Group is a set of users, usually of one workspace (kubesphere.io/workspace
// label), optionally nested under a parent (GroupParentLabel). Binding a role
// to the group grants it to every member.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=group
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.kubesphere\.io/workspace`
type Group struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	Spec GroupSpec `json:"spec,omitempty"`
	// +optional
	Status GroupStatus `json:"status,omitempty"`
}

// GroupList is a list of Groups.
//
// +kubebuilder:object:root=true
type GroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Group `json:"items"`
}

// GroupReference names a Group.
type GroupReference struct {
	// +optional
	APIGroup string `json:"apiGroup,omitempty"`
	// +optional
	Kind string `json:"kind,omitempty"`
	// +optional
	Name string `json:"name,omitempty"`
}

// GroupBinding puts users into a group; the group controller keeps each
// user's spec.groups in step with the bindings.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=group
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.groupRef.name`
// +kubebuilder:printcolumn:name="Users",type=string,JSONPath=`.users`
type GroupBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// GroupRef names the group. KubeSphere's schema requires neither it nor
	// its name; the Client always sets both.
	// +optional
	GroupRef GroupReference `json:"groupRef,omitempty"`
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
