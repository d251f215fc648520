package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/observability/logging"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// tenants is one test's world: two workspaces, their namespaces and a
// namespace in no workspace, with unique names, users with roles in them,
// and container log lines shipped for every namespace through the real
// ingester, plus lines dated before one namespace existed (an earlier
// namespace of the same name).
type tenants struct {
	wsA, wsB             string
	a1, a2, b1, loose    string
	token                string
	ingest, api          http.Handler
	client               *logging.Client
	created              time.Time // when a1 was created
	lines                map[string][]string
	earlierA1, forgedLog string
}

var serial int

func setupTenants(t *testing.T) *tenants {
	t.Helper()
	ctx := context.Background()
	serial++
	p := fmt.Sprintf("t%d-%d", time.Now().UnixNano()%100000, serial)
	tn := &tenants{wsA: p + "-ws-a", wsB: p + "-ws-b", a1: p + "-a1", a2: p + "-a2", b1: p + "-b1", loose: p + "-loose", token: "shipper-" + p,
		lines: map[string][]string{}}
	for _, ws := range []string{tn.wsA, tn.wsB} {
		require.NoError(t, cluster.Client.Create(ctx, &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}}))
	}
	var objs []runtime.Object
	for ns, ws := range map[string]string{tn.a1: tn.wsA, tn.a2: tn.wsA, tn.b1: tn.wsB, tn.loose: ""} {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if ws != "" {
			n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: ws}
		}
		require.NoError(t, cluster.Client.Create(ctx, n))
		objs = append(objs, n)
		if ns == tn.a1 {
			tn.created = n.CreationTimestamp.Time
		}
	}

	all := rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}
	logs := rbacv1.PolicyRule{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods", "pods/log", "namespaces"}}
	user := func(n string) []rbacv1.Subject {
		return []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: n}}
	}
	ref := func(kind, n string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: kind, Name: n}
	}
	wsl := map[string]string{tenantv1beta1.WorkspaceLabel: tn.wsA}
	objs = append(objs,
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, Rules: []rbacv1.PolicyRule{all}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root"}, Subjects: user("root"), RoleRef: ref("GlobalRole", "admin")},
		// alice reads the logs of a1 only; lena of the loose namespace.
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "logs", Namespace: tn.a1}, Rules: []rbacv1.PolicyRule{logs}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: tn.a1}, Subjects: user("alice"), RoleRef: ref("Role", "logs")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "logs", Namespace: tn.loose}, Rules: []rbacv1.PolicyRule{logs}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "lena", Namespace: tn.loose}, Subjects: user("lena"), RoleRef: ref("Role", "logs")},
		// wendy reads the logs of every namespace of workspace A.
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws-logs", Labels: wsl}, Rules: []rbacv1.PolicyRule{logs}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wendy", Labels: wsl}, Subjects: user("wendy"), RoleRef: ref("WorkspaceRole", "ws-logs")},
		// bob may list a1's pods but not read their logs.
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods", Namespace: tn.a1}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bob", Namespace: tn.a1}, Subjects: user("bob"), RoleRef: ref("Role", "pods")},
	)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	tn.client, err = logging.NewClient(logging.ClientOptions{Store: store, Authorizer: az, Reader: cluster.Client, Cluster: "host"})
	require.NoError(t, err)
	tn.api, err = logging.NewHandler(logging.HandlerOptions{Client: tn.client, Caller: func(r *http.Request) (authz.User, error) {
		if u := r.Header.Get("X-User"); u != "" {
			return authz.User{Name: u}, nil
		}
		return authz.User{}, errors.New("no user")
	}})
	require.NoError(t, err)
	tn.ingest, err = logging.NewIngester(logging.IngesterOptions{Store: store, Reader: cluster.Client, Token: tn.token, Cluster: "host"})
	require.NoError(t, err)

	// Every namespace's pods print lines, one second apart, after the
	// namespaces exist; a1 also has lines from before it existed.
	now := time.Now().UTC().Truncate(time.Second)
	var body bytes.Buffer
	ship := func(ns, pod, container, msg string, at time.Time, extra map[string]any) {
		line := map[string]any{"time": at.Format(time.RFC3339Nano), "log": msg, "kubernetes": map[string]string{
			"namespace_name": ns, "pod_name": pod, "container_name": container, "docker_id": ns + "/" + pod + "/" + container, "host": "node-1"}}
		for k, v := range extra {
			line[k] = v
		}
		b, err := json.Marshal(line)
		require.NoError(t, err)
		body.Write(append(b, '\n'))
	}
	for i, ns := range []string{tn.a1, tn.a2, tn.b1, tn.loose} {
		for j := range 4 {
			msg := fmt.Sprintf("%s line %d \x1b[31mERROR\x1b[0m timeout=%d", ns, j, j)
			ship(ns, "web-6d4cf56db6-x7k2p", []string{"web", "sidecar"}[j%2], msg, now.Add(time.Duration(i*4+j)*time.Second), nil)
			tn.lines[ns] = append(tn.lines[ns], msg)
		}
	}
	tn.earlierA1 = tn.a1 + " earlier namespace line"
	ship(tn.a1, "web-6d4cf56db6-old00", "web", tn.earlierA1, tn.created.Add(-time.Hour), nil)
	// A shipper cannot choose the workspace: the cluster says which.
	tn.forgedLog = tn.b1 + " forged into workspace A"
	ship(tn.b1, "web-6d4cf56db6-x7k2p", "web", tn.forgedLog, now.Add(20*time.Second), map[string]any{"workspace": tn.wsA})
	tn.lines[tn.b1] = append(tn.lines[tn.b1], tn.forgedLog)
	r := httptest.NewRequest(http.MethodPost, "/ingest", &body)
	r.Header.Set("Authorization", "Bearer "+tn.token)
	w := httptest.NewRecorder()
	tn.ingest.ServeHTTP(w, r)
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	require.NoError(t, store.Flush(ctx))
	return tn
}

// get asks the API as userName and returns the status and body.
func (tn *tenants) get(t *testing.T, userName string, params url.Values) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, logging.TenantPath+"?"+params.Encode(), nil)
	if userName != "" {
		r.Header.Set("X-User", userName)
	}
	w := httptest.NewRecorder()
	tn.api.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// logs asks for up to 1000 records as userName and returns their lines.
func (tn *tenants) logs(t *testing.T, userName string, params url.Values) []string {
	t.Helper()
	params.Set("size", "1000")
	code, body := tn.get(t, userName, params)
	require.Equal(t, http.StatusOK, code, body)
	var res logging.Response
	require.NoError(t, json.Unmarshal([]byte(body), &res), body)
	require.NotNil(t, res.Query, body)
	var out []string
	for _, r := range res.Query.Records {
		out = append(out, r.Log)
	}
	assert.Equal(t, int64(len(out)), res.Query.Total)
	slices.Sort(out)
	return out
}

func sorted(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return out
}

func TestTenantScope(t *testing.T) {
	tn := setupTenants(t)
	mine := url.Values{"namespace_query": {strings.TrimSuffix(tn.a1, "-a1")}} // this test's namespaces only
	t.Run("a platform admin reads every namespace, earlier lines included", func(t *testing.T) {
		assert.Equal(t, sorted(tn.lines[tn.a1], tn.lines[tn.a2], tn.lines[tn.b1], tn.lines[tn.loose], []string{tn.earlierA1}), tn.logs(t, "root", mine))
	})
	t.Run("a workspace member reads its namespaces", func(t *testing.T) {
		assert.Equal(t, sorted(tn.lines[tn.a1], tn.lines[tn.a2]), tn.logs(t, "wendy", url.Values{}))
	})
	t.Run("a project member reads its namespace from its creation", func(t *testing.T) {
		assert.Equal(t, sorted(tn.lines[tn.a1]), tn.logs(t, "alice", url.Values{}))
	})
	t.Run("a namespace outside any workspace", func(t *testing.T) {
		assert.Equal(t, sorted(tn.lines[tn.loose]), tn.logs(t, "lena", url.Values{}))
	})
	t.Run("listing pods is not reading their logs", func(t *testing.T) {
		assert.Empty(t, tn.logs(t, "bob", url.Values{}))
	})
	t.Run("a stranger reads nothing", func(t *testing.T) {
		assert.Empty(t, tn.logs(t, "mallory", url.Values{}))
	})
	t.Run("the shipper's workspace field is ignored", func(t *testing.T) {
		assert.NotContains(t, tn.logs(t, "wendy", url.Values{"log_query": {"forged"}}), tn.forgedLog)
	})

	// Every way alice's parameters could reach another namespace's lines.
	breakouts := []url.Values{
		{"namespaces": {tn.b1}},
		{"namespaces": {tn.a1 + "," + tn.b1}},
		{"namespace_query": {"b1"}},
		{"namespace_query": {""}},
		{"pods": {"web-6d4cf56db6-x7k2p"}},
		{"pod_query": {"*"}},
		{"pod_query": {".*"}},
		{"workloads": {"web"}},
		{"workloads": {".*"}},
		{"workload_query": {"web"}},
		{"containers": {"web,sidecar"}},
		{"container_query": {"*"}},
		{"log_query": {tn.b1}},
		{"log_query": {`") or ("`}},
		{"log_query": {`" | delete namespace | "`}},
		{"namespaces": {`x") or namespace:*  or ("`}},
		{"namespaces": {tn.a1 + `" or "namespace":="` + tn.b1}},
		{"start_time": {"0"}},
		{"start_time": {"0"}, "end_time": {"4102444800"}},
		{"sort": {"asc"}, "from": {"0"}},
	}
	for _, params := range breakouts {
		t.Run("alice cannot break out with "+params.Encode(), func(t *testing.T) {
			for _, line := range tn.logs(t, "alice", params) {
				assert.Contains(t, tn.lines[tn.a1], line)
			}
			code, body := tn.get(t, "alice", withOp(params, "statistics"))
			require.Equal(t, http.StatusOK, code, body)
			var res logging.Response
			require.NoError(t, json.Unmarshal([]byte(body), &res))
			assert.LessOrEqual(t, res.Statistics.Logs, int64(len(tn.lines[tn.a1])))
		})
	}
}

func withOp(v url.Values, op string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set("operation", op)
	return out
}

func TestOperations(t *testing.T) {
	tn := setupTenants(t)
	ns := url.Values{"namespaces": {tn.a1}}

	t.Run("a page newest first, then oldest first", func(t *testing.T) {
		p := withOp(ns, "query")
		p.Set("size", "2")
		code, body := tn.get(t, "root", p)
		require.Equal(t, http.StatusOK, code, body)
		var res logging.Response
		require.NoError(t, json.Unmarshal([]byte(body), &res))
		assert.Equal(t, int64(5), res.Query.Total, "four lines and the earlier namespace's")
		require.Len(t, res.Query.Records, 2)
		assert.Equal(t, tn.lines[tn.a1][3], res.Query.Records[0].Log)
		assert.Equal(t, logging.LogRecord{Log: tn.lines[tn.a1][3], Time: res.Query.Records[0].Time, Namespace: tn.a1, Pod: "web-6d4cf56db6-x7k2p", Container: "sidecar"}, res.Query.Records[0])
		p.Set("sort", "asc")
		p.Set("from", "1")
		_, body = tn.get(t, "alice", p)
		require.NoError(t, json.Unmarshal([]byte(body), &res))
		assert.Equal(t, int64(4), res.Query.Total)
		assert.Equal(t, []string{tn.lines[tn.a1][1], tn.lines[tn.a1][2]}, []string{res.Query.Records[0].Log, res.Query.Records[1].Log})
	})
	t.Run("filters combine", func(t *testing.T) {
		assert.Equal(t, []string{tn.lines[tn.a1][1], tn.lines[tn.a1][3]}, tn.logs(t, "alice", url.Values{"containers": {"sidecar"}}))
		assert.Equal(t, []string{tn.lines[tn.a1][2]}, tn.logs(t, "alice", url.Values{"log_query": {"TIMEOUT=2,nothing"}}))
		assert.Len(t, tn.logs(t, "alice", url.Values{"workloads": {"web"}}), 4)
		assert.Empty(t, tn.logs(t, "alice", url.Values{"workloads": {"we"}}))
	})
	t.Run("statistics count lines and containers", func(t *testing.T) {
		code, body := tn.get(t, "wendy", url.Values{"operation": {"statistics"}})
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"statistics":{"containers":4,"logs":8}}`, body)
	})
	t.Run("a histogram per interval", func(t *testing.T) {
		start := tn.created.Add(-time.Minute).Unix()
		code, body := tn.get(t, "alice", url.Values{"operation": {"histogram"}, "interval": {"1h"},
			"start_time": {fmt.Sprint(start)}, "end_time": {fmt.Sprint(start + 3*3600 - 1)}})
		require.Equal(t, http.StatusOK, code, body)
		var res logging.Response
		require.NoError(t, json.Unmarshal([]byte(body), &res))
		assert.Equal(t, int64(4), res.Histogram.Total)
		require.NotEmpty(t, res.Histogram.Buckets)
		var sum int64
		for _, b := range res.Histogram.Buckets {
			assert.Zero(t, b.Time%3_600_000, "buckets start on the hour, in milliseconds")
			sum += b.Count
		}
		assert.Equal(t, int64(4), sum)
	})
	t.Run("export streams plain lines without colours", func(t *testing.T) {
		code, body := tn.get(t, "alice", url.Values{"operation": {"export"}, "sort": {"asc"}})
		require.Equal(t, http.StatusOK, code, body)
		var want strings.Builder
		for _, l := range tn.lines[tn.a1] {
			want.WriteString(strings.NewReplacer("\x1b[31m", "", "\x1b[0m", "").Replace(l) + "\n")
		}
		assert.Equal(t, want.String(), body)
	})
	t.Run("export stops at the limit", func(t *testing.T) {
		c, err := logging.NewClient(logging.ClientOptions{Store: store, Authorizer: mustAuthorizer(t), Reader: cluster.Client, ExportLimit: 2})
		require.NoError(t, err)
		var out bytes.Buffer
		require.NoError(t, c.Export(context.Background(), authz.User{Name: "root"}, logging.LogQuery{Namespaces: []string{tn.a1}}, &out))
		assert.Equal(t, 2, strings.Count(out.String(), "\n"))
	})
}

func mustAuthorizer(t *testing.T) *authz.Authorizer {
	t.Helper()
	az, err := authz.NewFromObjects(
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "admin"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "root"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "root"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "admin"}})
	require.NoError(t, err)
	return az
}

func TestHandlerErrors(t *testing.T) {
	tn := setupTenants(t)
	tests := []struct {
		name, method, path, user string
		code                     int
	}{
		{"a bad parameter", http.MethodGet, logging.TenantPath + "?size=5000", "alice", http.StatusBadRequest},
		{"no caller", http.MethodGet, logging.TenantPath, "", http.StatusUnauthorized},
		{"another path", http.MethodGet, "/kapis/tenant.kubesphere.io/v1alpha2/other", "alice", http.StatusNotFound},
		{"a write", http.MethodPost, logging.TenantPath, "alice", http.StatusMethodNotAllowed},
		{"the 4.x path", http.MethodGet, logging.LoggingPath, "alice", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.user != "" {
				r.Header.Set("X-User", tt.user)
			}
			w := httptest.NewRecorder()
			tn.api.ServeHTTP(w, r)
			assert.Equal(t, tt.code, w.Code, w.Body.String())
			if tt.code != http.StatusOK {
				var st metav1.Status
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &st))
				assert.Equal(t, int32(tt.code), st.Code)
			}
		})
	}
}

func TestIngesterRefusals(t *testing.T) {
	tn := setupTenants(t)
	marker := tn.a2 + " refused batch"
	good := fmt.Sprintf(`{"time":"2024-01-01T00:00:00Z","log":%q,"kubernetes":{"namespace_name":%q,"pod_name":"p","container_name":"c"}}`, marker, tn.a2)
	tests := []struct {
		name, token, body string
		code              int
	}{
		{"no token", "", good, http.StatusUnauthorized},
		{"a wrong token", "nope", good, http.StatusUnauthorized},
		{"a line that is not JSON", tn.token, good + "\n{oops", http.StatusBadRequest},
		{"a line without a pod", tn.token, good + "\n" + `{"time":"2024-01-01T00:00:00Z","log":"x","kubernetes":{"namespace_name":"a","container_name":"c"}}`, http.StatusBadRequest},
		{"a line without a time", tn.token, good + "\n" + `{"log":"x","kubernetes":{"namespace_name":"a","pod_name":"p","container_name":"c"}}`, http.StatusBadRequest},
		{"a bad time", tn.token, good + "\n" + `{"time":"yesterday","log":"x","kubernetes":{"namespace_name":"a","pod_name":"p","container_name":"c"}}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/ingest", strings.NewReader(tt.body))
			if tt.token != "" {
				r.Header.Set("Authorization", "Bearer "+tt.token)
			}
			w := httptest.NewRecorder()
			tn.ingest.ServeHTTP(w, r)
			assert.Equal(t, tt.code, w.Code, w.Body.String())
		})
	}
	require.NoError(t, store.Flush(context.Background()))
	assert.Empty(t, tn.logs(t, "root", url.Values{"log_query": {marker}}), "a refused batch writes nothing")

	t.Run("Fluent Bit's date and a JSON array are accepted", func(t *testing.T) {
		body := fmt.Sprintf(`[{"date":%d.25,"log":"array line","kubernetes":{"namespace_name":%q,"pod_name":"p","container_name":"c"}}]`, time.Now().Unix(), tn.a2)
		r := httptest.NewRequest(http.MethodPost, "/ingest", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tn.token)
		w := httptest.NewRecorder()
		tn.ingest.ServeHTTP(w, r)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		require.NoError(t, store.Flush(context.Background()))
		assert.Equal(t, []string{"array line"}, tn.logs(t, "wendy", url.Values{"log_query": {"array line"}}))
	})
}
