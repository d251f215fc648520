package v1beta1

import (
	"encoding/json"

	rbacv1 "k8s.io/api/rbac/v1"
)

// KubeSphere's schema requires GlobalRole.rules and RoleTemplate.spec.rules
// even when they are empty, and the API server drops a null value before it
// checks, so a nil list would be refused. These MarshalJSON methods write a
// nil list as [] instead, so Go callers need not remember to.

// MarshalJSON writes the role with rules as [] when they are nil.
func (r GlobalRole) MarshalJSON() ([]byte, error) {
	type plain GlobalRole
	if r.Rules == nil {
		r.Rules = []rbacv1.PolicyRule{}
	}
	return json.Marshal(plain(r))
}

// MarshalJSON writes the spec with rules as [] when they are nil.
func (s RoleTemplateSpec) MarshalJSON() ([]byte, error) {
	type plain RoleTemplateSpec
	if s.Rules == nil {
		s.Rules = []rbacv1.PolicyRule{}
	}
	return json.Marshal(plain(s))
}
