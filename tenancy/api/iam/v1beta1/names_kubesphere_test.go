package v1beta1

import (
	"strings"
	"testing"
)

// TestWorkspaceRoleNameKubeSphere checks KubeSphere's rule for workspace
// role names (v4.1.3 pkg/controller/workspacetemplate ensureWorkspaceRoleName
// with pkg/utils/hashutil FNVString): "<ws>-<role>" up to 63 characters, else
// "<role>.<fnv64a(ws) in hex>". The expected hashes are FNV-1a 64 of the
// workspace names, computed independently.
func TestWorkspaceRoleNameKubeSphere(t *testing.T) {
	ws58 := strings.Repeat("w", 58)
	tests := []struct{ ws, role, want string }{
		{"team-a", "admin", "team-a-admin"},
		{strings.Repeat("w", 57), "admin", strings.Repeat("w", 57) + "-admin"},
		{ws58, "admin", "admin." + fnv1a64Hex(ws58)},
		{ws58, "self-provisioner", "self-provisioner." + fnv1a64Hex(ws58)},
		// a fixed vector: FNV-1a 64 of "a" is af63dc4c8601ec8c.
		{"a", strings.Repeat("r", 62), "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr.af63dc4c8601ec8c"},
	}
	for _, tt := range tests {
		got := WorkspaceRoleName(tt.ws, tt.role)
		if got != tt.want {
			t.Errorf("WorkspaceRoleName(%q, %q) = %q, want %q", tt.ws, tt.role, got, tt.want)
		}
		short, ok := ShortWorkspaceRoleName(tt.ws, got)
		if !ok || short != tt.role {
			t.Errorf("ShortWorkspaceRoleName(%q, %q) = %q, %v, want %q", tt.ws, got, short, ok, tt.role)
		}
	}
	if _, ok := ShortWorkspaceRoleName("team-a", "team-b-admin"); ok {
		t.Error("a role of another workspace is not team-a's")
	}
}

// fnv1a64Hex is FNV-1a 64 written out from its definition.
func fnv1a64Hex(s string) string {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	const digits = "0123456789abcdef"
	out := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		out[i] = digits[h&0xf]
		h >>= 4
	}
	return string(out)
}
