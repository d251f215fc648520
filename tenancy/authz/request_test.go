package authz

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

func TestParseRequestInfo(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		query  string
		want   RequestInfo
	}{
		{"non-resource", "GET", "/healthz", "", RequestInfo{Verb: "get"}},
		{"root", "GET", "/", "", RequestInfo{Verb: "get"}},
		{"discovery of a group version", "GET", "/apis/apps/v1", "", RequestInfo{Verb: "get", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1"}},
		{"core list", "GET", "/api/v1/namespaces/demo/pods", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace}},
		{"core get", "GET", "/api/v1/namespaces/demo/pods/web", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "pods", Name: "web", Scope: ScopeNamespace}},
		{"subresource", "GET", "/api/v1/namespaces/demo/pods/web/log", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "pods", Name: "web", Subresource: "log", Scope: ScopeNamespace}},
		{"watch by query", "GET", "/apis/apps/v1/namespaces/demo/deployments", "watch=true", RequestInfo{IsResourceRequest: true, Verb: "watch", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Namespace: "demo", Resource: "deployments", Scope: ScopeNamespace}},
		{"legacy watch path", "GET", "/api/v1/watch/namespaces/demo/pods", "", RequestInfo{IsResourceRequest: true, Verb: "watch", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace}},
		{"create", "POST", "/api/v1/namespaces/demo/configmaps", "", RequestInfo{IsResourceRequest: true, Verb: "create", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "configmaps", Scope: ScopeNamespace}},
		{"update", "PUT", "/api/v1/namespaces/demo/configmaps/c", "", RequestInfo{IsResourceRequest: true, Verb: "update", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "configmaps", Name: "c", Scope: ScopeNamespace}},
		{"patch", "PATCH", "/api/v1/namespaces/demo/configmaps/c", "", RequestInfo{IsResourceRequest: true, Verb: "patch", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "configmaps", Name: "c", Scope: ScopeNamespace}},
		{"delete", "DELETE", "/api/v1/namespaces/demo/configmaps/c", "", RequestInfo{IsResourceRequest: true, Verb: "delete", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "configmaps", Name: "c", Scope: ScopeNamespace}},
		{"deletecollection", "DELETE", "/api/v1/namespaces/demo/configmaps", "", RequestInfo{IsResourceRequest: true, Verb: "deletecollection", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "configmaps", Scope: ScopeNamespace}},
		{"namespace itself", "GET", "/api/v1/namespaces/demo", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "namespaces", Name: "demo", Scope: ScopeNamespace}},
		{"namespace status", "PUT", "/api/v1/namespaces/demo/status", "", RequestInfo{IsResourceRequest: true, Verb: "update", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "namespaces", Name: "demo", Subresource: "status", Scope: ScopeNamespace}},
		{"cluster-scoped", "GET", "/api/v1/nodes", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Resource: "nodes", Scope: ScopeCluster}},
		{"list namespaces", "GET", "/api/v1/namespaces", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Resource: "namespaces", Scope: ScopeCluster}},
		{"name from field selector", "GET", "/api/v1/namespaces/demo/pods", "fieldSelector=metadata.name%3Dweb", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Namespace: "demo", Resource: "pods", Name: "web", Scope: ScopeNamespace}},
		{"cluster prefix", "GET", "/apis/clusters/member/apps/v1/namespaces/demo/deployments/web", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Cluster: "member", Namespace: "demo", Resource: "deployments", Name: "web", Scope: ScopeNamespace, Path: "/apis/apps/v1/namespaces/demo/deployments/web"}},
		{"kapis with cluster", "GET", "/kapis/clusters/host/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "resources.kubesphere.io", APIVersion: "v1alpha3", Cluster: "host", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace, Path: "/kapis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods"}},
		{"global: users", "GET", "/kapis/iam.kubesphere.io/v1beta1/users", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "iam.kubesphere.io", APIVersion: "v1beta1", Resource: "users", Scope: ScopeGlobal}},
		{"global: globalroles", "GET", "/kapis/iam.kubesphere.io/v1beta1/globalroles/platform-admin", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "kapis", APIGroup: "iam.kubesphere.io", APIVersion: "v1beta1", Resource: "globalroles", Name: "platform-admin", Scope: ScopeGlobal}},
		{"global: globalrolebindings", "POST", "/apis/iam.kubesphere.io/v1beta1/globalrolebindings", "", RequestInfo{IsResourceRequest: true, Verb: "create", APIPrefix: "apis", APIGroup: "iam.kubesphere.io", APIVersion: "v1beta1", Resource: "globalrolebindings", Scope: ScopeGlobal}},
		{"global: clusters", "GET", "/apis/cluster.kubesphere.io/v1alpha1/clusters", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "apis", APIGroup: "cluster.kubesphere.io", APIVersion: "v1alpha1", Resource: "clusters", Scope: ScopeGlobal}},
		{"list workspaces is global", "GET", "/kapis/tenant.kubesphere.io/v1beta1/workspaces", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "tenant.kubesphere.io", APIVersion: "v1beta1", Resource: "workspaces", Scope: ScopeGlobal}},
		{"one workspace is workspace-scoped", "GET", "/kapis/tenant.kubesphere.io/v1beta1/workspaces/ws1", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "kapis", APIGroup: "tenant.kubesphere.io", APIVersion: "v1beta1", Workspace: "ws1", Resource: "workspaces", Name: "ws1", Scope: ScopeWorkspace}},
		{"workspacetemplates segment", "GET", "/kapis/tenant.kubesphere.io/v1beta1/workspacetemplates/ws1/namespaces", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "tenant.kubesphere.io", APIVersion: "v1beta1", Workspace: "ws1", Resource: "namespaces", Scope: ScopeWorkspace}},
		{"users under a workspace", "GET", "/kapis/iam.kubesphere.io/v1beta1/workspaces/ws1/users", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "iam.kubesphere.io", APIVersion: "v1beta1", Workspace: "ws1", Resource: "users", Scope: ScopeWorkspace}},
		{"namespace under a workspace", "GET", "/kapis/tenant.kubesphere.io/v1beta1/workspaces/ws1/namespaces/demo/pods", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "tenant.kubesphere.io", APIVersion: "v1beta1", Workspace: "ws1", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace}},
		{"watch promoted to workspace", "GET", "/api/v1/namespaces", "watch=true&labelSelector=kubesphere.io%2Fworkspace%3Dws1", RequestInfo{IsResourceRequest: true, Verb: "watch", APIPrefix: "api", APIVersion: "v1", Workspace: "ws1", Resource: "namespaces", Scope: ScopeWorkspace}},
		{"list not promoted", "GET", "/api/v1/namespaces", "labelSelector=kubesphere.io%2Fworkspace%3Dws1", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Resource: "namespaces", Scope: ScopeCluster}},
		{"watch with a set of workspaces not promoted", "GET", "/api/v1/namespaces", "watch=1&labelSelector=kubesphere.io%2Fworkspace+in+%28a%2Cb%29", RequestInfo{IsResourceRequest: true, Verb: "watch", APIPrefix: "api", APIVersion: "v1", Resource: "namespaces", Scope: ScopeCluster}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			got, err := ParseRequestInfo(tt.method, tt.path, q)
			require.NoError(t, err)
			if tt.want.Path == "" {
				tt.want.Path = tt.path
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(RequestInfo{}, "Parts")); diff != "" {
				t.Errorf("ParseRequestInfo(%s %s?%s) (-want +got):\n%s", tt.method, tt.path, tt.query, diff)
			}
		})
	}
}

// TestParseRequestInfoClusterForms parses KubeSphere 4.x's cluster-first
// paths beside the 3.x form of the same request: both must give the same
// RequestInfo, with the cluster set and the path behind the cluster segments.
func TestParseRequestInfoClusterForms(t *testing.T) {
	tests := []struct {
		name   string
		method string
		v4, v3 string // v3 "" when 3.x has no such form
		query  string
		want   RequestInfo
	}{
		{"core list", "GET", "/clusters/member/api/v1/namespaces/demo/pods", "/api/clusters/member/v1/namespaces/demo/pods", "",
			RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "api", APIVersion: "v1", Cluster: "member", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace, Path: "/api/v1/namespaces/demo/pods"}},
		{"cluster-scoped get", "GET", "/clusters/member/api/v1/nodes/n1", "/api/clusters/member/v1/nodes/n1", "",
			RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "api", APIVersion: "v1", Cluster: "member", Resource: "nodes", Name: "n1", Scope: ScopeCluster, Path: "/api/v1/nodes/n1"}},
		{"apis delete", "DELETE", "/clusters/host/apis/apps/v1/namespaces/demo/deployments/web", "/apis/clusters/host/apps/v1/namespaces/demo/deployments/web", "",
			RequestInfo{IsResourceRequest: true, Verb: "delete", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Cluster: "host", Namespace: "demo", Resource: "deployments", Name: "web", Scope: ScopeNamespace, Path: "/apis/apps/v1/namespaces/demo/deployments/web"}},
		{"apis watch path", "GET", "/clusters/host/api/v1/watch/namespaces/demo/pods", "/api/clusters/host/v1/watch/namespaces/demo/pods", "",
			RequestInfo{IsResourceRequest: true, Verb: "watch", APIPrefix: "api", APIVersion: "v1", Cluster: "host", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace, Path: "/api/v1/watch/namespaces/demo/pods"}},
		{"kapis workspace", "GET", "/clusters/host/kapis/tenant.kubesphere.io/v1beta1/workspaces/ws1/namespaces", "/kapis/clusters/host/tenant.kubesphere.io/v1beta1/workspaces/ws1/namespaces", "",
			RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "tenant.kubesphere.io", APIVersion: "v1beta1", Cluster: "host", Workspace: "ws1", Resource: "namespaces", Scope: ScopeWorkspace, Path: "/kapis/tenant.kubesphere.io/v1beta1/workspaces/ws1/namespaces"}},
		{"kapis global resource", "GET", "/clusters/member/kapis/iam.kubesphere.io/v1beta1/users/alice", "/kapis/clusters/member/iam.kubesphere.io/v1beta1/users/alice", "",
			RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "kapis", APIGroup: "iam.kubesphere.io", APIVersion: "v1beta1", Cluster: "member", Resource: "users", Name: "alice", Scope: ScopeGlobal, Path: "/kapis/iam.kubesphere.io/v1beta1/users/alice"}},
		{"watch promoted to workspace", "GET", "/clusters/member/api/v1/namespaces", "/api/clusters/member/v1/namespaces", "watch=true&labelSelector=kubesphere.io%2Fworkspace%3Dws1",
			RequestInfo{IsResourceRequest: true, Verb: "watch", APIPrefix: "api", APIVersion: "v1", Cluster: "member", Workspace: "ws1", Resource: "namespaces", Scope: ScopeWorkspace, Path: "/api/v1/namespaces"}},
		{"discovery", "GET", "/clusters/member/apis/apps/v1", "/apis/clusters/member/apps/v1", "",
			RequestInfo{Verb: "get", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Cluster: "member", Path: "/apis/apps/v1"}},
		{"trailing slash kept", "GET", "/clusters/member/api/v1/", "/api/clusters/member/v1/", "",
			RequestInfo{Verb: "get", APIPrefix: "api", APIVersion: "v1", Cluster: "member", Path: "/api/v1/"}},
		{"non-resource in a cluster", "GET", "/clusters/member/healthz", "", "",
			RequestInfo{Verb: "get", Cluster: "member", Path: "/healthz"}},
		{"the 4.x form wins over a 3.x segment after it", "GET", "/clusters/a/apis/clusters/b/v1/things", "", "",
			RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "apis", APIGroup: "clusters", APIVersion: "b", Cluster: "a", Resource: "v1", Name: "things", Scope: ScopeCluster, Path: "/apis/clusters/b/v1/things"}},
		{"/clusters/{c} alone is no cluster request", "GET", "/clusters/member", "", "",
			RequestInfo{Verb: "get", Path: "/clusters/member"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			for _, path := range []string{tt.v4, tt.v3} {
				if path == "" {
					continue
				}
				got, err := ParseRequestInfo(tt.method, path, q)
				require.NoError(t, err)
				if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(RequestInfo{}, "Parts")); diff != "" {
					t.Errorf("ParseRequestInfo(%s %s?%s) (-want +got):\n%s", tt.method, path, tt.query, diff)
				}
			}
		})
	}
}

// TestClusterFormsDecideAlike is the case: a global viewer may read a
// cluster's resources on the 4.x path exactly as on the 3.x one, and a
// denial stays a denial on both.
func TestClusterFormsDecideAlike(t *testing.T) {
	az, err := NewFromObjects(
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "platform-viewer"}, Rules: []rbacv1.PolicyRule{rule(s("get", "list", "watch"), s("*"), s("*"))}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "vera"}, Subjects: []rbacv1.Subject{userSubject("vera")}, RoleRef: iamRef("GlobalRole", "platform-viewer")},
	)
	require.NoError(t, err)
	tests := []struct {
		method, v4, v3 string
		allowed        bool
	}{
		{"GET", "/clusters/member/api/v1/nodes", "/api/clusters/member/v1/nodes", true},
		{"GET", "/clusters/member/apis/apps/v1/namespaces/demo/deployments/web", "/apis/clusters/member/apps/v1/namespaces/demo/deployments/web", true},
		{"GET", "/clusters/member/kapis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", "/kapis/clusters/member/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", true},
		{"DELETE", "/clusters/member/api/v1/namespaces/demo/pods/p", "/api/clusters/member/v1/namespaces/demo/pods/p", false},
	}
	for _, tt := range tests {
		var decisions []Decision
		for _, path := range []string{tt.v4, tt.v3} {
			ri, err := ParseRequestInfo(tt.method, path, nil)
			require.NoError(t, err)
			d, err := az.Authorize(t.Context(), ri.Attributes(User{Name: "vera"}))
			require.NoError(t, err)
			assert.Equal(t, tt.allowed, d.Allowed, "%s %s: %s", tt.method, path, d.String())
			assert.Equal(t, "member", d.Request.Cluster, path)
			decisions = append(decisions, d)
		}
		assert.Equal(t, decisions[0], decisions[1], "%s: the 4.x and 3.x forms decide differently", tt.v4)
	}
}

func TestParseRequestInfoRefuses(t *testing.T) {
	tests := []struct {
		name, method, path, query, field string
	}{
		{"relative path", "GET", "api/v1/pods", "", "path"},
		{"empty segment", "GET", "/api/v1//pods", "", "path"},
		{"dot dot", "GET", "/api/v1/namespaces/../pods", "", "path"},
		{"unknown method", "TRACE", "/api/v1/pods", "", "method"},
		{"watch path with POST", "POST", "/api/v1/watch/pods", "", "method"},
		{"watch path without a resource", "GET", "/api/v1/watch", "", "path"},
		{"bad field selector", "GET", "/api/v1/pods", "fieldSelector=a%3D%3D%3Db%3D", "fieldSelector"},
		{"bad label selector", "GET", "/api/v1/namespaces", "watch=true&labelSelector=%21%21", "labelSelector"},
		{"4.x form with an empty segment", "GET", "/clusters/c//api/v1/pods", "", "path"},
		{"4.x form with dot dot", "GET", "/clusters/c/../api/v1/pods", "", "path"},
		{"4.x form, unknown method", "TRACE", "/clusters/c/api/v1/pods", "", "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			require.NoError(t, err)
			_, err = ParseRequestInfo(tt.method, tt.path, q)
			var ie *InvalidError
			require.True(t, errors.As(err, &ie), "want *InvalidError, got %v", err)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

func FuzzParseRequestInfo(f *testing.F) {
	f.Add("GET", "/kapis/clusters/host/tenant.kubesphere.io/v1beta1/workspaces/ws/namespaces/demo/pods/p/log", "watch=true&labelSelector=kubesphere.io%2Fworkspace%3Dws")
	f.Add("DELETE", "/api/v1/namespaces/demo/configmaps", "fieldSelector=metadata.name%3Dx")
	f.Add("GET", "/apis/clusters", "")
	f.Add("GET", "/api/v1/watch/namespaces", "")
	f.Add("GET", "/clusters/member/apis/apps/v1/namespaces/demo/deployments/web", "")
	f.Add("PUT", "/clusters/member/kapis/iam.kubesphere.io/v1beta1/workspaces/ws/users/u/", "")
	f.Add("GET", "/clusters/member/healthz", "")
	f.Fuzz(func(t *testing.T, method, path, rawQuery string) {
		q, _ := url.ParseQuery(rawQuery)
		ri, err := ParseRequestInfo(method, path, q)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InvalidError", err)
			}
			return
		}
		// A 4.x cluster-first path parses as its 3.x form does.
		if ri.Cluster != "" && strings.HasPrefix(path, "/clusters/") && isAPIPrefix(ri.APIPrefix) {
			rest := strings.TrimPrefix(ri.Path, "/"+ri.APIPrefix)
			v3 := "/" + ri.APIPrefix + "/clusters/" + ri.Cluster + rest
			ri3, err := ParseRequestInfo(method, v3, q)
			if err != nil {
				t.Fatalf("%s parses but its 3.x form %s does not: %v", path, v3, err)
			}
			if diff := cmp.Diff(ri, ri3); diff != "" {
				t.Fatalf("%s and its 3.x form %s differ (-4.x +3.x):\n%s", path, v3, diff)
			}
		}
		a := ri.Attributes(User{Name: "u"})
		if ri.IsResourceRequest {
			if ri.Resource == "" {
				t.Fatalf("resource request without a resource: %+v", ri)
			}
			if ri.Scope == ScopeNamespace && ri.Namespace == "" || ri.Scope == ScopeWorkspace && ri.Workspace == "" {
				t.Fatalf("scope %s without its target: %+v", ri.Scope, ri)
			}
		}
		// Whatever parses must be something the Authorizer can evaluate or
		// refuse with a typed error, never a panic.
		az, _ := NewFromObjects()
		if _, err := az.Authorize(t.Context(), a); err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("Authorize error %v is not an *InvalidError", err)
			}
		}
	})
}
