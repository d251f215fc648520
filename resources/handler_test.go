package resources_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/spherekit/spherekit/resources"
)

// TestHandler serves the resources API over the test cache and checks
// routing, bodies, status codes and what the Authorizer is asked.
func TestHandler(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	for _, name := range []string{"a", "b", "c"} {
		cm := configMap(ns, name, map[string]string{"app": "x"}, nil, nil)
		create(t, cm)
		synced(t, cm)
	}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec:       appsv1.DeploymentSpec{Selector: selector("web"), Template: podTemplate("web")},
	}
	create(t, d)
	synced(t, d)

	httpClient, err := rest.HTTPClientFor(env.Config)
	require.NoError(t, err)
	mapper, err := apiutil.NewDynamicRESTMapper(env.Config, httpClient)
	require.NoError(t, err)
	var mu sync.Mutex
	var asked []resources.ResourceAttributes
	h, err := resources.NewHandler(resources.HandlerOptions{
		Reader: cc,
		Mapper: mapper,
		Scheme: env.Scheme,
		Authorizer: resources.AuthorizerFunc(func(_ context.Context, r *http.Request, a resources.ResourceAttributes) error {
			mu.Lock()
			asked = append(asked, a)
			mu.Unlock()
			if r.Header.Get("X-User") == "mallory" {
				return errors.New(`user "mallory" cannot ` + a.Verb + " " + a.Resource)
			}
			return nil
		}),
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	base := srv.URL + resources.PathPrefix
	tests := []struct {
		name     string
		method   string
		path     string
		user     string
		code     int
		contains []string
		attrs    *resources.ResourceAttributes
	}{
		{name: "list page", path: "namespaces/" + ns + "/configmaps?sortBy=name&ascending=true&limit=2&page=2", code: 200,
			contains: []string{`"totalItems":3`, `"name":"c"`, `"kind":"ConfigMap"`},
			attrs:    &resources.ResourceAttributes{Verb: "list", Resource: "configmaps", Namespace: ns}},
		{name: "list across namespaces", path: "configmaps?labelSelector=app%3Dx&fieldSelector=metadata.namespace%3D" + ns, code: 200,
			contains: []string{`"totalItems":3`},
			attrs:    &resources.ResourceAttributes{Verb: "list", Resource: "configmaps"}},
		{name: "list in an api group", path: "namespaces/" + ns + "/deployments?status=updating", code: 200,
			contains: []string{`"totalItems":1`, `"kind":"Deployment"`, `"apiVersion":"apps/v1"`},
			attrs:    &resources.ResourceAttributes{Verb: "list", APIGroup: "apps", Resource: "deployments", Namespace: ns}},
		{name: "get", path: "namespaces/" + ns + "/configmaps/b", code: 200,
			contains: []string{`"name":"b"`, `"kind":"ConfigMap"`},
			attrs:    &resources.ResourceAttributes{Verb: "get", Resource: "configmaps", Namespace: ns, Name: "b"}},
		{name: "get cluster-scoped", path: "namespaces/" + ns, code: 200,
			contains: []string{`"kind":"Namespace"`},
			attrs:    &resources.ResourceAttributes{Verb: "get", Resource: "namespaces", Name: ns}},
		{name: "empty list", path: "namespaces/" + ns + "/secrets?name=nothing", code: 200,
			contains: []string{`"items":[]`, `"totalItems":0`}},
		{name: "forbidden", path: "namespaces/" + ns + "/configmaps", user: "mallory", code: 403,
			contains: []string{`"kind":"Status"`, `"reason":"Forbidden"`, `cannot list configmaps`}},
		{name: "forbidden before not found", path: "namespaces/" + ns + "/configmaps/nope", user: "mallory", code: 403},
		{name: "bad limit", path: "namespaces/" + ns + "/configmaps?limit=-1", code: 400,
			contains: []string{`"reason":"BadRequest"`, `invalid limit`}},
		{name: "bad field selector", path: "configmaps?fieldSelector=metadata.name", code: 400},
		{name: "status on a kind without it", path: "namespaces/" + ns + "/configmaps?status=running", code: 400},
		{name: "namespaced get without namespace", path: "configmaps/b", code: 400},
		{name: "unknown resource", path: "widgets", code: 404, contains: []string{`"reason":"NotFound"`}},
		{name: "missing object", path: "namespaces/" + ns + "/configmaps/nope", code: 404},
		{name: "cluster-scoped under a namespace", path: "namespaces/" + ns + "/nodes", code: 404},
		{name: "too deep", path: "namespaces/" + ns + "/configmaps/b/extra", code: 404},
		{name: "post", method: http.MethodPost, path: "namespaces/" + ns + "/configmaps", code: 405, contains: []string{`"reason":"MethodNotAllowed"`}},
		{name: "delete", method: http.MethodDelete, path: "namespaces/" + ns + "/configmaps/b", code: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			asked = nil
			mu.Unlock()
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequest(method, base+tt.path, nil)
			require.NoError(t, err)
			if tt.user != "" {
				req.Header.Set("X-User", tt.user)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, tt.code, resp.StatusCode, "body: %s", body)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			for _, s := range tt.contains {
				assert.Contains(t, string(body), s)
			}
			if tt.code != 200 {
				var st metav1.Status
				require.NoError(t, json.Unmarshal(body, &st))
				assert.Equal(t, int32(tt.code), st.Code)
				assert.Equal(t, metav1.StatusFailure, st.Status)
			}
			if tt.attrs != nil {
				mu.Lock()
				assert.Equal(t, []resources.ResourceAttributes{*tt.attrs}, asked)
				mu.Unlock()
			}
		})
	}

	t.Run("list body decodes", func(t *testing.T) {
		resp, err := srv.Client().Get(base + "namespaces/" + ns + "/configmaps?sortBy=name&limit=1")
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		var res struct {
			Items      []corev1.ConfigMap `json:"items"`
			TotalItems int                `json:"totalItems"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
		assert.Equal(t, 3, res.TotalItems)
		require.Len(t, res.Items, 1)
		assert.Equal(t, "c", res.Items[0].Name)
	})
}

func TestNewHandlerRequiresOptions(t *testing.T) {
	_, err := resources.NewHandler(resources.HandlerOptions{})
	var invalid *resources.InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.True(t, strings.Contains(err.Error(), "Reader"))
}
