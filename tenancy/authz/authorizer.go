package authz

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	rbacv1 "k8s.io/api/rbac/v1"
)

// Authorizer decides requests from an index of roles, bindings, namespaces
// and workspaces. Build one over a live cache with NewFromCache or from
// objects with NewFromObjects. An Authorizer is safe for concurrent use;
// decisions never list objects, they follow the requesting user's subjects
// to their bindings.
type Authorizer struct {
	mu sync.RWMutex
	ix *index

	// synced reports whether the cache feeding the index has delivered its
	// initial lists (nil for an Authorizer built from objects).
	synced []func() bool
}

// maxMisses bounds the closest misses Explain reports.
const maxMisses = 5

// Authorize decides a. It checks, stopping at the first rule that allows:
// the user's GlobalRoleBindings (and nothing else for scope Global); their
// WorkspaceRoleBindings in the target workspace (for a namespace, the
// workspace its kubesphere.io/workspace label names); their RoleBindings in
// the namespace; their ClusterRoleBindings. For each binding, the role's
// rego override (see the package doc), if it has one, is evaluated before
// its rules; ctx bounds that evaluation. Rules match exactly as in
// Kubernetes RBAC. The Decision names the binding, role and rule (or
// override) that allowed the request; use Explain to also learn the closest
// misses of a denial.
func (az *Authorizer) Authorize(ctx context.Context, a Attributes) (Decision, error) {
	return az.decide(ctx, a, false)
}

// Explain is Authorize that, for a denial, also lists the user's closest
// misses: rules in their bindings that would allow a request differing in
// verb, API group, resource, name, non-resource URL or scope, and the rego
// overrides consulted, with why each did not allow.
func (az *Authorizer) Explain(ctx context.Context, a Attributes) (Decision, error) {
	return az.decide(ctx, a, true)
}

func (az *Authorizer) decide(ctx context.Context, a Attributes, explain bool) (Decision, error) {
	if err := a.validate(); err != nil {
		return Decision{Request: a}, err
	}
	az.mu.RLock()
	defer az.mu.RUnlock()
	return az.ix.decide(ctx, &a, explain), nil
}

// userGrants are the grants reaching a user: by name and by each group.
func (ix *index) userGrants(u *User, buf []*grants) []*grants {
	if g := ix.subjects[subjectKey{name: u.Name}]; g != nil && u.Name != "" {
		buf = append(buf, g)
	}
	for _, grp := range u.Groups {
		if g := ix.subjects[subjectKey{group: true, name: grp}]; g != nil {
			buf = append(buf, g)
		}
	}
	return buf
}

// decision is one decision in progress: what has been decided so far (its
// Request is the request) and what rego overrides need. It holds no pointer
// to the caller's Attributes, so a decision without overrides allocates
// nothing.
type decision struct {
	ctx     context.Context
	d       Decision
	explain bool
	// input is the overrides' input document, built on first use.
	input ast.Value
}

func (ix *index) decide(ctx context.Context, a *Attributes, explain bool) Decision {
	dc := decision{ctx: ctx, d: Decision{Request: *a, Scope: a.EffectiveScope()}, explain: explain}
	d := &dc.d
	switch d.Scope {
	case ScopeWorkspace:
		d.Workspace = a.Workspace
	case ScopeNamespace:
		d.Workspace = ix.nsWS[a.Namespace]
	}
	var buf [8]*grants
	gs := ix.userGrants(&a.User, buf[:0])

	if ix.allowedBy(&dc, gs, levelGlobal, "") {
		return dc.d
	}
	if d.Scope != ScopeGlobal {
		if d.Workspace != "" && ix.allowedBy(&dc, gs, levelWorkspace, d.Workspace) {
			return dc.d
		}
		if d.Scope == ScopeNamespace && ix.allowedBy(&dc, gs, levelNamespace, a.Namespace) {
			return dc.d
		}
		if ix.allowedBy(&dc, gs, levelCluster, "") {
			return dc.d
		}
	}
	if explain {
		d.Misses = ix.misses(a, d, gs)
	}
	return dc.d
}

// Levels of bindings, in decision order.
const (
	levelGlobal = iota
	levelWorkspace
	levelNamespace
	levelCluster
)

// pick returns g's bindings at level (for a workspace or namespace, the ones
// for target).
func (g *grants) pick(level int, target string) []*binding {
	switch level {
	case levelGlobal:
		return g.global
	case levelWorkspace:
		return g.workspace[target]
	case levelNamespace:
		return g.namespace[target]
	default:
		return g.cluster
	}
}

// allowedBy looks for an allowing rego override or rule among the user's
// bindings at level, recording it in dc.d. Each binding's override comes
// before its rules, as in KubeSphere.
func (ix *index) allowedBy(dc *decision, gs []*grants, level int, target string) bool {
	a := &dc.d.Request
	for _, g := range gs {
		for _, b := range g.pick(level, target) {
			r := ix.roles[b.role]
			if r == nil {
				continue
			}
			if r.override != nil && dc.overrideAllows(b, r) {
				return true
			}
			for i := range r.rules {
				if !ruleAllows(&r.rules[i], a) {
					continue
				}
				dc.allow(b, r)
				dc.d.Rule = r.rules[i]
				return true
			}
		}
	}
	return false
}

// overrideAllows evaluates r's rego override for the request through
// binding b; a policy that cannot be evaluated denies, and Explain records
// why.
func (dc *decision) overrideAllows(b *binding, r *role) bool {
	if dc.input == nil {
		dc.input = regoInput(&dc.d.Request)
	}
	ok, err := r.override.allows(dc.ctx, dc.input)
	if ok {
		dc.allow(b, r)
		dc.d.Override = true
		return true
	}
	if dc.explain {
		dc.d.OverrideMisses = append(dc.d.OverrideMisses, OverrideMiss{Binding: b.ref, Role: r.ref, Where: where(b), Err: err})
	}
	return false
}

// allow records that b's role r allowed the request.
func (dc *decision) allow(b *binding, r *role) {
	d := &dc.d
	d.Allowed = true
	d.Binding, d.Role = b.ref, r.ref
	for _, s := range b.subjects {
		if subjectMatches(s, b.ref.Namespace, &d.Request.User) {
			d.Subject = s
			break
		}
	}
}

// misses ranks every rule reaching the user by how little the request would
// have to change for it to allow it.
func (ix *index) misses(a *Attributes, d *Decision, gs []*grants) []Miss {
	var out []Miss
	consider := func(b *binding, inScope bool) {
		r := ix.roles[b.role]
		if r == nil {
			return
		}
		for i := range r.rules {
			diff := ruleDiffers(&r.rules[i], a)
			if !inScope {
				diff = append(diff, "scope")
			}
			if len(diff) == 0 {
				continue
			}
			out = append(out, Miss{Binding: b.ref, Role: r.ref, Rule: r.rules[i], Differs: diff, Where: where(b)})
		}
	}
	seen := map[*binding]bool{}
	visit := func(b *binding, inScope bool) {
		if !seen[b] {
			seen[b] = true
			consider(b, inScope)
		}
	}
	for _, g := range gs {
		for _, b := range g.global {
			visit(b, true)
		}
		for ws, bs := range g.workspace {
			for _, b := range bs {
				visit(b, d.Scope != ScopeGlobal && ws == d.Workspace)
			}
		}
		for ns, bs := range g.namespace {
			for _, b := range bs {
				visit(b, d.Scope == ScopeNamespace && ns == a.Namespace)
			}
		}
		for _, b := range g.cluster {
			visit(b, d.Scope != ScopeGlobal)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Differs) != len(out[j].Differs) {
			return len(out[i].Differs) < len(out[j].Differs)
		}
		if out[i].Binding != out[j].Binding {
			return out[i].Binding.String() < out[j].Binding.String()
		}
		return false
	})
	if len(out) > maxMisses {
		out = slices.Clip(out[:maxMisses])
	}
	return out
}

// where says in words where b grants its role.
func where(b *binding) string {
	switch b.scope {
	case ScopeGlobal:
		return "on the platform"
	case ScopeWorkspace:
		return fmt.Sprintf("in workspace %q", b.target)
	case ScopeNamespace:
		return fmt.Sprintf("in namespace %q", b.target)
	default:
		return "in the cluster"
	}
}

// Rules returns the rules a user holds at the scope of a (ignoring its verb
// and resource), with the binding that grants each, in decision order. It
// answers "what may this user do here" for a portal's menus.
func (az *Authorizer) Rules(a Attributes) []GrantedRule {
	az.mu.RLock()
	defer az.mu.RUnlock()
	ix := az.ix
	scope := a.EffectiveScope()
	ws := a.Workspace
	if scope == ScopeNamespace {
		ws = ix.nsWS[a.Namespace]
	}
	var out []GrantedRule
	gs := ix.userGrants(&a.User, nil)
	add := func(level int, target string) {
		for _, g := range gs {
			for _, b := range g.pick(level, target) {
				if r := ix.roles[b.role]; r != nil {
					for _, rule := range r.rules {
						out = append(out, GrantedRule{Binding: b.ref, Role: r.ref, Rule: rule})
					}
				}
			}
		}
	}
	add(levelGlobal, "")
	if scope == ScopeGlobal {
		return out
	}
	if ws != "" {
		add(levelWorkspace, ws)
	}
	if scope == ScopeNamespace {
		add(levelNamespace, a.Namespace)
	}
	add(levelCluster, "")
	return out
}

// GrantedRule is a rule a user holds and the binding and role it comes from.
type GrantedRule struct {
	Binding Ref
	Role    Ref
	Rule    rbacv1.PolicyRule
}
