package authz

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// The query KubeSphere evaluates in a rego override, and the module name it
// gives the policy.
const (
	overrideQuery  = "data.authz.allow"
	overrideModule = "authz.rego"
	// maxPolicyBytes bounds the policy text compiled, so an annotation
	// cannot make indexing a role arbitrarily expensive.
	maxPolicyBytes = 64 << 10
)

// unsafeBuiltins are refused in overrides: an authorization decision must
// not reach the network or read the process's environment. A policy calling
// one fails to compile, which denies what it would have allowed.
var unsafeBuiltins = map[string]struct{}{
	"http.send":          {},
	"net.lookup_ip_addr": {},
	"opa.runtime":        {},
}

// override is one distinct policy text, compiled once and shared by every
// role carrying it. It is immutable after compileOverride.
type override struct {
	query rego.PreparedEvalQuery
	// err is why the policy cannot be evaluated; every evaluation then
	// denies.
	err error
}

// compileOverride prepares policy for evaluation as KubeSphere does: Rego
// v0 syntax (the OPA release KubeSphere v4.1.3 builds with parses policies
// as v0; a policy may still `import rego.v1`), module authz.rego, query
// data.authz.allow.
func compileOverride(policy string) (o *override) {
	o = &override{}
	if len(policy) > maxPolicyBytes {
		o.err = fmt.Errorf("rego override: policy longer than %d bytes", maxPolicyBytes)
		return o
	}
	defer func() {
		if r := recover(); r != nil {
			o.err = fmt.Errorf("rego override: compiling panicked: %v", r)
		}
	}()
	// Compiling reads nothing but the policy text, which is bounded, so it
	// needs no deadline of its own.
	q, err := rego.New(
		rego.Query(overrideQuery),
		rego.Module(overrideModule, policy),
		rego.SetRegoVersion(ast.RegoV0),
		rego.UnsafeBuiltins(unsafeBuiltins),
	).PrepareForEval(context.Background())
	if err != nil {
		o.err = fmt.Errorf("rego override does not compile: %w", err)
		return o
	}
	o.query = q
	return o
}

// allows evaluates the policy for input, bounded by ctx. Only the boolean
// true allows, as in KubeSphere; an undefined or other value does not.
func (o *override) allows(ctx context.Context, input ast.Value) (ok bool, err error) {
	if o.err != nil {
		return false, o.err
	}
	defer func() {
		if r := recover(); r != nil {
			ok, err = false, fmt.Errorf("rego override: evaluation panicked: %v", r)
		}
	}()
	rs, err := o.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return false, fmt.Errorf("rego override fails: %w", err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return false, nil
	}
	allowed, _ := rs[0].Expressions[0].Value.(bool)
	return allowed, nil
}

// overrides caches compiled policies by their text, counting the roles
// that use each so an unused policy is dropped.
type overrides struct {
	byText map[string]*override
	refs   map[string]int
}

func newOverrides() overrides {
	return overrides{byText: map[string]*override{}, refs: map[string]int{}}
}

// acquire returns the compiled policy, compiling it the first time.
func (c *overrides) acquire(policy string) *override {
	o := c.byText[policy]
	if o == nil {
		o = compileOverride(policy)
		c.byText[policy] = o
	}
	c.refs[policy]++
	return o
}

// release drops one use of policy.
func (c *overrides) release(policy string) {
	if c.refs[policy]--; c.refs[policy] <= 0 {
		delete(c.refs, policy)
		delete(c.byText, policy)
	}
}

// clone copies the cache; compiled policies are shared, being immutable.
func (c *overrides) clone() overrides {
	return overrides{byText: maps.Clone(c.byText), refs: maps.Clone(c.refs)}
}

// overridePolicy is the rego override a role object carries, if any. Only
// the iam roles carry one, as in KubeSphere; native RBAC roles never do.
func overridePolicy(obj any) string {
	var annotations map[string]string
	switch o := obj.(type) {
	case *iamv1beta1.GlobalRole:
		annotations = o.Annotations
	case *iamv1beta1.WorkspaceRole:
		annotations = o.Annotations
	case *iamv1beta1.ClusterRole:
		annotations = o.Annotations
	case *iamv1beta1.Role:
		annotations = o.Annotations
	}
	return annotations[iamv1beta1.RegoOverrideAnnotation]
}

// regoInput is a's input document. Its fields and their names are
// KubeSphere's: User (Name, UID, Groups, Extra), Verb, Cluster, Workspace,
// Namespace, APIGroup, APIVersion, Resource, Subresource, Name,
// KubernetesRequest, ResourceRequest, Path and ResourceScope. For a
// non-resource request Verb is the HTTP method in upper case, Path the
// path, and ResourceScope empty, as KubeSphere passes them; for a resource
// request ResourceScope is the scope the request is evaluated at, and
// APIVersion, UID and (for a resource request) Path, which Attributes do not
// carry, are empty.
func regoInput(a *Attributes) ast.Value {
	resource := a.Resource != ""
	verb, path, scope := a.Verb, "", ""
	if resource {
		scope = string(a.EffectiveScope())
	} else {
		verb, path = strings.ToUpper(a.Verb), a.NonResourcePath
	}
	return ast.NewObject(
		ast.Item(ast.InternedTerm("User"), userTerm(&a.User)),
		ast.Item(ast.InternedTerm("Verb"), ast.StringTerm(verb)),
		ast.Item(ast.InternedTerm("Cluster"), ast.StringTerm(a.Cluster)),
		ast.Item(ast.InternedTerm("Workspace"), ast.StringTerm(a.Workspace)),
		ast.Item(ast.InternedTerm("Namespace"), ast.StringTerm(a.Namespace)),
		ast.Item(ast.InternedTerm("APIGroup"), ast.StringTerm(a.APIGroup)),
		ast.Item(ast.InternedTerm("APIVersion"), ast.StringTerm("")),
		ast.Item(ast.InternedTerm("Resource"), ast.StringTerm(a.Resource)),
		ast.Item(ast.InternedTerm("Subresource"), ast.StringTerm(a.Subresource)),
		ast.Item(ast.InternedTerm("Name"), ast.StringTerm(a.Name)),
		ast.Item(ast.InternedTerm("KubernetesRequest"), ast.BooleanTerm(a.kubernetesRequest())),
		ast.Item(ast.InternedTerm("ResourceRequest"), ast.BooleanTerm(resource)),
		ast.Item(ast.InternedTerm("Path"), ast.StringTerm(path)),
		ast.Item(ast.InternedTerm("ResourceScope"), ast.StringTerm(scope)),
	)
}

// kubernetesRequest is KubeSphere's IsKubernetesRequest: the request is
// for the Kubernetes API (/api, /apis), not KubeSphere's own (/kapis) or
// another path.
func (a *Attributes) kubernetesRequest() bool {
	if a.Resource != "" {
		return a.APIPrefix != "kapis"
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(a.NonResourcePath, "/"), "/")
	return first == "api" || first == "apis"
}

// userTerm is a user in the JSON form of Kubernetes' user.DefaultInfo,
// null for what is unset.
func userTerm(u *User) *ast.Term {
	groups := ast.InternedNullTerm
	if u.Groups != nil {
		ts := make([]*ast.Term, len(u.Groups))
		for i, g := range u.Groups {
			ts[i] = ast.StringTerm(g)
		}
		groups = ast.ArrayTerm(ts...)
	}
	extra := ast.InternedNullTerm
	if u.Extra != nil {
		items := make([][2]*ast.Term, 0, len(u.Extra))
		for k, vs := range u.Extra {
			v := ast.InternedNullTerm
			if vs != nil {
				ts := make([]*ast.Term, len(vs))
				for i, s := range vs {
					ts[i] = ast.StringTerm(s)
				}
				v = ast.ArrayTerm(ts...)
			}
			items = append(items, ast.Item(ast.StringTerm(k), v))
		}
		extra = ast.ObjectTerm(items...)
	}
	return ast.ObjectTerm(
		ast.Item(ast.InternedTerm("Name"), ast.StringTerm(u.Name)),
		ast.Item(ast.InternedTerm("UID"), ast.StringTerm("")),
		ast.Item(ast.InternedTerm("Groups"), groups),
		ast.Item(ast.InternedTerm("Extra"), extra),
	)
}

// OverrideMiss is a role's rego override (the RegoOverrideAnnotation of
// package iam v1beta1) that Explain consulted for a denied request and that
// did not allow it.
type OverrideMiss struct {
	Binding Ref
	Role    Ref
	// Where is the scope the binding grants the role at, in words.
	Where string
	// Err is why the policy could not decide: it does not compile, uses a
	// refused built-in (http.send, net.lookup_ip_addr, opa.runtime) or
	// failed or was cancelled while evaluating. Nil when it evaluated to
	// anything but true.
	Err error
}
