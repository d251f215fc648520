package tenancy

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// This file is the Client's one choke point for acting on behalf of a user
// (ClientOptions.OnBehalfOf). Every exported write of Client calls
// c.authorize with the Kubernetes-style attributes of exactly the writes it
// is about to make, and c.mayGrant for every role it grants, before it
// writes anything. TestOnBehalfOfCoversEveryWrite enumerates Client's
// methods by reflection, so a new write without a check fails that test.

// writeOf describes one API write for the Authorizer: verb on resource of
// group, named name, at the scope the request acts at.
func writeOf(verb, group, resource, name string, at authz.Grant) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: group, Resource: resource, Name: name,
		Scope: at.Scope, Workspace: at.Workspace, Namespace: at.Namespace}
}

// Places writes act at.
var platform = authz.Grant{Scope: authz.ScopeGlobal}

func inWorkspace(ws string) authz.Grant {
	return authz.Grant{Scope: authz.ScopeWorkspace, Workspace: ws}
}

func inNamespace(ns string) authz.Grant {
	return authz.Grant{Scope: authz.ScopeNamespace, Namespace: ns}
}

// actingFor reports whether the Client acts for an end user.
func (c *Client) actingFor() bool { return c.gate.Acting() }

// isActor reports whether user is the one the Client acts for.
func (c *Client) isActor(user string) bool { return c.gate.Is(user) }

// authorize checks, when the Client acts for a user, that the user may make
// every one of writes; it refuses with a *ForbiddenError naming the first
// that is denied, and refuses a call that names no write, which could not be
// checked. With ClientOptions.LiveReader, each allowing decision is
// confirmed against the API server (see confirm). It does nothing when the
// Client acts for nobody.
func (c *Client) authorize(ctx context.Context, writes ...authz.Attributes) error {
	return c.gate.CheckEach(ctx, c.confirm, writes...)
}

// confirm re-reads, with ClientOptions.LiveReader, the binding and the role
// behind an allowing decision and refuses when the binding no longer binds
// the subject to the role or the role no longer holds the rule: the
// Authorizer decides from its cache, which trails the API server by the
// watch latency, so a grant revoked a moment ago may still count there.
func (c *Client) confirm(ctx context.Context, d *authz.Decision) error {
	if c.live == nil {
		return nil
	}
	stale := func(why string) error {
		return c.gate.Forbidden(fmt.Sprintf("%s no longer allows it (%s, confirmed with a live read)", d.Binding, why))
	}
	var binding struct {
		RoleRef  rbacv1.RoleRef   `json:"roleRef"`
		Subjects []rbacv1.Subject `json:"subjects"`
	}
	found, err := c.readLive(ctx, d.Binding, &binding)
	if err != nil {
		return err
	}
	if !found {
		return stale("the binding is gone")
	}
	if binding.RoleRef.Kind != d.Role.Kind || binding.RoleRef.Name != d.Role.Name {
		return stale("the binding now grants another role")
	}
	subject := d.Subject
	if !slices.ContainsFunc(binding.Subjects, func(s rbacv1.Subject) bool {
		ns := s.Namespace
		if s.Kind == rbacv1.ServiceAccountKind && ns == "" {
			ns = d.Binding.Namespace
		}
		return s.Kind == subject.Kind && s.Name == subject.Name && ns == subject.Namespace
	}) {
		return stale("the binding no longer names " + subject.Kind + " " + subject.Name)
	}
	var role struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	if found, err = c.readLive(ctx, d.Role, &role); err != nil {
		return err
	}
	if !found {
		return stale("its role is gone")
	}
	if !slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool { return apiequality.Semantic.DeepEqual(r, d.Rule) }) {
		return stale("its role no longer holds the rule")
	}
	return nil
}

// readLive reads the role or binding ref with the live reader into out.
func (c *Client) readLive(ctx context.Context, ref authz.Ref, out any) (bool, error) {
	u := &unstructured.Unstructured{}
	version := iamv1beta1.SchemeGroupVersion.Version
	if ref.APIGroup == rbacv1.GroupName {
		version = rbacv1.SchemeGroupVersion.Version
	}
	u.SetAPIVersion(ref.APIGroup + "/" + version)
	u.SetKind(ref.Kind)
	if err := c.live.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("confirm %s: %w", ref, err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
		return false, fmt.Errorf("confirm %s: %w", ref, err)
	}
	return true, nil
}

// mayGrantRole checks, when the Client acts for a user, that granting role
// (of roleKind, as found at key) at g does not escalate the user's
// privileges: Kubernetes' RBAC rule, see authz.Authorizer.CanGrant.
func (c *Client) mayGrantRole(ctx context.Context, roleKind string, key client.ObjectKey, g authz.Grant) error {
	return c.gate.MayGrant(ctx, authz.Ref{APIGroup: iamv1beta1.GroupName, Kind: roleKind, Namespace: key.Namespace, Name: key.Name}, g)
}
