package v1beta1

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestWorkspaceRoleName(t *testing.T) {
	tests := []struct{ ws, role, want string }{
		{"team-a", "admin", "team-a-admin"},
		{strings.Repeat("w", 57), "admin", strings.Repeat("w", 57) + "-admin"},
	}
	for _, tt := range tests {
		if got := WorkspaceRoleName(tt.ws, tt.role); got != tt.want {
			t.Errorf("WorkspaceRoleName(%q, %q) = %q, want %q", tt.ws, tt.role, got, tt.want)
		}
	}
	long := strings.Repeat("w", 63)
	a, b := WorkspaceRoleName(long, "admin"), WorkspaceRoleName(long, "viewer")
	if len(a) > 63 || a == b {
		t.Errorf("long names must shorten to distinct label values: %q, %q", a, b)
	}
}

// FuzzMemberBindingName checks that any DNS-1123 inputs give a name that is
// a valid label value and a valid object name, and distinct inputs give
// distinct names.
func FuzzMemberBindingName(f *testing.F) {
	f.Add("alice", "team-a-admin", "bob", "team-a-admin")
	f.Add(strings.Repeat("a", 63), strings.Repeat("b", 63), strings.Repeat("a", 63), strings.Repeat("b", 62))
	f.Fuzz(func(t *testing.T, u1, r1, u2, r2 string) {
		for _, s := range []string{u1, r1, u2, r2} {
			if len(validation.IsDNS1123Label(s)) > 0 {
				return
			}
		}
		n1 := MemberBindingName(u1, r1)
		if errs := validation.IsValidLabelValue(n1); len(errs) > 0 {
			t.Fatalf("MemberBindingName(%q, %q) = %q is not a label value: %v", u1, r1, n1, errs)
		}
		if errs := validation.IsDNS1123Subdomain(n1); len(errs) > 0 {
			t.Fatalf("MemberBindingName(%q, %q) = %q is not an object name: %v", u1, r1, n1, errs)
		}
		if u1+"-"+r1 != u2+"-"+r2 && n1 == MemberBindingName(u2, r2) {
			t.Fatalf("distinct inputs (%q,%q) and (%q,%q) share the name %q", u1, r1, u2, r2, n1)
		}
	})
}
