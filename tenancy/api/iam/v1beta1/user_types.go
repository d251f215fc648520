package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceUsers is the plural resource name of User.
const ResourceUsers = "users"

// UserState is the lifecycle state of a User. KubeSphere's schema accepts
// any string; these three are the ones it and spherekit write.
type UserState string

const (
	// UserActive users may log in.
	UserActive UserState = "Active"
	// UserDisabled users were disabled by an administrator.
	UserDisabled UserState = "Disabled"
	// UserAuthLimitExceeded users failed to log in too often and are blocked
	// until the failure window passes.
	UserAuthLimitExceeded UserState = "AuthLimitExceeded"
)

// UserSpec is the desired state of a User.
type UserSpec struct {
	// Email is the user's unique e-mail address. The schema only requires
	// it, as KubeSphere's does; the Client and the user webhook check its
	// form.
	Email string `json:"email"`
	// Lang is the user's preferred language, such as "en" or "zh".
	// +optional
	Lang string `json:"lang,omitempty"`
	// +optional
	Description string `json:"description,omitempty"`
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// Groups lists the groups the user belongs to. GroupBindings keep it in
	// step; it is not written by hand.
	// +optional
	Groups []string `json:"groups,omitempty"`
	// Password is either a bcrypt hash or, when written by a client, a plain
	// password of 8 to 64 characters with a lower-case letter, an upper-case
	// letter and a digit, which the user controller replaces by its hash.
	// The schema rule is KubeSphere's: 8 to 64 characters containing the
	// three classes in some order, or "$2a$"/"$2b$"/"$2y$" and 56 more
	// characters (a bcrypt hash of cost 10 to 99).
	// +optional
	// +kubebuilder:validation:MinLength=8
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^(.*[a-z].*[A-Z].*[0-9].*)$|^(.*[a-z].*[0-9].*[A-Z].*)$|^(.*[A-Z].*[a-z].*[0-9].*)$|^(.*[A-Z].*[0-9].*[a-z].*)$|^(.*[0-9].*[a-z].*[A-Z].*)$|^(.*[0-9].*[A-Z].*[a-z].*)$|^(\$2[ayb]\$.{56})$`
	Password string `json:"password,omitempty"`
}

// UserStatus is the observed state of a User.
type UserStatus struct {
	// +optional
	State UserState `json:"state,omitempty"`
	// Reason says why the user is in its state.
	// +optional
	Reason string `json:"reason,omitempty"`
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
	// +optional
	LastLoginTime *metav1.Time `json:"lastLoginTime,omitempty"`
}

// User is a person or robot account of the platform.
//
// As in KubeSphere, status is not a subresource: it is written with the
// rest of the object. User names are checked by the Client and the user
// webhook, not by the schema.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.email`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.state`
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec UserSpec `json:"spec"`
	// +optional
	Status UserStatus `json:"status,omitempty"`
}

// UserList is a list of Users.
//
// +kubebuilder:object:root=true
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []User `json:"items"`
}

// ResourceLoginRecords is the plural resource name of LoginRecord.
const ResourceLoginRecords = "loginrecords"

// LoginType is how a user authenticated. KubeSphere's schema accepts any
// string; these are the types it writes.
type LoginType string

const (
	LoginPassword LoginType = "Password"
	LoginOAuth    LoginType = "OAuth"
	LoginToken    LoginType = "Token"
)

// LoginRecordSpec describes one login attempt.
type LoginRecordSpec struct {
	Type LoginType `json:"type"`
	// Provider is the identity provider, for OAuth logins. Required by
	// KubeSphere's schema, so written even when empty, as are SourceIP and
	// Reason.
	Provider string `json:"provider"`
	SourceIP string `json:"sourceIP"`
	// +optional
	UserAgent string `json:"userAgent,omitempty"`
	// Success tells whether the attempt succeeded.
	Success bool `json:"success"`
	// Reason says why an attempt failed.
	Reason string `json:"reason"`
}

// LoginRecord is one login attempt of a user, labelled with
// UserReferenceLabel.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:storageversion
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="From",type=string,JSONPath=`.spec.sourceIP`
// +kubebuilder:printcolumn:name="Success",type=string,JSONPath=`.spec.success`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type LoginRecord struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LoginRecordSpec `json:"spec"`
}

// LoginRecordList is a list of LoginRecords.
//
// +kubebuilder:object:root=true
type LoginRecordList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LoginRecord `json:"items"`
}
