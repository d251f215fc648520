package controllers

import (
	"encoding/json"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownedAnnotations returns the annotation keys manager owns on obj through
// server-side apply.
func ownedAnnotations(obj metav1.Object, manager string) map[string]bool {
	out := map[string]bool{}
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager != manager || mf.Operation != metav1.ManagedFieldsOperationApply || mf.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata struct {
				Annotations map[string]json.RawMessage `json:"f:annotations"`
			} `json:"f:metadata"`
		}
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields); err != nil {
			continue
		}
		for k := range fields.Metadata.Annotations {
			if len(k) > 2 && k[:2] == "f:" {
				out[k[2:]] = true
			}
		}
	}
	return out
}

// DesiredFlag is the rule for the allow-snapshot and allow-clone
// annotations: given the annotation's current value (present or not),
// whether this field manager owns it, and what the cluster says (known
// false when the provisioner has no CSIDriver), it returns the value to
// apply and whether to apply one at all. A valid boolean someone else wrote
// is left alone (KubeSphere's rule: never override a user's value); so is
// nothing when the cluster says nothing (KubeSphere removes the annotations
// of classes without a CSIDriver; spherekit removes only its own). Otherwise
// the annotation says what the cluster says, and follows it when it
// changes.
func DesiredFlag(current string, present, owned, known, value bool) (string, bool) {
	if present && !owned {
		if _, err := strconv.ParseBool(current); err == nil {
			return "", false
		}
	}
	if !known {
		return "", false
	}
	return strconv.FormatBool(value), true
}
