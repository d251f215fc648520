package v1alpha2

import "encoding/json"

// MarshalJSON writes the status with namespaces as [] when they are nil:
// KubeSphere's schema requires the field, and the API server drops a null
// value before it checks.
func (s ResourceQuotaStatus) MarshalJSON() ([]byte, error) {
	type plain ResourceQuotaStatus
	if s.Namespaces == nil {
		s.Namespaces = []ResourceQuotaStatusByNamespace{}
	}
	return json.Marshal(plain(s))
}
