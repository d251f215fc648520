package v1beta1

import (
	"encoding/json"
	"strings"
	"testing"

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
		{"type and metadata kept", GlobalRole{TypeMeta: metav1.TypeMeta{Kind: "GlobalRole"}, ObjectMeta: metav1.ObjectMeta{Name: "r"}}, `{"kind":"GlobalRole","metadata":{"name":"r"},"rules":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tt.want) {
				t.Errorf("got %s, want it to contain %s", data, tt.want)
			}
		})
	}
}
