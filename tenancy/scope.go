package tenancy

// Scope is where a member holds a role: the platform, one workspace or one
// project. Make one with Platform, Workspace or Project and pass it to
// AddMember, ChangeMember, RemoveMember or ListMembers.
//
// Scopes are small comparable values: == compares them and they serve as
// map keys. The zero Scope is no scope at all; an operation given it
// returns an *InvalidError naming "scope". The constructors cannot fail: a
// workspace or project name is checked when an operation uses the Scope,
// as the operations that take a name check it, with an *InvalidError (a
// malformed name) or a *NotFoundError (no such workspace or project) naming
// "workspace" or "project".
type Scope struct {
	kind scopeKind
	name string
}

type scopeKind uint8

const (
	scopeNone scopeKind = iota // the zero Scope
	scopePlatform
	scopeWorkspace
	scopeProject
)

// Platform is the scope of the platform, whose roles are global roles such
// as "platform-admin", "platform-regular" and "platform-self-provisioner".
func Platform() Scope { return Scope{kind: scopePlatform} }

// Workspace is the scope of the workspace named name, whose roles are
// workspace roles such as "admin", "regular", "self-provisioner" and
// "viewer" (role objects named "<workspace>-<role>").
func Workspace(name string) Scope { return Scope{kind: scopeWorkspace, name: name} }

// Project is the scope of the project (namespace) named name, whose roles
// are project roles such as "admin", "operator" and "viewer".
func Project(name string) Scope { return Scope{kind: scopeProject, name: name} }

// String describes s for messages: "the platform", "workspace team-a" or
// "project web".
func (s Scope) String() string {
	name := s.name
	if name == "" {
		name = `""`
	}
	switch s.kind {
	case scopePlatform:
		return "the platform"
	case scopeWorkspace:
		return "workspace " + name
	case scopeProject:
		return "project " + name
	default:
		return "no scope (the zero Scope)"
	}
}

// WorkspaceName returns the workspace's name and true when s is a
// workspace scope (made by Workspace), and "" and false otherwise. Other
// domains' operations that take a Scope (network/gateways) read it with
// WorkspaceName, ProjectName and IsPlatform.
func (s Scope) WorkspaceName() (string, bool) {
	if s.kind != scopeWorkspace {
		return "", false
	}
	return s.name, true
}

// ProjectName returns the project's name and true when s is a project
// scope (made by Project), and "" and false otherwise.
func (s Scope) ProjectName() (string, bool) {
	if s.kind != scopeProject {
		return "", false
	}
	return s.name, true
}

// IsPlatform reports whether s is the platform scope (made by Platform).
func (s Scope) IsPlatform() bool { return s.kind == scopePlatform }
