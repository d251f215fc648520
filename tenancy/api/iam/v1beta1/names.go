package v1beta1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxNameForLabel is the longest name that can also be a label value, as
// the role-ref label repeats role names.
const maxNameForLabel = 63

// WorkspaceRoleName is the name of the workspace role role (such as
// "admin") of workspace: "<workspace>-<role>". A name over 63 characters is
// shortened, keeping a hash of the full name, so it still fits a label value
// and stays unique.
func WorkspaceRoleName(workspace, role string) string {
	return shorten(workspace + "-" + role)
}

// MemberBindingName is the name of the binding that grants role to user:
// "<user>-<role>", shortened like WorkspaceRoleName when long.
func MemberBindingName(user, role string) string {
	return shorten(user + "-" + role)
}

func shorten(name string) string {
	if len(name) <= maxNameForLabel {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := hex.EncodeToString(sum[:])[:10]
	head := strings.TrimRight(name[:maxNameForLabel-len(suffix)-1], "-.")
	return head + "-" + suffix
}
