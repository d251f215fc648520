package authz

import (
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// Kinds of roles and bindings, as they appear in roleRefs.
const (
	kindGlobalRole    = "GlobalRole"
	kindWorkspaceRole = "WorkspaceRole"
	kindClusterRole   = "ClusterRole"
	kindRole          = "Role"

	kindGlobalRoleBinding    = "GlobalRoleBinding"
	kindWorkspaceRoleBinding = "WorkspaceRoleBinding"
	kindClusterRoleBinding   = "ClusterRoleBinding"
	kindRoleBinding          = "RoleBinding"
)

// role is an indexed role: its rules as stored (aggregation already applied
// by the controllers, as the API server sees them).
type role struct {
	ref   Ref
	rules []rbacv1.PolicyRule
	// policy is the role's rego override ("" for none) and override its
	// compiled form, shared through the index's cache.
	policy   string
	override *override
}

// binding is an indexed binding with its roleRef resolved to a role key.
type binding struct {
	ref      Ref
	role     Ref
	subjects []rbacv1.Subject
	// scope and target say where the binding grants: the workspace of a
	// WorkspaceRoleBinding, the namespace of a RoleBinding.
	scope  Scope
	target string
}

// subjectKey is how a request's user reaches bindings: by user name (service
// accounts become their user name system:serviceaccount:<ns>:<name>) or by
// group name.
type subjectKey struct {
	group bool
	name  string
}

// grants are one subject's bindings, by where they grant.
type grants struct {
	global    []*binding
	cluster   []*binding
	workspace map[string][]*binding
	namespace map[string][]*binding
}

func (g *grants) empty() bool {
	return len(g.global) == 0 && len(g.cluster) == 0 && len(g.workspace) == 0 && len(g.namespace) == 0
}

// index holds what the Authorizer decides from. It is not safe for
// concurrent use; Authorizer guards it.
type index struct {
	roles     map[Ref]*role
	bindings  map[Ref]*binding
	subjects  map[subjectKey]*grants
	nsWS      map[string]string              // namespace → workspace
	wsNS      map[string]map[string]struct{} // workspace → namespaces
	workspace map[string]struct{}            // known workspaces (templates or workspaces)
	overrides overrides                      // compiled rego overrides by policy text
	// granted holds the bindings by where they grant and then by role:
	// who may do something somewhere is found from the few roles bound
	// there, without a look at every subject (WhoCan).
	granted map[grantSite]map[Ref]map[Ref]*binding
}

// grantSite is the level a binding grants at and, for a workspace or a
// namespace, which one.
type grantSite struct {
	level  int
	target string
}

func siteOf(b *binding) grantSite {
	switch b.scope {
	case ScopeGlobal:
		return grantSite{level: levelGlobal}
	case ScopeWorkspace:
		return grantSite{level: levelWorkspace, target: b.target}
	case ScopeNamespace:
		return grantSite{level: levelNamespace, target: b.target}
	}
	return grantSite{level: levelCluster}
}

func newIndex() *index {
	return &index{
		roles:     map[Ref]*role{},
		bindings:  map[Ref]*binding{},
		subjects:  map[subjectKey]*grants{},
		nsWS:      map[string]string{},
		wsNS:      map[string]map[string]struct{}{},
		workspace: map[string]struct{}{},
		overrides: newOverrides(),
		granted:   map[grantSite]map[Ref]map[Ref]*binding{},
	}
}

// clone copies ix deeply enough that changes to the copy leave ix alone
// (roles and bindings are replaced, never changed in place).
func (ix *index) clone() *index {
	c := &index{
		roles:     maps.Clone(ix.roles),
		bindings:  maps.Clone(ix.bindings),
		subjects:  make(map[subjectKey]*grants, len(ix.subjects)),
		nsWS:      maps.Clone(ix.nsWS),
		wsNS:      make(map[string]map[string]struct{}, len(ix.wsNS)),
		workspace: maps.Clone(ix.workspace),
		overrides: ix.overrides.clone(),
		granted:   make(map[grantSite]map[Ref]map[Ref]*binding, len(ix.granted)),
	}
	for w, byRole := range ix.granted {
		c.granted[w] = make(map[Ref]map[Ref]*binding, len(byRole))
		for r, bs := range byRole {
			c.granted[w][r] = maps.Clone(bs)
		}
	}
	for k, g := range ix.subjects {
		ng := &grants{global: slices.Clone(g.global), cluster: slices.Clone(g.cluster)}
		if g.workspace != nil {
			ng.workspace = make(map[string][]*binding, len(g.workspace))
			for w, bs := range g.workspace {
				ng.workspace[w] = slices.Clone(bs)
			}
		}
		if g.namespace != nil {
			ng.namespace = make(map[string][]*binding, len(g.namespace))
			for n, bs := range g.namespace {
				ng.namespace[n] = slices.Clone(bs)
			}
		}
		c.subjects[k] = ng
	}
	for w, nss := range ix.wsNS {
		c.wsNS[w] = maps.Clone(nss)
	}
	return c
}

// keyOf is the subject key a binding subject reaches, and false for a
// subject that can never match a user (an unknown kind, a service account
// without a namespace).
func keyOf(s rbacv1.Subject, bindingNamespace string) (subjectKey, bool) {
	switch s.Kind {
	case rbacv1.UserKind:
		return subjectKey{name: s.Name}, s.Name != ""
	case rbacv1.GroupKind:
		return subjectKey{group: true, name: s.Name}, s.Name != ""
	case rbacv1.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = bindingNamespace
		}
		if ns == "" || s.Name == "" {
			return subjectKey{}, false
		}
		return subjectKey{name: "system:serviceaccount:" + ns + ":" + s.Name}, true
	}
	return subjectKey{}, false
}

// subjectMatches reports whether s (in a binding in namespace ns) is user u.
func subjectMatches(s rbacv1.Subject, ns string, u *User) bool {
	k, ok := keyOf(s, ns)
	if !ok {
		return false
	}
	if k.group {
		return slices.Contains(u.Groups, k.name)
	}
	return k.name == u.Name
}

// roleOf is obj's key and rules when obj is a role of a kind the index
// knows.
func roleOf(obj any) (Ref, []rbacv1.PolicyRule, bool) {
	switch o := obj.(type) {
	case *iamv1beta1.GlobalRole:
		return Ref{iamGroup, kindGlobalRole, "", o.Name}, o.Rules, true
	case *iamv1beta1.WorkspaceRole:
		return Ref{iamGroup, kindWorkspaceRole, "", o.Name}, o.Rules, true
	case *iamv1beta1.ClusterRole:
		return Ref{iamGroup, kindClusterRole, "", o.Name}, o.Rules, true
	case *iamv1beta1.Role:
		return Ref{iamGroup, kindRole, o.Namespace, o.Name}, o.Rules, true
	case *rbacv1.ClusterRole:
		return Ref{rbacv1.GroupName, kindClusterRole, "", o.Name}, o.Rules, true
	case *rbacv1.Role:
		return Ref{rbacv1.GroupName, kindRole, o.Namespace, o.Name}, o.Rules, true
	}
	return Ref{}, nil, false
}

// bindingSource is what the index reads from a binding object.
type bindingSource struct {
	ref      Ref
	roleRef  rbacv1.RoleRef
	subjects []rbacv1.Subject
	scope    Scope
	target   string
}

// bindingOf is what obj grants when it is a binding of a kind the index
// knows.
func bindingOf(obj any) (bindingSource, bool) {
	switch o := obj.(type) {
	case *iamv1beta1.GlobalRoleBinding:
		return bindingSource{Ref{iamGroup, kindGlobalRoleBinding, "", o.Name}, o.RoleRef, o.Subjects, ScopeGlobal, ""}, true
	case *iamv1beta1.WorkspaceRoleBinding:
		return bindingSource{Ref{iamGroup, kindWorkspaceRoleBinding, "", o.Name}, o.RoleRef, o.Subjects, ScopeWorkspace, o.Labels[tenantv1beta1.WorkspaceLabel]}, true
	case *iamv1beta1.ClusterRoleBinding:
		return bindingSource{Ref{iamGroup, kindClusterRoleBinding, "", o.Name}, o.RoleRef, o.Subjects, ScopeCluster, ""}, true
	case *iamv1beta1.RoleBinding:
		return bindingSource{Ref{iamGroup, kindRoleBinding, o.Namespace, o.Name}, o.RoleRef, o.Subjects, ScopeNamespace, o.Namespace}, true
	case *rbacv1.ClusterRoleBinding:
		return bindingSource{Ref{rbacv1.GroupName, kindClusterRoleBinding, "", o.Name}, o.RoleRef, o.Subjects, ScopeCluster, ""}, true
	case *rbacv1.RoleBinding:
		return bindingSource{Ref{rbacv1.GroupName, kindRoleBinding, o.Namespace, o.Name}, o.RoleRef, o.Subjects, ScopeNamespace, o.Namespace}, true
	}
	return bindingSource{}, false
}

// upsert adds or replaces obj in the index. It accepts the iam kinds
// (GlobalRole, WorkspaceRole, ClusterRole, Role and their bindings), native
// RBAC roles and bindings, Namespaces (for their workspace label),
// Workspaces and WorkspaceTemplates. Other kinds are refused.
func (ix *index) upsert(obj any) error {
	if ref, rules, ok := roleOf(obj); ok {
		ix.putRole(ref, rules, overridePolicy(obj))
		return nil
	}
	if b, ok := bindingOf(obj); ok {
		return ix.putBinding(b)
	}
	switch o := obj.(type) {
	case *corev1.Namespace:
		ix.putNamespace(o.Name, o.Labels[tenantv1beta1.WorkspaceLabel])
	case *tenantv1beta1.WorkspaceTemplate:
		ix.workspace[o.Name] = struct{}{}
	case *tenantv1beta1.Workspace:
		ix.workspace[o.Name] = struct{}{}
	default:
		return notIndexable(obj)
	}
	return nil
}

// remove drops obj from the index.
func (ix *index) remove(obj any) error {
	if ref, _, ok := roleOf(obj); ok {
		ix.dropRole(ref)
		return nil
	}
	if b, ok := bindingOf(obj); ok {
		ix.dropBinding(b.ref)
		return nil
	}
	switch o := obj.(type) {
	case *corev1.Namespace:
		ix.putNamespace(o.Name, "")
		delete(ix.nsWS, o.Name)
	case *tenantv1beta1.WorkspaceTemplate:
		delete(ix.workspace, o.Name)
	case *tenantv1beta1.Workspace:
		delete(ix.workspace, o.Name)
	default:
		return notIndexable(obj)
	}
	return nil
}

func notIndexable(obj any) error {
	return &InvalidError{Field: "object", Reason: fmt.Sprintf("%T is not a role, binding, namespace or workspace", obj)}
}

// putRole indexes a role with its rules and rego override policy ("" for
// none), compiling the policy unless another role already carries it.
func (ix *index) putRole(ref Ref, rules []rbacv1.PolicyRule, policy string) {
	r := &role{ref: ref, rules: slices.Clone(rules), policy: policy}
	if policy != "" {
		r.override = ix.overrides.acquire(policy)
	}
	ix.dropRole(ref)
	ix.roles[ref] = r
}

func (ix *index) dropRole(ref Ref) {
	if old := ix.roles[ref]; old != nil && old.policy != "" {
		ix.overrides.release(old.policy)
	}
	delete(ix.roles, ref)
}

// roleKey resolves a binding's roleRef the way the API server does: a
// RoleBinding's Role lives in the binding's namespace; every other kind is
// cluster-wide. iam bindings grant iam roles and native bindings native
// roles, whatever apiGroup the roleRef spells (KubeSphere has written both).
func roleKey(bindingRef Ref, rr rbacv1.RoleRef) (Ref, error) {
	group := bindingRef.APIGroup
	want := map[string][]string{
		kindGlobalRoleBinding:    {kindGlobalRole},
		kindWorkspaceRoleBinding: {kindWorkspaceRole},
		kindClusterRoleBinding:   {kindClusterRole},
		kindRoleBinding:          {kindRole, kindClusterRole},
	}[bindingRef.Kind]
	if !slices.Contains(want, rr.Kind) {
		return Ref{}, &InvalidError{Field: "roleRef.kind", Reason: fmt.Sprintf("%s refers to a %q; it may refer to %v", bindingRef, rr.Kind, want)}
	}
	if rr.Name == "" {
		return Ref{}, &InvalidError{Field: "roleRef.name", Reason: fmt.Sprintf("%s has no role name", bindingRef)}
	}
	ref := Ref{APIGroup: group, Kind: rr.Kind, Name: rr.Name}
	if rr.Kind == kindRole {
		ref.Namespace = bindingRef.Namespace
	}
	return ref, nil
}

func (ix *index) putBinding(src bindingSource) error {
	ref, subjects, scope, target := src.ref, src.subjects, src.scope, src.target
	roleRef, err := roleKey(ref, src.roleRef)
	if err != nil {
		return err
	}
	if scope == ScopeWorkspace && target == "" {
		return &InvalidError{Field: "metadata.labels", Reason: fmt.Sprintf("%s has no %s label, so it grants in no workspace", ref, tenantv1beta1.WorkspaceLabel)}
	}
	ix.dropBinding(ref)
	b := &binding{ref: ref, role: roleRef, subjects: slices.Clone(subjects), scope: scope, target: target}
	ix.bindings[ref] = b
	w := siteOf(b)
	if ix.granted[w] == nil {
		ix.granted[w] = map[Ref]map[Ref]*binding{}
	}
	if ix.granted[w][roleRef] == nil {
		ix.granted[w][roleRef] = map[Ref]*binding{}
	}
	ix.granted[w][roleRef][ref] = b
	for _, s := range b.subjects {
		k, ok := keyOf(s, ref.Namespace)
		if !ok {
			continue
		}
		g := ix.subjects[k]
		if g == nil {
			g = &grants{}
			ix.subjects[k] = g
		}
		addGrant(g, b)
	}
	return nil
}

func addGrant(g *grants, b *binding) {
	switch b.scope {
	case ScopeGlobal:
		if !slices.Contains(g.global, b) {
			g.global = append(g.global, b)
		}
	case ScopeCluster:
		if !slices.Contains(g.cluster, b) {
			g.cluster = append(g.cluster, b)
		}
	case ScopeWorkspace:
		if g.workspace == nil {
			g.workspace = map[string][]*binding{}
		}
		if !slices.Contains(g.workspace[b.target], b) {
			g.workspace[b.target] = append(g.workspace[b.target], b)
		}
	case ScopeNamespace:
		if g.namespace == nil {
			g.namespace = map[string][]*binding{}
		}
		if !slices.Contains(g.namespace[b.target], b) {
			g.namespace[b.target] = append(g.namespace[b.target], b)
		}
	}
}

func without(bs []*binding, b *binding) []*binding {
	return slices.DeleteFunc(bs, func(x *binding) bool { return x == b })
}

func (ix *index) dropBinding(ref Ref) {
	b, ok := ix.bindings[ref]
	if !ok {
		return
	}
	delete(ix.bindings, ref)
	w := siteOf(b)
	if byRole := ix.granted[w]; byRole != nil {
		delete(byRole[b.role], ref)
		if len(byRole[b.role]) == 0 {
			delete(byRole, b.role)
		}
		if len(byRole) == 0 {
			delete(ix.granted, w)
		}
	}
	for _, s := range b.subjects {
		k, ok := keyOf(s, ref.Namespace)
		if !ok {
			continue
		}
		g := ix.subjects[k]
		if g == nil {
			continue
		}
		switch b.scope {
		case ScopeGlobal:
			g.global = without(g.global, b)
		case ScopeCluster:
			g.cluster = without(g.cluster, b)
		case ScopeWorkspace:
			if g.workspace[b.target] = without(g.workspace[b.target], b); len(g.workspace[b.target]) == 0 {
				delete(g.workspace, b.target)
			}
		case ScopeNamespace:
			if g.namespace[b.target] = without(g.namespace[b.target], b); len(g.namespace[b.target]) == 0 {
				delete(g.namespace, b.target)
			}
		}
		if g.empty() {
			delete(ix.subjects, k)
		}
	}
}

func (ix *index) putNamespace(ns, ws string) {
	if old, ok := ix.nsWS[ns]; ok && old != ws {
		delete(ix.wsNS[old], ns)
		if len(ix.wsNS[old]) == 0 {
			delete(ix.wsNS, old)
		}
	}
	ix.nsWS[ns] = ws
	if ws == "" {
		return
	}
	if ix.wsNS[ws] == nil {
		ix.wsNS[ws] = map[string]struct{}{}
	}
	ix.wsNS[ws][ns] = struct{}{}
}

const iamGroup = iamv1beta1.GroupName
