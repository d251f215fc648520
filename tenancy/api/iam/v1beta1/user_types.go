package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceUsers is the plural resource name of User.
const ResourceUsers = "users"

// UserState is the lifecycle state of a User.
// +kubebuilder:validation:Enum=Active;Disabled;AuthLimitExceeded
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
	// Email is the user's unique e-mail address.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
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
	// +listType=set
	Groups []string `json:"groups,omitempty"`
	// Password is either a bcrypt hash or, when written by a client, a plain
	// password of 8 to 64 characters with a lower-case letter, an upper-case
	// letter and a digit, which the user controller replaces by its hash.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^[$]2[aby]?[$][0-9]{2}[$][./A-Za-z0-9]{53}$') || (self.size() >= 8 && self.size() <= 64 && self.matches('[a-z]') && self.matches('[A-Z]') && self.matches('[0-9]'))",message="password must be a bcrypt hash, or 8 to 64 characters with a lower-case letter, an upper-case letter and a digit"
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
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.email`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$')",message="user names are at most 63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
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

// LoginType is how a user authenticated.
// +kubebuilder:validation:Enum=Password;OAuth;Token
type LoginType string

const (
	LoginPassword LoginType = "Password"
	LoginOAuth    LoginType = "OAuth"
	LoginToken    LoginType = "Token"
)

// LoginRecordSpec describes one login attempt.
type LoginRecordSpec struct {
	Type LoginType `json:"type"`
	// Provider is the identity provider, for OAuth logins.
	// +optional
	Provider string `json:"provider,omitempty"`
	// +optional
	SourceIP string `json:"sourceIP,omitempty"`
	// +optional
	UserAgent string `json:"userAgent,omitempty"`
	// Success tells whether the attempt succeeded.
	Success bool `json:"success"`
	// Reason says why an attempt failed.
	// +optional
	Reason string `json:"reason,omitempty"`
}

// LoginRecord is one login attempt of a user, labelled with
// UserReferenceLabel.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=iam
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Success",type=boolean,JSONPath=`.spec.success`
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
