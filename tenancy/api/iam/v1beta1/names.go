package v1beta1

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"strings"
)

// maxNameForLabel is the longest name that can also be a label value, as
// the role-ref label repeats role names.
const maxNameForLabel = 63

// WorkspaceRoleName is KubeSphere's name for the workspace role role (such
// as "admin") of workspace: "<workspace>-<role>" when that fits a label
// value (63 characters), else "<role>.<hash>", hash being the 64-bit FNV-1a
// hash of the workspace name in lower-case hex (KubeSphere v4.1.3,
// pkg/controller/workspacetemplate). The workspace manager's
// WorkspaceRoleBinding has the name of the workspace's admin role.
//
// Before KubeSphere's rule was followed, spherekit shortened long names to a
// prefix and a SHA-256 suffix; roles named so are left as they are (they
// belong to their workspace by label and owner reference and go with it).
func WorkspaceRoleName(workspace, role string) string {
	if name := workspace + "-" + role; len(name) <= maxNameForLabel {
		return name
	}
	return role + "." + workspaceHash(workspace)
}

// ManagerBindingName is KubeSphere's name for the WorkspaceRoleBinding that
// binds a workspace's manager (spec.manager) as its admin: the name of the
// workspace's admin role (WorkspaceRoleName(workspace, "admin")).
func ManagerBindingName(workspace string) string {
	return WorkspaceRoleName(workspace, WorkspaceAdmin)
}

// ShortWorkspaceRoleName turns a workspace role name of workspace back into
// the role's short name, for both forms WorkspaceRoleName gives; ok is
// false for a name of neither form.
func ShortWorkspaceRoleName(workspace, name string) (role string, ok bool) {
	if short, found := strings.CutPrefix(name, workspace+"-"); found && short != "" && WorkspaceRoleName(workspace, short) == name {
		return short, true
	}
	if short, found := strings.CutSuffix(name, "."+workspaceHash(workspace)); found && short != "" && WorkspaceRoleName(workspace, short) == name {
		return short, true
	}
	return "", false
}

// workspaceHash is KubeSphere's hash of a workspace name in long role
// names.
func workspaceHash(workspace string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(workspace)) // a hash.Hash never fails to write
	return hex.EncodeToString(h.Sum(nil))
}

// MemberBindingName is the name of the binding that grants role to user:
// "<user>-<role>", KubeSphere's member binding name. A name over 63
// characters is shortened, keeping a hash of the full name, so it fits a
// label value and stays unique (KubeSphere does not shorten; it is
// spherekit's own rule).
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
