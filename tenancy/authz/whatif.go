package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Change is a proposed edit to roles and bindings: objects to create or
// replace, and objects to delete (matched by kind, namespace and name).
type Change struct {
	Apply  []runtime.Object
	Delete []runtime.Object
}

// Permission is one thing a subject may do at one place: a verb on one
// resource (or resource name), or on one non-resource URL, as written in a
// rule. "*" stands for everything, as in RBAC.
type Permission struct {
	Scope     Scope
	Workspace string
	Namespace string

	Verb           string
	APIGroup       string
	Resource       string
	Subresource    string
	Name           string
	NonResourceURL string
}

func (p Permission) String() string {
	a := p.attributes(User{})
	return a.describe()
}

func (p Permission) attributes(u User) Attributes {
	a := Attributes{User: u, Verb: p.Verb, Scope: p.Scope, Workspace: p.Workspace, Namespace: p.Namespace}
	if p.NonResourceURL != "" {
		a.NonResourcePath = p.NonResourceURL
		a.Scope, a.Workspace, a.Namespace = "", "", ""
		return a
	}
	a.APIGroup, a.Resource, a.Subresource, a.Name = p.APIGroup, p.Resource, p.Subresource, p.Name
	return a
}

// AccessChange is what one subject gains and loses through a Change.
type AccessChange struct {
	// Subject is a User, a Group or a ServiceAccount; members of a group
	// gain and lose what the group does.
	Subject rbacv1.Subject
	Gained  []Permission
	Lost    []Permission
}

// maxWhatIfPermissions bounds the permissions expanded for one subject, so
// a rule with long lists cannot make WhatIf unbounded.
const maxWhatIfPermissions = 100_000

// WhatIf reports what changes for whom if change were made: for every
// subject of an added, edited or deleted binding, and of every binding of an
// added, edited or deleted role, the permissions it would gain and lose. A
// permission counts as gained only if nothing already allowed it, and as
// lost only if nothing else still allows it. az is not modified.
func (az *Authorizer) WhatIf(ctx context.Context, change Change) ([]AccessChange, error) {
	az.mu.RLock()
	before := az.ix.clone()
	az.mu.RUnlock()
	after := before.clone()
	for i, o := range change.Delete {
		if err := after.remove(o); err != nil {
			return nil, fmt.Errorf("change.Delete[%d]: %w", i, err)
		}
	}
	for i, o := range change.Apply {
		if err := after.upsert(o); err != nil {
			return nil, fmt.Errorf("change.Apply[%d]: %w", i, err)
		}
	}

	subjects := map[subjectKey]rbacv1.Subject{}
	addSubjects := func(b *binding) {
		for _, s := range b.subjects {
			if k, ok := keyOf(s, b.ref.Namespace); ok {
				if _, seen := subjects[k]; !seen {
					subjects[k] = s
				}
			}
		}
	}
	changedRoles := map[Ref]bool{}
	for ref, r := range before.roles {
		if a, ok := after.roles[ref]; !ok || a.policy != r.policy || !slices.EqualFunc(a.rules, r.rules, ruleEqual) {
			changedRoles[ref] = true
		}
	}
	for ref := range after.roles {
		if _, ok := before.roles[ref]; !ok {
			changedRoles[ref] = true
		}
	}
	for _, pair := range [][2]*index{{before, after}, {after, before}} {
		for ref, b := range pair[0].bindings {
			o, ok := pair[1].bindings[ref]
			if !ok || !bindingEqual(b, o) || changedRoles[b.role] {
				addSubjects(b)
			}
		}
	}

	var out []AccessChange
	for k, s := range subjects {
		u := User{Name: k.name}
		if k.group {
			u = User{Groups: []string{k.name}}
		}
		gained, err := newlyAllowed(ctx, after, before, k, u)
		if err != nil {
			return nil, err
		}
		lost, err := newlyAllowed(ctx, before, after, k, u)
		if err != nil {
			return nil, err
		}
		if len(gained) > 0 || len(lost) > 0 {
			out = append(out, AccessChange{Subject: s, Gained: gained, Lost: lost})
		}
	}
	slices.SortFunc(out, func(a, b AccessChange) int {
		return strings.Compare(a.Subject.Kind+"/"+a.Subject.Namespace+"/"+a.Subject.Name, b.Subject.Kind+"/"+b.Subject.Namespace+"/"+b.Subject.Name)
	})
	return out, nil
}

// newlyAllowed lists the permissions k's bindings give in from that other
// does not allow u.
func newlyAllowed(ctx context.Context, from, other *index, k subjectKey, u User) ([]Permission, error) {
	g := from.subjects[k]
	if g == nil {
		return nil, nil
	}
	var out []Permission
	seen := map[Permission]bool{}
	var all []*binding
	all = append(all, g.global...)
	all = append(all, g.cluster...)
	for _, bs := range g.workspace {
		all = append(all, bs...)
	}
	for _, bs := range g.namespace {
		all = append(all, bs...)
	}
	for _, b := range all {
		r := from.roles[b.role]
		if r == nil {
			continue
		}
		for _, rule := range r.rules {
			for _, p := range expand(rule, b.place()) {
				if seen[p] {
					continue
				}
				seen[p] = true
				if len(seen) > maxWhatIfPermissions {
					return nil, &InvalidError{Field: "Change", Reason: fmt.Sprintf("subject %q holds over %d permissions; narrow the change", k.name, maxWhatIfPermissions)}
				}
				a := p.attributes(u)
				if a.validate() != nil {
					continue
				}
				if d := other.decide(ctx, &a, false); !d.Allowed {
					out = append(out, p)
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Permission) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// place is where b grants its role.
func (b *binding) place() Grant {
	switch b.scope {
	case ScopeWorkspace:
		return Grant{Scope: b.scope, Workspace: b.target}
	case ScopeNamespace:
		return Grant{Scope: b.scope, Namespace: b.target}
	}
	return Grant{Scope: b.scope}
}

// expand lists the permissions one rule grants at g.
func expand(rule rbacv1.PolicyRule, g Grant) []Permission {
	base := Permission{Scope: g.Scope, Workspace: g.Workspace, Namespace: g.Namespace}
	var out []Permission
	for _, v := range rule.Verbs {
		for _, u := range rule.NonResourceURLs {
			out = append(out, Permission{Verb: v, NonResourceURL: u})
		}
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				p := base
				p.Verb, p.APIGroup = v, g
				p.Resource, p.Subresource, _ = strings.Cut(res, "/")
				if len(rule.ResourceNames) == 0 {
					out = append(out, p)
					continue
				}
				for _, n := range rule.ResourceNames {
					p.Name = n
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func ruleEqual(a, b rbacv1.PolicyRule) bool {
	return slices.Equal(a.Verbs, b.Verbs) && slices.Equal(a.APIGroups, b.APIGroups) && slices.Equal(a.Resources, b.Resources) &&
		slices.Equal(a.ResourceNames, b.ResourceNames) && slices.Equal(a.NonResourceURLs, b.NonResourceURLs)
}

func bindingEqual(a, b *binding) bool {
	return a.role == b.role && a.scope == b.scope && a.target == b.target && slices.Equal(a.subjects, b.subjects)
}
