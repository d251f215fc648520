package actor

import (
	"context"
	"fmt"
	"slices"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Gate decides, for the user a Client acts for, each request the Client is
// about to make. The zero Gate acts for nobody.
type Gate struct {
	user *authz.User
	az   *authz.Authorizer
}

// New returns the Gate of a Client acting for user, deciding with az. A nil
// user is nobody; a user without an authorizer is refused with a
// *fielderr.Invalid naming the Authorizer option. The Gate keeps its own
// copy of user.
func New(user *authz.User, az *authz.Authorizer) (Gate, error) {
	if user == nil {
		return Gate{}, nil
	}
	if az == nil {
		return Gate{}, &fielderr.Invalid{Field: "Authorizer", Reason: "OnBehalfOf needs an Authorizer to decide for the user"}
	}
	u := *user
	u.Groups = slices.Clone(u.Groups)
	return Gate{user: &u, az: az}, nil
}

// Acting reports whether the Gate acts for a user.
func (g Gate) Acting() bool { return g.user != nil }

// Is reports whether the Gate acts for the user named name.
func (g Gate) Is(name string) bool { return g.user != nil && g.user.Name == name }

// Decide explains a for the user. For nobody it allows, with an empty
// explanation.
func (g Gate) Decide(ctx context.Context, a authz.Attributes) (authz.Decision, error) {
	if g.user == nil {
		return authz.Decision{Allowed: true}, nil
	}
	a.User = *g.user
	d, err := g.az.Explain(ctx, a)
	if err != nil {
		return authz.Decision{}, fmt.Errorf("authorize %s %s: %w", a.Verb, a.Resource, err)
	}
	return d, nil
}

// Allowed reports whether the user may make a: for a request whose refusal
// filters what an operation returns rather than failing it.
func (g Gate) Allowed(ctx context.Context, a authz.Attributes) (bool, error) {
	d, err := g.Decide(ctx, a)
	return d.Allowed, err
}

// Check refuses, with a *fielderr.Forbidden, the first of requests the user
// may not make. A Gate acting for a user refuses an empty list, which
// could not be checked. For nobody it does nothing.
func (g Gate) Check(ctx context.Context, requests ...authz.Attributes) error {
	return g.CheckEach(ctx, nil, requests...)
}

// CheckEach is Check with then called on each allowing decision before the
// next request is decided; an error from then stops the check. tenancy
// uses it to confirm a decision against the API server.
func (g Gate) CheckEach(ctx context.Context, then func(context.Context, *authz.Decision) error, requests ...authz.Attributes) error {
	if g.user == nil {
		return nil
	}
	if len(requests) == 0 {
		return g.Forbidden("the operation names no request to check")
	}
	for _, a := range requests {
		d, err := g.Decide(ctx, a)
		if err != nil {
			return err
		}
		if !d.Allowed {
			return g.Forbidden(d.String())
		}
		if then != nil {
			if err := then(ctx, &d); err != nil {
				return err
			}
		}
	}
	return nil
}

// Forbidden is the refusal of the user for reason, for checks a Client
// makes beyond the authorizer's (such as a grant of permissions the user
// does not hold).
func (g Gate) Forbidden(reason string) *fielderr.Forbidden {
	name := ""
	if g.user != nil {
		name = g.user.Name
	}
	return &fielderr.Forbidden{User: name, Reason: reason}
}

// MayGrant checks, for the user, that granting role at g does not escalate
// their privileges (Kubernetes' RBAC rule, authz.Authorizer.CanGrant). For
// nobody it does nothing.
func (g Gate) MayGrant(ctx context.Context, role authz.Ref, at authz.Grant) error {
	if g.user == nil {
		return nil
	}
	check, err := g.az.CanGrant(ctx, *g.user, role, at)
	if err != nil {
		return fmt.Errorf("check grant of %s %q: %w", role.Kind, role.Name, err)
	}
	if !check.Allowed {
		return g.Forbidden(fmt.Sprintf("may not grant %s %q: %s", role.Kind, role.Name, check))
	}
	return nil
}
