package authz

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// Scope is the level a request acts at. It decides which bindings the
// Authorizer consults.
type Scope string

// The four scopes, from widest to narrowest.
const (
	// ScopeGlobal is the whole platform: users, global roles, the list of
	// workspaces. Only GlobalRoleBindings apply.
	ScopeGlobal Scope = "Global"
	// ScopeCluster is one cluster's cluster-scoped resources (nodes,
	// storage classes, the list of namespaces).
	ScopeCluster Scope = "Cluster"
	// ScopeWorkspace is one workspace and what it holds.
	ScopeWorkspace Scope = "Workspace"
	// ScopeNamespace is one namespace (a project).
	ScopeNamespace Scope = "Namespace"
)

// User is who makes a request, as an authenticator found them.
type User struct {
	Name   string
	Groups []string
	Extra  map[string][]string
}

// Attributes describe one request. Set Resource for a resource request, or
// NonResourcePath for a request to a path such as /healthz.
type Attributes struct {
	User User
	// Verb is a Kubernetes verb (get, list, watch, create, update, patch,
	// delete, deletecollection, or a custom one such as bind); for a
	// non-resource request, the lowercase HTTP method.
	Verb string

	APIGroup    string
	Resource    string
	Subresource string
	Name        string

	// Namespace selects the namespace scope. Its workspace is the one its
	// kubesphere.io/workspace label names; Workspace is not consulted for it.
	Namespace string
	// Workspace selects the workspace scope when Namespace is empty.
	Workspace string
	// Cluster names the cluster the request is for; an Authorizer answers for
	// one cluster and carries it only into explanations.
	Cluster string
	// Scope overrides the scope derived from Namespace and Workspace
	// (Namespace if set, else Workspace if set, else Cluster). Set ScopeGlobal
	// for platform-wide resources; ParseRequest sets it from the path.
	Scope Scope

	// NonResourcePath is the path of a non-resource request; Resource must
	// then be empty.
	NonResourcePath string

	// APIPrefix is the prefix a resource request's path starts with: api,
	// apis or kapis (ParseRequest sets it). Only rego overrides read it:
	// their input's KubernetesRequest is false for kapis, KubeSphere's own
	// API, and true otherwise, empty included.
	APIPrefix string
}

// EffectiveScope is the scope the Authorizer evaluates a: Scope if set,
// else derived from Namespace and Workspace.
func (a *Attributes) EffectiveScope() Scope {
	switch {
	case a.Scope != "":
		return a.Scope
	case a.Namespace != "":
		return ScopeNamespace
	case a.Workspace != "":
		return ScopeWorkspace
	default:
		return ScopeCluster
	}
}

// validate names the first attribute that cannot be evaluated.
func (a *Attributes) validate() error {
	switch {
	case a.Verb == "":
		return &InvalidError{Field: "Verb", Reason: "a verb is required"}
	case a.Resource == "" && a.NonResourcePath == "":
		return &InvalidError{Field: "Resource", Reason: "either Resource or NonResourcePath is required"}
	case a.Resource != "" && a.NonResourcePath != "":
		return &InvalidError{Field: "NonResourcePath", Reason: "a request is either for a resource or for a non-resource path, not both"}
	case a.NonResourcePath != "" && !strings.HasPrefix(a.NonResourcePath, "/"):
		return &InvalidError{Field: "NonResourcePath", Reason: fmt.Sprintf("%q does not start with /", a.NonResourcePath)}
	case strings.Contains(a.Resource, "/"):
		return &InvalidError{Field: "Resource", Reason: fmt.Sprintf("%q contains /; put a subresource in Subresource", a.Resource)}
	}
	return checkScope(a.Scope, a.Workspace, a.Namespace)
}

// checkScope checks that a scope is known and names its workspace or
// namespace ("" is the derived scope of Attributes).
func checkScope(scope Scope, workspace, namespace string) error {
	switch scope {
	case "", ScopeGlobal, ScopeCluster:
	case ScopeWorkspace:
		if workspace == "" {
			return &InvalidError{Field: "Workspace", Reason: "scope Workspace needs a workspace"}
		}
	case ScopeNamespace:
		if namespace == "" {
			return &InvalidError{Field: "Namespace", Reason: "scope Namespace needs a namespace"}
		}
	default:
		return &InvalidError{Field: "Scope", Reason: fmt.Sprintf("unknown scope %q (want Global, Cluster, Workspace or Namespace)", scope)}
	}
	return nil
}

// describe renders the request for explanations: "delete pods/log demo in
// namespace ns".
func (a *Attributes) describe() string {
	var b strings.Builder
	b.WriteString(a.Verb)
	b.WriteByte(' ')
	if a.NonResourcePath != "" {
		b.WriteString(a.NonResourcePath)
		return b.String()
	}
	b.WriteString(a.Resource)
	if a.Subresource != "" {
		b.WriteByte('/')
		b.WriteString(a.Subresource)
	}
	if a.APIGroup != "" {
		b.WriteByte('.')
		b.WriteString(a.APIGroup)
	}
	if a.Name != "" {
		fmt.Fprintf(&b, " %q", a.Name)
	}
	switch a.EffectiveScope() {
	case ScopeGlobal:
		b.WriteString(" on the platform")
	case ScopeCluster:
		b.WriteString(" in the cluster")
	case ScopeWorkspace:
		fmt.Fprintf(&b, " in workspace %q", a.Workspace)
	case ScopeNamespace:
		fmt.Fprintf(&b, " in namespace %q", a.Namespace)
	}
	return b.String()
}

// Ref identifies a role or binding object.
type Ref struct {
	// APIGroup is iam.kubesphere.io or rbac.authorization.k8s.io.
	APIGroup  string
	Kind      string
	Namespace string
	Name      string
}

func (r Ref) String() string {
	if r.Kind == "" {
		return ""
	}
	prefix := r.Kind
	if r.APIGroup == rbacv1.GroupName {
		prefix = r.Kind + ".rbac"
	}
	if r.Namespace != "" {
		return prefix + " " + r.Namespace + "/" + r.Name
	}
	return prefix + " " + r.Name
}

// Decision is the Authorizer's answer with the facts behind it.
type Decision struct {
	Allowed bool
	// Request is what was asked.
	Request Attributes
	// Scope is the scope the request was evaluated at.
	Scope Scope
	// Workspace is the workspace whose bindings were consulted (for a
	// namespace, the one its label names), if any.
	Workspace string

	// For an allowed request: the binding, the subject in it that matched
	// the user, the role it grants and the rule that allowed the request.
	Binding Ref
	Subject rbacv1.Subject
	Role    Ref
	Rule    rbacv1.PolicyRule
	// Override is set when the role's rego override, not a rule, allowed
	// the request (Rule is then empty).
	Override bool

	// Misses are, for a denial from Explain, the user's closest rules: each
	// would allow a request that differs from this one in a few ways.
	Misses []Miss
	// OverrideMisses are, for a denial from Explain, the rego overrides of
	// the roles consulted, in decision order, and why each did not allow.
	OverrideMisses []OverrideMiss
}

// Miss is a rule the user holds that does not allow the request, and how
// the request would have to differ for it to.
type Miss struct {
	Binding Ref
	Role    Ref
	Rule    rbacv1.PolicyRule
	// Differs names what does not match, from: verb, apiGroup, resource,
	// resourceName, nonResourceURL, scope.
	Differs []string
	// Where is the scope the binding grants the rule at, in words.
	Where string
}

// String explains the decision in one or more lines of English.
func (d *Decision) String() string {
	var b strings.Builder
	who := d.Request.User.Name
	if who == "" {
		who = "(no user name)"
	}
	if d.Allowed {
		fmt.Fprintf(&b, "allowed: %s may %s: %s grants %s to %s; ", who, d.Request.describe(), d.Binding, d.Role, subjectString(d.Subject))
		if d.Override {
			fmt.Fprintf(&b, "its rego override (%s) allows it", iamv1beta1.RegoOverrideAnnotation)
		} else {
			fmt.Fprintf(&b, "rule %s", ruleString(d.Rule))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "denied: no binding of %s allows %s", who, d.Request.describe())
	if d.Workspace != "" && d.Scope == ScopeNamespace {
		fmt.Fprintf(&b, " (workspace %q)", d.Workspace)
	}
	for i, m := range d.Misses {
		if i == 0 {
			b.WriteString("; closest:")
		}
		fmt.Fprintf(&b, "\n  %s grants %s %s: rule %s (differs in %s)", m.Binding, m.Role, m.Where, ruleString(m.Rule), strings.Join(m.Differs, ", "))
	}
	for i, m := range d.OverrideMisses {
		if i == 0 {
			b.WriteString("; rego overrides consulted:")
		}
		fmt.Fprintf(&b, "\n  %s grants %s %s: its rego override ", m.Binding, m.Role, m.Where)
		if m.Err != nil {
			fmt.Fprintf(&b, "cannot decide, so it denies: %v", m.Err)
		} else {
			b.WriteString("does not allow it")
		}
	}
	return b.String()
}

func subjectString(s rbacv1.Subject) string {
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		return "ServiceAccount " + s.Namespace + "/" + s.Name
	default:
		return s.Kind + " " + s.Name
	}
}

func ruleString(r rbacv1.PolicyRule) string {
	var parts []string
	add := func(name string, v []string) {
		if len(v) > 0 {
			parts = append(parts, name+"="+strings.Join(v, ","))
		}
	}
	add("verbs", r.Verbs)
	add("apiGroups", quoteEmpty(r.APIGroups))
	add("resources", r.Resources)
	add("resourceNames", r.ResourceNames)
	add("nonResourceURLs", r.NonResourceURLs)
	return "{" + strings.Join(parts, " ") + "}"
}

func quoteEmpty(groups []string) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		if g == "" {
			g = `""`
		}
		out[i] = g
	}
	return out
}
