package authz

import (
	"context"
	"strings"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// Kubernetes adapts az to k8s.io/apiserver's authorizer.Authorizer, for
// servers built on the Kubernetes apiserver library (an aggregated API
// server, a webhook authorizer). Attributes that also report a workspace and
// a scope (methods GetWorkspace and GetResourceScope, as KubeSphere's do) are
// evaluated at that scope; others at the namespace or cluster scope. A
// request no binding allows gets DecisionNoOpinion, so authorizers chained
// after this one still get their say, as with Kubernetes RBAC.
func (az *Authorizer) Kubernetes() authorizer.Authorizer { return kubeAuthorizer{az} }

type kubeAuthorizer struct{ az *Authorizer }

// workspaceAttributes is what KubeSphere's request attributes add.
type workspaceAttributes interface {
	GetWorkspace() string
	GetResourceScope() string
}

func (k kubeAuthorizer) Authorize(ctx context.Context, ka authorizer.Attributes) (authorizer.Decision, string, error) {
	d, err := k.az.Authorize(ctx, fromKube(ka))
	if err != nil {
		return authorizer.DecisionNoOpinion, "", err
	}
	if d.Allowed {
		return authorizer.DecisionAllow, d.String(), nil
	}
	return authorizer.DecisionNoOpinion, d.String(), nil
}

func (k kubeAuthorizer) ConditionsAwareAuthorize(ctx context.Context, a authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.ConditionsAwareDecisionFromParts(k.Authorize(ctx, a))
}

func (k kubeAuthorizer) EvaluateConditions(context.Context, authorizer.ConditionsAwareDecision, authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return authorizer.DecisionDeny, "", authorizer.ErrorConditionEvaluationNotSupported
}

func fromKube(ka authorizer.Attributes) Attributes {
	var u User
	if ui := ka.GetUser(); ui != nil {
		u = userFromInfo(ui)
	}
	a := Attributes{User: u, Verb: ka.GetVerb()}
	if !ka.IsResourceRequest() {
		a.NonResourcePath = ka.GetPath()
		return a
	}
	a.APIGroup, a.Resource, a.Subresource, a.Name, a.Namespace = ka.GetAPIGroup(), ka.GetResource(), ka.GetSubresource(), ka.GetName(), ka.GetNamespace()
	if first, _, _ := strings.Cut(strings.TrimPrefix(ka.GetPath(), "/"), "/"); isAPIPrefix(first) {
		a.APIPrefix = first
	}
	if wa, ok := ka.(workspaceAttributes); ok {
		a.Workspace = wa.GetWorkspace()
		switch s := Scope(wa.GetResourceScope()); s {
		case ScopeGlobal, ScopeCluster, ScopeWorkspace, ScopeNamespace:
			a.Scope = s
		}
	}
	return a
}

func userFromInfo(ui user.Info) User {
	return User{Name: ui.GetName(), Groups: ui.GetGroups(), Extra: ui.GetExtra()}
}
