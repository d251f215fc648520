package escalation

import (
	"context"
	"errors"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/roletemplates"
)

// SuperuserGroup is Kubernetes' group whose members bypass authorization;
// the API server lets them write any role or binding, and so does Check.
const SuperuserGroup = "system:masters"

// Result is Check's answer.
type Result struct {
	Allowed bool
	// Reason says why, in words, for an admission answer or a log line.
	Reason string
}

// Check says whether user may write obj, an iam role (GlobalRole,
// WorkspaceRole, ClusterRole, Role) or binding (GlobalRoleBinding,
// WorkspaceRoleBinding, ClusterRoleBinding, RoleBinding), at the place it
// grants: a role only if the user holds every rule in it, including the
// rules of the RoleTemplates it aggregates (read with r), or the escalate
// verb on it; a binding only if the user holds every permission of its role
// there, or the bind or escalate verb on the role. A role carrying a rego
// override (iamv1beta1.RegoOverrideAnnotation) needs the escalate verb:
// what its policy allows cannot be listed. Other objects are allowed.
func Check(ctx context.Context, az *authz.Authorizer, r client.Reader, user authz.User, obj client.Object) (Result, error) {
	if slices.Contains(user.Groups, SuperuserGroup) {
		return Result{Allowed: true, Reason: "a member of " + SuperuserGroup}, nil
	}
	switch o := obj.(type) {
	case *iamv1beta1.GlobalRole:
		return role(ctx, az, r, user, o, "GlobalRole", o.Rules, o.AggregationRoleTemplates, authz.Grant{Scope: authz.ScopeGlobal})
	case *iamv1beta1.WorkspaceRole:
		return role(ctx, az, r, user, o, "WorkspaceRole", o.Rules, o.AggregationRoleTemplates, workspacePlace(o))
	case *iamv1beta1.ClusterRole:
		return role(ctx, az, r, user, o, "ClusterRole", o.Rules, o.AggregationRoleTemplates, authz.Grant{Scope: authz.ScopeCluster})
	case *iamv1beta1.Role:
		return role(ctx, az, r, user, o, "Role", o.Rules, o.AggregationRoleTemplates, authz.Grant{Scope: authz.ScopeNamespace, Namespace: o.Namespace})
	case *iamv1beta1.GlobalRoleBinding:
		return binding(ctx, az, user, o.RoleRef, "", authz.Grant{Scope: authz.ScopeGlobal})
	case *iamv1beta1.WorkspaceRoleBinding:
		return binding(ctx, az, user, o.RoleRef, "", workspacePlace(o))
	case *iamv1beta1.ClusterRoleBinding:
		return binding(ctx, az, user, o.RoleRef, "", authz.Grant{Scope: authz.ScopeCluster})
	case *iamv1beta1.RoleBinding:
		ns := ""
		if o.RoleRef.Kind == "Role" {
			ns = o.Namespace
		}
		return binding(ctx, az, user, o.RoleRef, ns, authz.Grant{Scope: authz.ScopeNamespace, Namespace: o.Namespace})
	}
	return Result{Allowed: true, Reason: fmt.Sprintf("%T is neither an iam role nor a binding", obj)}, nil
}

// workspacePlace is the workspace a workspace role or binding belongs to
// (its kubesphere.io/workspace label). One without the label is judged at
// the platform: it could be meant for any workspace.
func workspacePlace(o metav1.Object) authz.Grant {
	if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
		return authz.Grant{Scope: authz.ScopeWorkspace, Workspace: ws}
	}
	return authz.Grant{Scope: authz.ScopeGlobal}
}

// roleResources are the resource names of the role kinds.
var roleResources = map[string]string{
	"GlobalRole":    iamv1beta1.ResourceGlobalRoles,
	"WorkspaceRole": iamv1beta1.ResourceWorkspaceRoles,
	"ClusterRole":   iamv1beta1.ResourceClusterRoles,
	"Role":          iamv1beta1.ResourceRoles,
}

// roleScopes are the RoleTemplate scopes (iam.kubesphere.io/scope) of the
// role kinds: a roleSelector chooses among templates of its role's scope.
var roleScopes = map[string]string{
	"GlobalRole":    iamv1beta1.ScopeGlobal,
	"WorkspaceRole": iamv1beta1.ScopeWorkspace,
	"ClusterRole":   iamv1beta1.ScopeCluster,
	"Role":          iamv1beta1.ScopeNamespace,
}

func role(ctx context.Context, az *authz.Authorizer, r client.Reader, user authz.User, obj client.Object, kind string, rules []rbacv1.PolicyRule, agg *iamv1beta1.AggregationRoleTemplates, g authz.Grant) (Result, error) {
	name := obj.GetName()
	templates, err := roletemplates.Selected(ctx, r, agg, roleScopes[kind])
	if errors.Is(err, roletemplates.ErrInvalidSelector) {
		return Result{}, &authz.InvalidError{Field: "aggregationRoleTemplates.roleSelector", Reason: err.Error()}
	}
	if err != nil {
		return Result{}, err
	}
	override := ""
	if obj.GetAnnotations()[iamv1beta1.RegoOverrideAnnotation] != "" {
		override = "it carries a rego override (" + iamv1beta1.RegoOverrideAnnotation + ")"
	}
	for _, t := range templates {
		if override == "" && t.Annotations[iamv1beta1.RegoOverrideAnnotation] != "" {
			override = fmt.Sprintf("it aggregates role template %q, whose rego override aggregation copies into it", t.Name)
		}
	}
	if override != "" {
		// What a policy allows cannot be listed, so holding the role's
		// rules is not enough: only the escalate verb on the role allows
		// writing one that carries a policy, or will once aggregated.
		d, err := az.Authorize(ctx, authz.Attributes{User: user, Verb: "escalate", APIGroup: iamv1beta1.GroupName, Resource: roleResources[kind],
			Name: name, Scope: g.Scope, Workspace: g.Workspace, Namespace: g.Namespace})
		if err != nil {
			return Result{}, err
		}
		if !d.Allowed {
			return Result{Reason: fmt.Sprintf("user %q may not write %s %q: %s, which needs the escalate verb on the role", user.Name, kind, name, override)}, nil
		}
		return Result{Allowed: true, Reason: "allowed by the escalate verb on the role"}, nil
	}
	all := slices.Clone(rules)
	for _, t := range templates {
		all = append(all, t.Spec.Rules...)
	}
	check, err := az.CanCreateRole(ctx, user, kind, name, all, g)
	if err != nil {
		return Result{}, err
	}
	if !check.Allowed {
		return Result{Reason: fmt.Sprintf("user %q may not write %s %q: it holds permissions they do not: %s", user.Name, kind, name, check)}, nil
	}
	return Result{Allowed: true, Reason: check.String()}, nil
}

func binding(ctx context.Context, az *authz.Authorizer, user authz.User, ref rbacv1.RoleRef, ns string, g authz.Grant) (Result, error) {
	check, err := az.CanGrant(ctx, user, authz.Ref{APIGroup: iamv1beta1.GroupName, Kind: ref.Kind, Namespace: ns, Name: ref.Name}, g)
	if err != nil {
		var ie *authz.InvalidError
		if errors.As(err, &ie) {
			return Result{Reason: fmt.Sprintf("user %q may not grant %s %q: %s", user.Name, ref.Kind, ref.Name, ie.Reason)}, nil
		}
		return Result{}, err
	}
	if !check.Allowed {
		return Result{Reason: fmt.Sprintf("user %q may not grant %s %q: %s", user.Name, ref.Kind, ref.Name, check)}, nil
	}
	return Result{Allowed: true, Reason: check.String()}, nil
}
