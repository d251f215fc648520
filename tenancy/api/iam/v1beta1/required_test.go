package v1beta1

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRequiredRulesAreWrittenWhenEmpty(t *testing.T) {
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{"nil global role rules", GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "r"}}, `"rules":[]`},
		{"pointer to a global role", &GlobalRole{}, `"rules":[]`},
		{"global role rules kept", GlobalRole{Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}}}}, `"rules":[{"verbs":["get"]}]`},
		{"nil template rules", RoleTemplate{}, `"spec":{"rules":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.obj)
			require.NoError(t, err)
			assert.Contains(t, string(data), tt.want)
		})
	}
	// The metadata and type fields survive the custom marshalling.
	data, err := json.Marshal(GlobalRole{TypeMeta: metav1.TypeMeta{Kind: "GlobalRole", APIVersion: "iam.kubesphere.io/v1beta1"}, ObjectMeta: metav1.ObjectMeta{Name: "r"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"GlobalRole","apiVersion":"iam.kubesphere.io/v1beta1","metadata":{"name":"r"},"rules":[]}`, string(data))
}
