package authz

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// Grant is where a role would be granted: the scope and, for a workspace or
// namespace, which one.
type Grant struct {
	Scope     Scope
	Workspace string
	Namespace string
}

// GrantCheck is CanGrant's answer.
type GrantCheck struct {
	Allowed bool
	// ByVerb is "bind" or "escalate" when the granter holds that verb on
	// the role itself, which allows granting it whatever it holds.
	ByVerb string
	// Missing are the role's permissions the granter does not hold at the
	// place of the grant (empty when allowed).
	Missing []Permission
	// RegoOverride is set when the role carries a rego override: what a
	// policy allows cannot be listed and compared, so only the bind or
	// escalate verb allows granting such a role.
	RegoOverride bool
}

// resourceOfRoleKind is the resource name of each role kind, for checking
// the bind and escalate verbs on it.
var resourceOfRoleKind = map[string]string{
	kindGlobalRole:    "globalroles",
	kindWorkspaceRole: "workspaceroles",
	kindClusterRole:   "clusterroles",
	kindRole:          "roles",
}

// CanGrant says whether granter may grant the role at g without escalating
// their own privileges: allowed if they hold the bind or escalate verb on the
// role, or if they hold every permission in the role at g, the rule
// Kubernetes RBAC applies to role bindings. A role the Authorizer does not
// know is an *InvalidError.
func (az *Authorizer) CanGrant(ctx context.Context, granter User, role Ref, g Grant) (GrantCheck, error) {
	if err := g.validate(); err != nil {
		return GrantCheck{}, err
	}
	if role.APIGroup == "" {
		role.APIGroup = iamGroup
	}
	resource, ok := resourceOfRoleKind[role.Kind]
	if !ok {
		return GrantCheck{}, &InvalidError{Field: "role.Kind", Reason: fmt.Sprintf("%q is not a role kind", role.Kind)}
	}
	az.mu.RLock()
	defer az.mu.RUnlock()
	r := az.ix.roles[role]
	if r == nil {
		return GrantCheck{}, &InvalidError{Field: "role", Reason: fmt.Sprintf("%s is not known to the authorizer", role)}
	}
	for _, verb := range []string{"bind", "escalate"} {
		a := Attributes{User: granter, Verb: verb, APIGroup: role.APIGroup, Resource: resource, Name: role.Name, Scope: g.Scope, Workspace: g.Workspace, Namespace: g.Namespace}
		if d := az.ix.decide(ctx, &a, false); d.Allowed {
			return GrantCheck{Allowed: true, ByVerb: verb}, nil
		}
	}
	if r.override != nil {
		return GrantCheck{RegoOverride: true}, nil
	}
	return az.ix.missing(ctx, granter, r.rules, g)
}

// CanCreateRole says whether user may write a role of kind (GlobalRole,
// WorkspaceRole, ClusterRole or Role) named name with rules, to be used at
// g, without escalating their own privileges: allowed if they hold the
// escalate verb on that role, or every permission in rules at g. It is
// Kubernetes' rule for writing roles, the role-side twin of CanGrant.
func (az *Authorizer) CanCreateRole(ctx context.Context, user User, kind, name string, rules []rbacv1.PolicyRule, g Grant) (GrantCheck, error) {
	if err := g.validate(); err != nil {
		return GrantCheck{}, err
	}
	resource, ok := resourceOfRoleKind[kind]
	if !ok {
		return GrantCheck{}, &InvalidError{Field: "kind", Reason: fmt.Sprintf("%q is not a role kind", kind)}
	}
	az.mu.RLock()
	defer az.mu.RUnlock()
	a := Attributes{User: user, Verb: "escalate", APIGroup: iamGroup, Resource: resource, Name: name, Scope: g.Scope, Workspace: g.Workspace, Namespace: g.Namespace}
	if d := az.ix.decide(ctx, &a, false); d.Allowed {
		return GrantCheck{Allowed: true, ByVerb: "escalate"}, nil
	}
	return az.ix.missing(ctx, user, rules, g)
}

// missing lists the permissions of rules that user does not hold at g.
func (ix *index) missing(ctx context.Context, user User, rules []rbacv1.PolicyRule, g Grant) (GrantCheck, error) {
	var missing []Permission
	for _, rule := range rules {
		for _, p := range expand(rule, g) {
			a := p.attributes(user)
			if a.validate() != nil {
				continue
			}
			if d := ix.decide(ctx, &a, false); !d.Allowed {
				missing = append(missing, p)
			}
		}
		if err := ctx.Err(); err != nil {
			return GrantCheck{}, err
		}
	}
	return GrantCheck{Allowed: len(missing) == 0, Missing: missing}, nil
}

func (g Grant) validate() error {
	if g.Scope == "" {
		return &InvalidError{Field: "Scope", Reason: "a grant names its scope (Global, Cluster, Workspace or Namespace)"}
	}
	return checkScope(g.Scope, g.Workspace, g.Namespace)
}

// String lists the first few missing permissions.
func (c GrantCheck) String() string {
	if c.Allowed {
		if c.ByVerb != "" {
			return "allowed by the " + c.ByVerb + " verb on the role"
		}
		return "allowed: the granter holds every permission of the role"
	}
	if c.RegoOverride {
		return "the role carries a rego override (" + iamv1beta1.RegoOverrideAnnotation + "): granting it needs the bind or escalate verb on it"
	}
	var parts []string
	for i, p := range c.Missing {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(c.Missing)-3))
			break
		}
		parts = append(parts, p.String())
	}
	return "the granter lacks " + strings.Join(parts, "; ")
}
