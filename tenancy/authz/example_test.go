package authz_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/spherekit/spherekit/tenancy/authz"
)

const examplePolicy = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {kubesphere.io/workspace: retail}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: Role
metadata: {name: operator, namespace: shop}
rules:
- {verbs: [get, list, update], apiGroups: [apps], resources: [deployments, deployments/scale]}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: RoleBinding
metadata: {name: bob-operator, namespace: shop}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
roleRef: {apiGroup: iam.kubesphere.io, kind: Role, name: operator}
`

// The offline engine: decide from YAML with no cluster, with the reason.
func ExampleAuthorizer_Explain() {
	objs, err := authz.DecodeObjects(strings.NewReader(examplePolicy))
	if err != nil {
		panic(err)
	}
	az, err := authz.NewFromObjects(objs...)
	if err != nil {
		panic(err)
	}
	bob := authz.User{Name: "bob"}
	for _, verb := range []string{"update", "delete"} {
		d, err := az.Explain(context.Background(), authz.Attributes{User: bob, Verb: verb, APIGroup: "apps", Resource: "deployments", Name: "web", Namespace: "shop"})
		if err != nil {
			panic(err)
		}
		fmt.Println(d.String())
	}
	// Output:
	// allowed: bob may update deployments.apps "web" in namespace "shop": RoleBinding shop/bob-operator grants Role shop/operator to User bob; rule {verbs=get,list,update apiGroups=apps resources=deployments,deployments/scale}
	// denied: no binding of bob allows delete deployments.apps "web" in namespace "shop" (workspace "retail"); closest:
	//   RoleBinding shop/bob-operator grants Role shop/operator in namespace "shop": rule {verbs=get,list,update apiGroups=apps resources=deployments,deployments/scale} (differs in verb)
}

func ExampleParseRequestInfo() {
	q := url.Values{"watch": {"true"}}
	// KubeSphere 4.x names the cluster first; 3.x after the API prefix.
	for _, path := range []string{
		"/clusters/host/kapis/apps/v1/workspaces/retail/namespaces/shop/deployments",
		"/kapis/clusters/host/apps/v1/workspaces/retail/namespaces/shop/deployments",
	} {
		ri, err := authz.ParseRequestInfo("GET", path, q)
		if err != nil {
			panic(err)
		}
		fmt.Println(ri.Verb, ri.Resource, ri.Cluster, ri.Workspace, ri.Namespace, ri.Scope, ri.Path)
	}
	ri, _ := authz.ParseRequestInfo("GET", "/kapis/iam.kubesphere.io/v1beta1/users", nil)
	fmt.Println(ri.Verb, ri.Resource, ri.Scope)
	// Output:
	// watch deployments host retail shop Namespace /kapis/apps/v1/workspaces/retail/namespaces/shop/deployments
	// watch deployments host retail shop Namespace /kapis/apps/v1/workspaces/retail/namespaces/shop/deployments
	// list users Global
}

// What would bob gain from a second role in shop?
func ExampleAuthorizer_WhatIf() {
	objs, _ := authz.DecodeObjects(strings.NewReader(examplePolicy))
	az, _ := authz.NewFromObjects(objs...)
	change, _ := authz.DecodeObjects(strings.NewReader(`
apiVersion: iam.kubesphere.io/v1beta1
kind: RoleBinding
metadata: {name: bob-viewer, namespace: shop}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}]
roleRef: {apiGroup: iam.kubesphere.io, kind: Role, name: viewer}
---
apiVersion: iam.kubesphere.io/v1beta1
kind: Role
metadata: {name: viewer, namespace: shop}
rules:
- {verbs: [get, list], apiGroups: [""], resources: [pods, pods/log]}
`))
	diff, err := az.WhatIf(context.Background(), authz.Change{Apply: change})
	if err != nil {
		panic(err)
	}
	for _, c := range diff {
		for _, p := range c.Gained {
			fmt.Printf("%s %s gains %s\n", c.Subject.Kind, c.Subject.Name, p)
		}
	}
	// Output:
	// User bob gains get pods in namespace "shop"
	// User bob gains get pods/log in namespace "shop"
	// User bob gains list pods in namespace "shop"
	// User bob gains list pods/log in namespace "shop"
}

func ExampleAuthorizer_CanGrant() {
	objs, _ := authz.DecodeObjects(strings.NewReader(examplePolicy))
	az, _ := authz.NewFromObjects(objs...)
	check, err := az.CanGrant(context.Background(), authz.User{Name: "bob"},
		authz.Ref{Kind: "Role", Namespace: "shop", Name: "operator"},
		authz.Grant{Scope: authz.ScopeNamespace, Namespace: "shop"})
	if err != nil {
		panic(err)
	}
	fmt.Println(check.Allowed, check)
	check, _ = az.CanGrant(context.Background(), authz.User{Name: "eve"},
		authz.Ref{Kind: "Role", Namespace: "shop", Name: "operator"},
		authz.Grant{Scope: authz.ScopeNamespace, Namespace: "shop"})
	fmt.Println(check.Allowed, len(check.Missing))
	// Output:
	// true allowed: the granter holds every permission of the role
	// false 6
}

func ExampleAuthorizer_VisibleProjects() {
	objs, _ := authz.DecodeObjects(strings.NewReader(examplePolicy))
	az, _ := authz.NewFromObjects(objs...)
	fmt.Println(az.VisibleWorkspaces(context.Background(), authz.User{Name: "bob"}).Names)
	fmt.Println(az.VisibleProjects(context.Background(), authz.User{Name: "bob"}, "retail").Names)
	// Output:
	// [retail]
	// [shop]
}

// Serve SubjectAccessReviews to a portal. Each caller is answered about
// themselves as the portal's authentication knows them, whatever groups the
// question claims; asking about anyone else needs the right to create
// subjectaccessreviews.
func ExampleAuthorizer_Handler() {
	objs, _ := authz.DecodeObjects(strings.NewReader(examplePolicy))
	az, _ := authz.NewFromObjects(objs...)
	h, err := az.Handler(authz.HandlerOptions{Caller: func(r *http.Request) (authz.User, error) {
		// The portal's own authentication; a trusted proxy's header here.
		return authz.User{Name: r.Header.Get("X-Remote-User")}, nil
	}})
	if err != nil {
		panic(err)
	}
	ask := func(caller, user string, groups ...string) {
		body, _ := json.Marshal(map[string]any{
			"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
			"spec": map[string]any{"user": user, "groups": groups, "resourceAttributes": map[string]string{
				"verb": "update", "group": "apps", "resource": "deployments", "namespace": "shop",
			}},
		})
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		req.Header.Set("X-Remote-User", caller)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var answer struct {
			Spec struct {
				User   string   `json:"user"`
				Groups []string `json:"groups"`
			} `json:"spec"`
			Status struct {
				Allowed bool `json:"allowed"`
			} `json:"status"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &answer)
		fmt.Println(rec.Code, answer.Spec.User, answer.Spec.Groups, answer.Status.Allowed)
	}
	ask("bob", "bob", "platform-admins") // the group is ignored: bob as he is
	ask("bob", "eve")                    // about someone else: forbidden
	// Output:
	// 201 bob [] true
	// 403  [] false
}

// A rego override (iam.kubesphere.io/rego-override) lets every signed-in
// user read their own User object, as KubeSphere's authenticated role does.
func ExampleAuthorizer_Explain_regoOverride() {
	objs, err := authz.DecodeObjects(strings.NewReader(`
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRole
metadata:
  name: authenticated
  annotations:
    iam.kubesphere.io/rego-override: |-
      package authz
      default allow = false
      allow = true {
        input.Resource == "users"
        input.User.Name == input.Name
      }
---
apiVersion: iam.kubesphere.io/v1beta1
kind: GlobalRoleBinding
metadata: {name: authenticated}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:authenticated"}]
roleRef: {apiGroup: iam.kubesphere.io, kind: GlobalRole, name: authenticated}
`))
	if err != nil {
		panic(err)
	}
	az, err := authz.NewFromObjects(objs...)
	if err != nil {
		panic(err)
	}
	ann := authz.User{Name: "ann", Groups: []string{"system:authenticated"}}
	for _, name := range []string{"ann", "bob"} {
		ri, err := authz.ParseRequestInfo("GET", "/kapis/iam.kubesphere.io/v1beta1/users/"+name, nil)
		if err != nil {
			panic(err)
		}
		d, err := az.Explain(context.Background(), ri.Attributes(ann))
		if err != nil {
			panic(err)
		}
		fmt.Println(d.String())
	}
	// Output:
	// allowed: ann may get users.iam.kubesphere.io "ann" on the platform: GlobalRoleBinding authenticated grants GlobalRole authenticated to Group system:authenticated; its rego override (iam.kubesphere.io/rego-override) allows it
	// denied: no binding of ann allows get users.iam.kubesphere.io "bob" on the platform; rego overrides consulted:
	//   GlobalRoleBinding authenticated grants GlobalRole authenticated on the platform: its rego override does not allow it
}
