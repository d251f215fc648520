package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spherekit/spherekit/observability/events"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/testenv"
)

func TestParseEventQueryRefusals(t *testing.T) {
	for query, field := range map[string]string{
		"operation=export": "operation", "start_time=x": "start_time", "size=1001": "size",
		"sort=up": "sort", "interval=1y": "interval", "start_time=9&end_time=3": "end_time",
	} {
		v, err := url.ParseQuery(query)
		require.NoError(t, err)
		_, err = events.ParseEventQuery(v)
		var ie *events.InvalidError
		require.ErrorAs(t, err, &ie, query)
		assert.Equal(t, field, ie.Field, query)
	}
}

// TestQueryScope exports events of two workspaces' namespaces and reads
// them back through the handler as users with different grants, trying
// every parameter that names a namespace or a workspace to break out.
func TestQueryScope(t *testing.T) {
	ctx := context.Background()
	nsA, nsB := cluster.NewNamespace(t), cluster.NewNamespace(t)
	wsA, wsB := nsA+"-ws", nsB+"-ws"
	var objs []any
	for ns, ws := range map[string]string{nsA: wsA, nsB: wsB} {
		require.NoError(t, cluster.Client.Create(ctx, &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}}))
		var n corev1.Namespace
		require.NoError(t, cluster.Client.Get(ctx, ctrlKey(ns), &n))
		n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		require.NoError(t, cluster.Client.Update(ctx, &n))
		objs = append(objs, &n)
	}
	runExporter(t)
	for _, ns := range []string{nsA, nsB} {
		require.NoError(t, cluster.Client.Create(ctx, newEvent(ns, "backoff", "BackOff")))
		require.NoError(t, cluster.Client.Create(ctx, newEvent(ns, "pulled", "Pulled")))
	}
	testenv.Eventually(t, func() (bool, error) { return len(states(t, nsA)) == 2 && len(states(t, nsB)) == 2, nil }, "all four events are stored")

	user := func(n string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}}
	}
	ref := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	az, err := authz.NewFromObjects(
		objs[0].(*corev1.Namespace), objs[1].(*corev1.Namespace),
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root"}, Subjects: user("root"), RoleRef: ref("GlobalRole", "admin")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "events", Namespace: nsA}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"events"}}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: nsA}, Subjects: user("alice"), RoleRef: ref("Role", "events")},
	)
	require.NoError(t, err)
	c, err := events.NewClient(events.ClientOptions{Store: store, Authorizer: az, Reader: cluster.Client, Cluster: "host"})
	require.NoError(t, err)
	h, err := events.NewHandler(events.HandlerOptions{Client: c, Caller: func(r *http.Request) (authz.User, error) {
		if u := r.Header.Get("X-User"); u != "" {
			return authz.User{Name: u}, nil
		}
		return authz.User{}, errors.New("no user")
	}})
	require.NoError(t, err)
	get := func(t *testing.T, u string, v url.Values) (int, string) {
		r := httptest.NewRequest(http.MethodGet, events.TenantPath+"?"+v.Encode(), nil)
		r.Header.Set("X-User", u)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	namespaces := func(t *testing.T, u string, v url.Values) []string {
		t.Helper()
		v.Set("size", "100")
		code, body := get(t, u, v)
		require.Equal(t, http.StatusOK, code, body)
		var res struct {
			Query struct {
				Total   int64          `json:"total"`
				Records []corev1.Event `json:"records"`
			} `json:"query"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &res), body)
		assert.Equal(t, int64(len(res.Query.Records)), res.Query.Total)
		var out []string
		for _, e := range res.Query.Records {
			out = append(out, e.InvolvedObject.Namespace)
		}
		slices.Sort(out)
		return out
	}

	all := []string{nsA, nsA, nsB, nsB}
	slices.Sort(all)
	assert.Equal(t, all, namespaces(t, "root", url.Values{"involved_object_namespace_filter": {nsA + "," + nsB}}))
	assert.Equal(t, []string{nsA, nsA}, namespaces(t, "alice", url.Values{}))
	assert.Empty(t, namespaces(t, "mallory", url.Values{}))
	assert.Equal(t, []string{nsA}, namespaces(t, "alice", url.Values{"reason_filter": {"Pulled"}}))
	for _, v := range []url.Values{
		{"involved_object_namespace_filter": {nsB}},
		{"involved_object_namespace_search": {nsB}},
		{"workspace_filter": {wsB}},
		{"workspace_search": {"ws"}},
		{"involved_object_name_filter": {"web-0"}},
		{"message_search": {`") or ("`}},
		{"reason_search": {".*"}},
		{"start_time": {"0"}},
	} {
		for _, ns := range namespaces(t, "alice", v) {
			assert.Equal(t, nsA, ns, "alice with %s", v.Encode())
		}
	}

	code, body := get(t, "alice", url.Values{"operation": {"statistics"}})
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"statistics":{"resources":0,"events":2}}`, body, "the test's events name no involved UID")
	code, body = get(t, "alice", url.Values{"operation": {"histogram"}, "interval": {"1h"}})
	require.Equal(t, http.StatusOK, code, body)
	var hist events.Response
	require.NoError(t, json.Unmarshal([]byte(body), &hist))
	assert.Equal(t, int64(2), hist.Histogram.Total)
	code, _ = get(t, "alice", url.Values{"size": {"5000"}})
	assert.Equal(t, http.StatusBadRequest, code)
}
