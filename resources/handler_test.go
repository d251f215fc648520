package resources_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
		{name: "no paging", path: "namespaces/" + ns + "/configmaps?sortBy=name&limit=-1&page=3", code: 200,
			contains: []string{`"totalItems":3`, `"name":"a"`, `"name":"b"`, `"name":"c"`}},
		{name: "bad limit", path: "namespaces/" + ns + "/configmaps?limit=-2", code: 400,
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

	for _, gr := range []schema.GroupResource{{}, {Group: "apps", Resource: "deployments/scale"}, {Resource: "deployments.apps"}} {
		_, err = resources.NewHandler(resources.HandlerOptions{
			Reader: &recordingReader{}, Mapper: meta.NewDefaultRESTMapper(nil), Scheme: runtime.NewScheme(),
			Authorizer: allowAll, Resources: []schema.GroupResource{{Resource: "pods"}, gr},
		})
		require.ErrorAs(t, err, &invalid, "%v", gr)
		assert.Equal(t, "Resources[1]", invalid.Field)
	}
}

func TestDefaultResources(t *testing.T) {
	d := resources.DefaultResources()
	for _, gr := range []schema.GroupResource{
		{Resource: "pods"}, {Resource: "secrets"}, {Group: "apps", Resource: "deployments"},
		{Group: "rbac.authorization.k8s.io", Resource: "roles"}, {Group: "tenant.kubesphere.io", Resource: "workspacetemplates"},
		{Group: "iam.kubesphere.io", Resource: "users"},
	} {
		assert.Contains(t, d, gr)
	}
	for _, gr := range []schema.GroupResource{
		{Group: "apps", Resource: "replicasets"}, {Group: "apps", Resource: "controllerrevisions"},
		{Group: "coordination.k8s.io", Resource: "leases"}, {Resource: "events"}, {Resource: "endpoints"},
		{Group: "iam.kubesphere.io", Resource: "roles"},
	} {
		assert.NotContains(t, d, gr)
	}
	d[0].Resource = "changed"
	assert.Equal(t, "configmaps", resources.DefaultResources()[0].Resource, "each call returns a new slice")
}

var allowAll = resources.AuthorizerFunc(func(context.Context, *http.Request, resources.ResourceAttributes) error { return nil })

// recordingReader records the kinds read through it, by their list or
// object kind, and passes reads on to Reader when set (else finds
// nothing). It offers no informers, so List reads through it.
type recordingReader struct {
	Reader client.Reader
	Scheme *runtime.Scheme

	mu    sync.Mutex
	kinds []string
}

func (r *recordingReader) record(obj runtime.Object) {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if r.Scheme != nil {
		if gvk, err := apiutil.GVKForObject(obj, r.Scheme); err == nil {
			kind = gvk.Kind
		}
	} else if kind == "" {
		kind = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(fmt.Sprintf("%T", obj), "*"), "v1."), "unstructured.")
	}
	r.mu.Lock()
	r.kinds = append(r.kinds, kind)
	r.mu.Unlock()
}

func (r *recordingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	r.record(obj)
	if r.Reader == nil {
		return apierrors.NewNotFound(schema.GroupResource{}, key.Name)
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

func (r *recordingReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	r.record(list)
	if r.Reader == nil {
		return nil
	}
	return r.Reader.List(ctx, list, opts...)
}

// take returns the kinds read since the last take.
func (r *recordingReader) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.kinds
	r.kinds = nil
	return k
}

// askedRecorder is an Authorizer recording what it is asked; it refuses the
// resources the request's X-Deny header names (comma-separated).
type askedRecorder struct {
	mu    sync.Mutex
	asked []resources.ResourceAttributes
}

func (a *askedRecorder) AuthorizeResource(_ context.Context, r *http.Request, attrs resources.ResourceAttributes) error {
	a.mu.Lock()
	a.asked = append(a.asked, attrs)
	a.mu.Unlock()
	if slices.Contains(strings.Split(r.Header.Get("X-Deny"), ","), attrs.Resource) {
		return errors.New("may not " + attrs.Verb + " " + attrs.Resource)
	}
	return nil
}

func (a *askedRecorder) take() []resources.ResourceAttributes {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := a.asked
	a.asked = nil
	return k
}

// serve sends a GET for path (under PathPrefix) to h, with the resources
// X-Deny names refused.
func serve(h http.Handler, path, deny string) (int, string) {
	req := httptest.NewRequest(http.MethodGet, resources.PathPrefix+path, nil)
	if deny != "" {
		req.Header.Set("X-Deny", deny)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestHandlerServesOnlyListedResources: a resource outside the handler's
// list answers 404 before the Authorizer or the Reader is asked anything,
// so no cache starts an informer for it.
func TestHandlerServesOnlyListedResources(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	cm := configMap(ns, "a", nil, nil, nil)
	create(t, cm)
	synced(t, cm)
	httpClient, err := rest.HTTPClientFor(env.Config)
	require.NoError(t, err)
	mapper, err := apiutil.NewDynamicRESTMapper(env.Config, httpClient)
	require.NoError(t, err)

	reader := &recordingReader{Reader: cc, Scheme: env.Scheme}
	authz := &askedRecorder{}
	newHandler := func(served []schema.GroupResource) http.Handler {
		h, err := resources.NewHandler(resources.HandlerOptions{Reader: reader, Mapper: mapper, Scheme: env.Scheme, Authorizer: authz, Resources: served})
		require.NoError(t, err)
		return h
	}
	byDefault := newHandler(nil)
	noSecrets := newHandler([]schema.GroupResource{{Resource: "configmaps"}, {Resource: "pods"}})
	// Served, but no API of this cluster has the kind.
	withApplications := newHandler([]schema.GroupResource{{Group: "app.k8s.io", Resource: "applications"}})
	tests := []struct {
		name  string
		h     http.Handler
		path  string
		code  int
		read  []string
		asked []resources.ResourceAttributes
	}{
		{"listed", noSecrets, "namespaces/" + ns + "/configmaps", 200, []string{"ConfigMapList"},
			[]resources.ResourceAttributes{{Verb: "list", Resource: "configmaps", Namespace: ns}}},
		{"secrets left out", noSecrets, "namespaces/" + ns + "/secrets", 404, nil, nil},
		{"a secret left out", noSecrets, "namespaces/" + ns + "/secrets/x", 404, nil, nil},
		{"secrets across namespaces left out", noSecrets, "secrets", 404, nil, nil},
		{"secrets by default", byDefault, "namespaces/" + ns + "/secrets", 200, []string{"SecretList"},
			[]resources.ResourceAttributes{{Verb: "list", Resource: "secrets", Namespace: ns}}},
		{"replicasets are not in KubeSphere's set", byDefault, "namespaces/" + ns + "/replicasets", 404, nil, nil},
		{"leases", byDefault, "leases", 404, nil, nil},
		{"events", byDefault, "namespaces/" + ns + "/events", 404, nil, nil},
		{"endpoints", byDefault, "namespaces/" + ns + "/endpoints/kubernetes", 404, nil, nil},
		{"controllerrevisions", byDefault, "controllerrevisions", 404, nil, nil},
		{"served but not installed", byDefault, "clusters", 404, nil, nil},
		{"served but not installed, namespaced path", withApplications, "namespaces/" + ns + "/applications", 404, nil, nil},
		{"unknown", byDefault, "widgets", 404, nil, nil},
		{"group-qualified", byDefault, "deployments.apps", 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader.take()
			authz.take()
			code, body := serve(tt.h, tt.path, "")
			assert.Equal(t, tt.code, code, body)
			assert.Equal(t, tt.read, reader.take(), "kinds read")
			assert.Equal(t, tt.asked, authz.take(), "Authorizer asked")
			if code == 404 {
				assert.Contains(t, body, `"reason":"NotFound"`)
			}
		})
	}
}

// TestHandlerAuthorizesFilterLookups: the serviceName and ownerKind filters
// read Services and ReplicaSets; the handler asks the Authorizer about
// those reads first, and refuses the request when they are not allowed.
func TestHandlerAuthorizesFilterLookups(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec:       appsv1.DeploymentSpec{Selector: selector("web"), Template: podTemplate("web")},
	}
	create(t, d)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1", OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Selector: selector("web"), Template: podTemplate("web")},
	}
	create(t, rs)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1-a", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
		Spec: podSpec(),
	}
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"}, Spec: podSpec()}
	create(t, svc, pod, other)
	synced(t, d, rs, svc, pod, other)

	httpClient, err := rest.HTTPClientFor(env.Config)
	require.NoError(t, err)
	mapper, err := apiutil.NewDynamicRESTMapper(env.Config, httpClient)
	require.NoError(t, err)
	reader := &recordingReader{Reader: cc, Scheme: env.Scheme}
	authz := &askedRecorder{}
	h, err := resources.NewHandler(resources.HandlerOptions{Reader: reader, Mapper: mapper, Scheme: env.Scheme, Authorizer: authz})
	require.NoError(t, err)

	listPods := resources.ResourceAttributes{Verb: "list", Resource: "pods", Namespace: ns}
	getService := resources.ResourceAttributes{Verb: "get", Resource: "services", Namespace: ns, Name: "web"}
	getReplicaSets := resources.ResourceAttributes{Verb: "get", APIGroup: "apps", Resource: "replicasets", Namespace: ns}
	tests := []struct {
		name     string
		path     string
		deny     string
		code     int
		contains string
		asked    []resources.ResourceAttributes
		read     []string
	}{
		{name: "serviceName allowed", path: "namespaces/" + ns + "/pods?serviceName=web", code: 200, contains: `"totalItems":1`,
			asked: []resources.ResourceAttributes{listPods, getService}, read: []string{"PodList", "Service"}},
		{name: "serviceName refused", path: "namespaces/" + ns + "/pods?serviceName=web", deny: "services", code: 403,
			contains: "the serviceName filter reads services: may not get services", asked: []resources.ResourceAttributes{listPods, getService}},
		{name: "serviceName across namespaces asks cluster-wide", path: "pods?serviceName=web", deny: "services", code: 403,
			asked: []resources.ResourceAttributes{{Verb: "list", Resource: "pods"}, {Verb: "get", Resource: "services", Name: "web"}}},
		{name: "ownerKind allowed", path: "namespaces/" + ns + "/pods?ownerKind=Deployment", code: 200, contains: `"totalItems":1`,
			asked: []resources.ResourceAttributes{listPods, getReplicaSets}, read: []string{"PodList", "ReplicaSet"}},
		{name: "ownerKind refused", path: "namespaces/" + ns + "/pods?ownerKind=Deployment", deny: "replicasets", code: 403,
			contains: "the ownerKind filter reads replicasets", asked: []resources.ResourceAttributes{listPods, getReplicaSets}},
		{name: "ownerReference refused", path: "namespaces/" + ns + "/pods?ownerReference=" + string(d.UID), deny: "replicasets", code: 403,
			contains: "the ownerReference filter reads replicasets", asked: []resources.ResourceAttributes{listPods, getReplicaSets}},
		{name: "both filters", path: "namespaces/" + ns + "/pods?ownerKind=Deployment&serviceName=web", code: 200, contains: `"totalItems":1`,
			asked: []resources.ResourceAttributes{listPods, getService, getReplicaSets}, read: []string{"PodList", "ReplicaSet", "Service"}},
		{name: "ownerKind on deployments reads nothing else", path: "namespaces/" + ns + "/deployments?ownerKind=Deployment", deny: "replicasets", code: 200,
			asked: []resources.ResourceAttributes{{Verb: "list", APIGroup: "apps", Resource: "deployments", Namespace: ns}}, read: []string{"DeploymentList"}},
		{name: "serviceName on configmaps is refused as invalid", path: "namespaces/" + ns + "/configmaps?serviceName=web", code: 400,
			asked: []resources.ResourceAttributes{{Verb: "list", Resource: "configmaps", Namespace: ns}}},
		{name: "a get reads no filters", path: "namespaces/" + ns + "/pods/web-1-a?serviceName=web", deny: "services", code: 200,
			asked: []resources.ResourceAttributes{{Verb: "get", Resource: "pods", Namespace: ns, Name: "web-1-a"}}, read: []string{"Pod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader.take()
			authz.take()
			code, body := serve(h, tt.path, tt.deny)
			require.Equal(t, tt.code, code, body)
			assert.Contains(t, body, tt.contains)
			assert.Equal(t, tt.asked, authz.take(), "Authorizer asked")
			read := slices.Compact(slices.Sorted(slices.Values(reader.take())))
			assert.Equal(t, tt.read, read, "kinds read")
		})
	}
}

// FuzzHandlerPath sends arbitrary paths and queries to a handler over a
// reader that finds nothing: it never panics, never answers 5xx, and reads
// only served kinds and the lookups the Authorizer allowed; a path naming
// no served resource reads nothing at all.
func FuzzHandlerPath(f *testing.F) {
	for _, s := range []string{
		"namespaces/shop/secrets", "secrets", "namespaces/shop/secrets/db", "leases", "namespaces/shop/replicasets",
		"namespaces/shop/pods?serviceName=web", "namespaces/shop/pods?ownerKind=Deployment&serviceName=db",
		"pods?serviceName=web&ownerReference=u", "namespaces/shop/configmaps/a", "configmaps/a", "namespaces/shop/nodes",
		"nodes/n", "namespaces/shop", "namespaces", "deployments.apps", "roles", "namespaces//pods", "//", "", "/",
		"namespaces/shop/pods/x/y", "..%2fsecrets", "namespaces/shop/%2e%2e/secrets", "pods?limit=-1", "pods?fieldSelector=a[",
		"namespaces/shop/pods?status=running&sortBy=updateTime&page=99999999999999999999",
	} {
		f.Add(s)
	}
	scheme := runtime.NewScheme()
	require.NoError(f, clientgoscheme.AddToScheme(scheme))
	mapper := meta.NewDefaultRESTMapper(nil)
	for _, k := range []struct {
		gvk   schema.GroupVersionKind
		scope meta.RESTScope
	}{
		{corev1.SchemeGroupVersion.WithKind("ConfigMap"), meta.RESTScopeNamespace},
		{corev1.SchemeGroupVersion.WithKind("Secret"), meta.RESTScopeNamespace},
		{corev1.SchemeGroupVersion.WithKind("Pod"), meta.RESTScopeNamespace},
		{corev1.SchemeGroupVersion.WithKind("Service"), meta.RESTScopeNamespace},
		{corev1.SchemeGroupVersion.WithKind("Event"), meta.RESTScopeNamespace},
		{corev1.SchemeGroupVersion.WithKind("Namespace"), meta.RESTScopeRoot},
		{corev1.SchemeGroupVersion.WithKind("Node"), meta.RESTScopeRoot},
		{appsv1.SchemeGroupVersion.WithKind("Deployment"), meta.RESTScopeNamespace},
		{appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), meta.RESTScopeNamespace},
		{schema.GroupVersionKind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}, meta.RESTScopeNamespace},
		{schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}, meta.RESTScopeNamespace},
	} {
		mapper.Add(k.gvk, k.scope)
	}
	served := []schema.GroupResource{
		{Resource: "configmaps"}, {Resource: "pods"}, {Resource: "services"}, {Resource: "namespaces"}, {Resource: "nodes"},
		{Group: "apps", Resource: "deployments"}, {Group: "example.com", Resource: "widgets"}, {Group: "rbac.authorization.k8s.io", Resource: "roles"},
	}
	servedNames := map[string]bool{}
	for _, gr := range served {
		servedNames[gr.Resource] = true
	}
	servedKinds := []string{"ConfigMap", "ConfigMapList", "Pod", "PodList", "Service", "ServiceList", "Namespace", "NamespaceList",
		"Node", "NodeList", "Deployment", "DeploymentList", "Widget", "WidgetList"}
	reader := &recordingReader{Scheme: scheme}
	authz := &askedRecorder{}
	h, err := resources.NewHandler(resources.HandlerOptions{Reader: reader, Mapper: mapper, Scheme: scheme, Authorizer: authz, Resources: served})
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(resources.PathPrefix + raw)
		if err != nil {
			return
		}
		reader.take()
		authz.take()
		req := (&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{"X-Deny": {"services"}}}).WithContext(context.Background())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
		default:
			t.Fatalf("%q: status %d: %s", raw, rec.Code, rec.Body)
		}
		read := reader.take()
		allowed := map[string]bool{}
		for _, a := range authz.take() {
			if a.Resource != "services" {
				allowed[a.Resource] = true
			}
		}
		for _, kind := range read {
			if kind == "ReplicaSet" && allowed["replicasets"] {
				continue
			}
			if !slices.Contains(servedKinds, kind) {
				t.Fatalf("%q: read %s, which is not served (read %v)", raw, kind, read)
			}
		}
		if len(read) > 0 && !slices.ContainsFunc(strings.Split(u.Path, "/"), func(seg string) bool { return servedNames[seg] }) {
			t.Fatalf("%q names no served resource but read %v", raw, read)
		}
	})
}
