package authz

import (
	"context"
	"maps"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Subjects are who may do something: users (service accounts as
// system:serviceaccount:<namespace>:<name>) and groups.
type Subjects struct {
	Users  []string
	Groups []string
}

// WhoCan lists the subjects of the bindings that allow a (its User is
// ignored): the platform's GlobalRoleBindings and, below the platform
// scope, the ClusterRoleBindings, the WorkspaceRoleBindings of a's
// workspace (for a namespace, the workspace it belongs to) and the
// RoleBindings of a's namespace, as Authorize consults them. A group
// stands for its members, whom the host knows (KubeSphere's
// GroupBindings); a user in an allowed group is allowed even when not
// listed.
//
// The answer comes from the index by where bindings grant and by role:
// its cost grows with the roles bound there and the subjects allowed,
// never with every user the platform has. A role with a rego override is
// decided for each of its subjects, as Authorize would.
func (az *Authorizer) WhoCan(ctx context.Context, a Attributes) (Subjects, error) {
	a.User = User{}
	if err := a.validate(); err != nil {
		return Subjects{}, err
	}
	az.mu.RLock()
	defer az.mu.RUnlock()
	ix := az.ix
	wheres := []grantSite{{level: levelGlobal}}
	if scope := a.EffectiveScope(); scope != ScopeGlobal {
		ws := ""
		switch scope {
		case ScopeWorkspace:
			ws = a.Workspace
		case ScopeNamespace:
			ws = ix.nsWS[a.Namespace]
			wheres = append(wheres, grantSite{level: levelNamespace, target: a.Namespace})
		}
		if ws != "" {
			wheres = append(wheres, grantSite{level: levelWorkspace, target: ws})
		}
		wheres = append(wheres, grantSite{level: levelCluster})
	}
	users, groups := map[string]struct{}{}, map[string]struct{}{}
	for _, w := range wheres {
		for roleRef, bindings := range ix.granted[w] {
			r := ix.roles[roleRef]
			if r == nil {
				continue
			}
			if r.override == nil && !slices.ContainsFunc(r.rules, func(rule rbacv1.PolicyRule) bool { return ruleAllows(&rule, &a) }) {
				continue
			}
			for _, b := range bindings {
				for _, s := range b.subjects {
					k, ok := keyOf(s, b.ref.Namespace)
					if !ok {
						continue
					}
					if r.override != nil && !ix.subjectAllowed(ctx, a, k) {
						continue
					}
					if k.group {
						groups[k.name] = struct{}{}
					} else {
						users[k.name] = struct{}{}
					}
				}
			}
		}
	}
	return Subjects{Users: slices.Sorted(maps.Keys(users)), Groups: slices.Sorted(maps.Keys(groups))}, nil
}

// subjectAllowed decides a for the subject k alone.
func (ix *index) subjectAllowed(ctx context.Context, a Attributes, k subjectKey) bool {
	if k.group {
		a.User = User{Groups: []string{k.name}}
	} else {
		a.User = User{Name: k.name}
	}
	return ix.decide(ctx, &a, false).Allowed
}
