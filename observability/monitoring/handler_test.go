package monitoring_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/monitoring"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// handlerFor serves the API over the real stack; the caller is the
// X-User header. The policy: root is a platform admin; alice may read
// everything in ns1 only (a Role there); wendy views the whole workspace.
func handlerFor(t testing.TB, tn tenant) http.Handler {
	t.Helper()
	var objs []runtime.Object
	for _, ns := range []string{tn.ns1, tn.ns2} {
		var n corev1.Namespace
		require.NoError(t, cluster.Client.Get(context.Background(), client.ObjectKey{Name: ns}, &n))
		objs = append(objs, &n)
	}
	all := rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}
	view := rbacv1.PolicyRule{Verbs: []string{"get", "list"}, APIGroups: []string{"*"}, Resources: []string{"*"}}
	user := func(n string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}}
	}
	ref := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	wsl := map[string]string{tenantv1beta1.WorkspaceLabel: tn.workspace}
	objs = append(objs,
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, Rules: []rbacv1.PolicyRule{all}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root"}, Subjects: user("root"), RoleRef: ref("GlobalRole", "admin")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "viewer", Namespace: tn.ns1}, Rules: []rbacv1.PolicyRule{view}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: tn.ns1}, Subjects: user("alice"), RoleRef: ref("Role", "viewer")},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws-viewer", Labels: wsl}, Rules: []rbacv1.PolicyRule{view}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wendy", Labels: wsl}, Subjects: user("wendy"), RoleRef: ref("WorkspaceRole", "ws-viewer")},
	)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	h, err := monitoring.NewHandler(monitoring.HandlerOptions{
		Client:     newClient(t),
		Authorizer: az,
		Caller: func(r *http.Request) (authz.User, error) {
			if u := r.Header.Get("X-User"); u != "" {
				return authz.User{Name: u}, nil
			}
			return authz.User{}, errors.New("no user")
		},
	})
	require.NoError(t, err)
	return h
}

func get(t *testing.T, h http.Handler, userName, path string) (int, *monitoring.Metrics, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, monitoring.PathPrefix+path, nil)
	if userName != "" {
		r.Header.Set("X-User", userName)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return w.Code, nil, w.Body.String()
	}
	var m monitoring.Metrics
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	return w.Code, &m, w.Body.String()
}

// seriesOf lists the identifier of every series of the one result.
func seriesOf(t *testing.T, m *monitoring.Metrics, identifier string) []string {
	t.Helper()
	require.Len(t, m.Results, 1)
	require.Empty(t, m.Results[0].Error)
	var out []string
	for _, s := range m.Results[0].Data.Result {
		out = append(out, s.Labels[identifier])
	}
	return out
}

func TestHandler(t *testing.T) {
	tn := setupTenant(t)
	h := handlerFor(t, tn)
	c := newClient(t)
	// Wait until the figures are in, through the Client.
	eventually(t, c, monitoring.Target{Level: monitoring.LevelWorkspace, Workspace: tn.workspace}, "workspace_cpu_usage", "workspace", map[string]float64{tn.workspace: 1.1}, 0.002)

	t.Run("admin reads a workspace by value", func(t *testing.T) {
		code, m, body := get(t, h, "root", "workspaces/"+tn.workspace+"?metrics_filter=workspace_cpu_usage$")
		require.Equal(t, http.StatusOK, code, body)
		require.Len(t, m.Results, 1)
		require.Len(t, m.Results[0].Data.Result, 1)
		assert.InDelta(t, 1.1, m.Results[0].Data.Result[0].Value.Value, 0.002)
		// KubeSphere's statistics, as ten-decimal strings (the rate of a
		// simulated counter jitters in the last digit: 1.099 to 1.101).
		assert.Regexp(t, `"min_value":"1\.(09[89]|10[01])0{7}"`, body)
	})
	t.Run("a project member reads their project", func(t *testing.T) {
		code, m, body := get(t, h, "alice", "namespaces/"+tn.ns1+"?metrics_filter=namespace_memory_usage_wo_cache$")
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, []string{tn.ns1}, seriesOf(t, m, "namespace"))
		assert.Equal(t, float64(144*mi), m.Results[0].Data.Result[0].Value.Value)
	})
	t.Run("but not another project", func(t *testing.T) {
		code, _, body := get(t, h, "alice", "namespaces/"+tn.ns2)
		assert.Equal(t, http.StatusForbidden, code, body)
		code, _, body = get(t, h, "alice", "namespaces/"+tn.ns2+"/pods")
		assert.Equal(t, http.StatusForbidden, code, body)
	})
	t.Run("nor the cluster or the workspace", func(t *testing.T) {
		for _, p := range []string{"cluster", "nodes", "pods", "workspaces/" + tn.workspace, "components/etcd"} {
			code, _, body := get(t, h, "alice", p)
			assert.Equal(t, http.StatusForbidden, code, "%s: %s", p, body)
		}
	})
	t.Run("listings show only what the caller may read", func(t *testing.T) {
		code, m, body := get(t, h, "alice", "namespaces?metrics_filter=namespace_cpu_usage$")
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, []string{tn.ns1}, seriesOf(t, m, "namespace"))
		code, m, body = get(t, h, "alice", "workspaces/"+tn.workspace+"/namespaces?metrics_filter=namespace_cpu_usage$&sort_metric=namespace_cpu_usage")
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, []string{tn.ns1}, seriesOf(t, m, "namespace"))
		assert.Equal(t, 1, m.TotalItem)
		code, _, body = get(t, h, "mallory", "namespaces")
		assert.Equal(t, http.StatusForbidden, code, body)
	})
	t.Run("a workspace viewer sees the workspace's projects, sorted and paged", func(t *testing.T) {
		code, m, body := get(t, h, "wendy", "workspaces/"+tn.workspace+"/namespaces?metrics_filter=namespace_cpu_usage$&sort_metric=namespace_cpu_usage&limit=1&page=2")
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, []string{tn.ns2}, seriesOf(t, m, "namespace"), "descending: ns1 (0.6 cores) on page 1, ns2 (0.5) on page 2")
		assert.Equal(t, 2, m.TotalItem)
		assert.Equal(t, 2, m.TotalPage)
	})
	t.Run("before the namespace existed: every metric, empty", func(t *testing.T) {
		code, m, body := get(t, h, "alice", "namespaces/"+tn.ns1+"?metrics_filter=namespace_pod&time=1000")
		require.Equal(t, http.StatusOK, code, body)
		require.NotEmpty(t, m.Results)
		for _, r := range m.Results {
			assert.Empty(t, r.Data.Result, r.MetricName)
		}
	})
	t.Run("errors", func(t *testing.T) {
		code, _, body := get(t, h, "root", "nodes?resources_filter=a(")
		assert.Equal(t, http.StatusBadRequest, code, body)
		assert.Contains(t, body, "resources_filter")
		code, _, _ = get(t, h, "root", "namespaces/"+tn.ns1+"/secrets")
		assert.Equal(t, http.StatusNotFound, code)
		code, _, _ = get(t, h, "", "cluster")
		assert.Equal(t, http.StatusUnauthorized, code)
		code, _, _ = get(t, h, "root", "namespaces/no-such-ns")
		assert.Equal(t, http.StatusNotFound, code)
		r := httptest.NewRequest(http.MethodPost, monitoring.PathPrefix+"cluster", strings.NewReader("{}"))
		r.Header.Set("X-User", "root")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
	})
}
