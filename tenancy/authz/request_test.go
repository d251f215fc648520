package authz

import (
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		{"cluster prefix", "GET", "/apis/clusters/member/apps/v1/namespaces/demo/deployments/web", "", RequestInfo{IsResourceRequest: true, Verb: "get", APIPrefix: "apis", APIGroup: "apps", APIVersion: "v1", Cluster: "member", Namespace: "demo", Resource: "deployments", Name: "web", Scope: ScopeNamespace}},
		{"kapis with cluster", "GET", "/kapis/clusters/host/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", "", RequestInfo{IsResourceRequest: true, Verb: "list", APIPrefix: "kapis", APIGroup: "resources.kubesphere.io", APIVersion: "v1alpha3", Cluster: "host", Namespace: "demo", Resource: "pods", Scope: ScopeNamespace}},
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
			tt.want.Path = tt.path
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(RequestInfo{}, "Parts")); diff != "" {
				t.Errorf("ParseRequestInfo(%s %s?%s) (-want +got):\n%s", tt.method, tt.path, tt.query, diff)
			}
		})
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
