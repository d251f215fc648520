package auditing_test

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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/auditing"
	"github.com/spherekit/spherekit/observability/events"
	"github.com/spherekit/spherekit/observability/logscope"
	"github.com/spherekit/spherekit/observability/logstore"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// tenants is one test's world: two workspaces, their namespaces and a
// namespace in no workspace, with unique names; a ConfigMap created in
// every namespace and a create refused to carol, all through the real API
// server, whose audit events reach the store through the sink; an audit
// event dated before one namespace existed (an earlier namespace of the
// same name); and users with roles to read them.
type tenants struct {
	prefix            string
	wsA, wsB          string
	a1, a2, b1, loose string
	created           time.Time // when a1 was created
	earlierID         string    // the audit ID of a1's earlier event
	api               http.Handler
}

var serial int

func setupTenants(t *testing.T) *tenants {
	t.Helper()
	ctx := context.Background()
	serial++
	p := fmt.Sprintf("t%d-%d", time.Now().UnixNano()%100000, serial)
	tn := &tenants{prefix: p, wsA: p + "-ws-a", wsB: p + "-ws-b", a1: p + "-a1", a2: p + "-a2", b1: p + "-b1", loose: p + "-loose"}
	var objs []runtime.Object
	for _, ws := range []string{tn.wsA, tn.wsB} {
		require.NoError(t, cluster.Client.Create(ctx, &tenantv1beta1.WorkspaceTemplate{ObjectMeta: metav1.ObjectMeta{Name: ws}}))
	}
	for _, ns := range []string{tn.a1, tn.a2, tn.b1, tn.loose} {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		switch ns {
		case tn.a1, tn.a2:
			n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: tn.wsA}
		case tn.b1:
			n.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: tn.wsB}
		}
		require.NoError(t, cluster.Client.Create(ctx, n))
		if ns == tn.a1 {
			tn.created = n.CreationTimestamp.Time
		}
		objs = append(objs, n)
		require.NoError(t, cluster.Client.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: ns}}))
	}
	// carol, authenticated but granted nothing in Kubernetes, is refused
	// (before the API server reads the body, so her event names no object).
	carolConfig, err := cluster.AddUser("carol", "team-blue")
	require.NoError(t, err)
	carol, err := client.New(carolConfig, client.Options{Scheme: cluster.Scheme})
	require.NoError(t, err)
	err = carol.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "intrusion", Namespace: tn.a1}})
	require.True(t, apierrors.IsForbidden(err), "carol's create: %v", err)

	// An event of an earlier namespace a1, through a sink of the test's own.
	tn.earlierID = p + "-earlier"
	earlier := auditv1.Event{
		Level: auditv1.LevelMetadata, AuditID: types.UID(tn.earlierID), Stage: auditv1.StageResponseComplete,
		RequestURI: "/api/v1/namespaces/" + tn.a1 + "/secrets", Verb: "create",
		ObjectRef:                &auditv1.ObjectReference{Resource: "secrets", Namespace: tn.a1, Name: "old", APIVersion: "v1"},
		ResponseStatus:           &metav1.Status{Code: 201},
		RequestReceivedTimestamp: metav1.NewMicroTime(tn.created.Add(-time.Hour)),
		StageTimestamp:           metav1.NewMicroTime(tn.created.Add(-time.Hour)),
	}
	postEvents(t, sinkToken, http.StatusOK, earlier)

	all := rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}
	events := rbacv1.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"events"}}
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
		// alice reads the audit trail of a1 only; lena of the loose namespace.
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "events", Namespace: tn.a1}, Rules: []rbacv1.PolicyRule{events}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: tn.a1}, Subjects: user("alice"), RoleRef: ref("Role", "events")},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "events", Namespace: tn.loose}, Rules: []rbacv1.PolicyRule{events}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "lena", Namespace: tn.loose}, Subjects: user("lena"), RoleRef: ref("Role", "events")},
		// wendy reads the audit trail of workspace A.
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "ws-events", Labels: wsl}, Rules: []rbacv1.PolicyRule{events}},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wendy", Labels: wsl}, Subjects: user("wendy"), RoleRef: ref("WorkspaceRole", "ws-events")},
		// bob may list a1's pods, which is not reading its audit trail.
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods", Namespace: tn.a1}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bob", Namespace: tn.a1}, Subjects: user("bob"), RoleRef: ref("Role", "pods")},
	)
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	c, err := auditing.NewClient(auditing.ClientOptions{Store: store, Authorizer: az, Reader: reader, Cluster: clusterName})
	require.NoError(t, err)
	tn.api, err = auditing.NewHandler(auditing.HandlerOptions{Client: c, Caller: func(r *http.Request) (authz.User, error) {
		if u := r.Header.Get("X-User"); u != "" {
			return authz.User{Name: u}, nil
		}
		return authz.User{}, errors.New("no user")
	}})
	require.NoError(t, err)

	// The API server sends its batches asynchronously: wait until the
	// store holds the ConfigMaps' creates and carol's refusal.
	want := []string{tn.a1 + "/configmaps/settings/create/201", tn.a2 + "/configmaps/settings/create/201", tn.b1 + "/configmaps/settings/create/201",
		tn.loose + "/configmaps/settings/create/201", tn.a1 + "/configmaps//create/403"}
	deadline := time.Now().Add(time.Minute)
	for {
		require.NoError(t, store.Flush(ctx))
		got := keys(tn.events(t, "root", url.Values{"objectref_namespace_search": {p}, "objectref_resource_filter": {"configmaps"}}))
		if len(missing(want, got)) == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the API server's audit events did not all arrive: missing %v", missing(want, got))
		time.Sleep(200 * time.Millisecond)
	}
	return tn
}

// postEvents sends events to a sink on the package's store as the API
// server would, and checks the answer's status.
func postEvents(t *testing.T, token string, status int, events ...auditv1.Event) {
	t.Helper()
	sink, err := auditing.NewSink(auditing.SinkOptions{Store: store, Reader: reader, Token: sinkToken, Cluster: clusterName})
	require.NoError(t, err)
	body, err := json.Marshal(auditv1.EventList{TypeMeta: metav1.TypeMeta{APIVersion: "audit.k8s.io/v1", Kind: "EventList"}, Items: events})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, sinkPath, bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	sink.ServeHTTP(w, r)
	require.Equal(t, status, w.Code, w.Body.String())
	require.NoError(t, store.Flush(context.Background()))
}

// get asks the API as userName and returns the status and body.
func (tn *tenants) get(t *testing.T, userName string, params url.Values) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, auditing.TenantPath+"?"+params.Encode(), nil)
	if userName != "" {
		r.Header.Set("X-User", userName)
	}
	w := httptest.NewRecorder()
	tn.api.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// events asks for up to 1000 audit events of this test's namespaces and
// workspaces as userName.
func (tn *tenants) events(t *testing.T, userName string, params url.Values) []auditing.Event {
	t.Helper()
	p := url.Values{}
	for k, v := range params {
		p[k] = v
	}
	p.Set("size", "1000")
	code, body := tn.get(t, userName, p)
	require.Equal(t, http.StatusOK, code, body)
	var res auditing.Response
	require.NoError(t, json.Unmarshal([]byte(body), &res), body)
	require.NotNil(t, res.Query, body)
	var out []auditing.Event
	for _, raw := range res.Query.Records {
		var e auditing.Event
		require.NoError(t, json.Unmarshal(raw, &e), string(raw))
		out = append(out, e)
	}
	assert.Equal(t, int64(len(out)), res.Query.Total)
	return out
}

// keys names events as namespace/resource/name/verb/code.
func keys(events []auditing.Event) []string {
	var out []string
	for _, e := range events {
		k := string(e.AuditID)
		if e.ObjectRef != nil && e.ResponseStatus != nil {
			k = fmt.Sprintf("%s/%s/%s/%s/%d", e.ObjectRef.Namespace, e.ObjectRef.Resource, e.ObjectRef.Name, e.Verb, e.ResponseStatus.Code)
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func missing(want, got []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			out = append(out, w)
		}
	}
	return out
}

// namespaces are the namespaces the events are about (a namespace's own
// events are about it).
func namespaces(events []auditing.Event) []string {
	var out []string
	for _, e := range events {
		ns := ""
		if e.ObjectRef != nil {
			ns = e.ObjectRef.Namespace
			if ns == "" && e.ObjectRef.Resource == "namespaces" {
				ns = e.ObjectRef.Name
			}
		}
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}

func TestSinkRecordsTheAPIServersEvents(t *testing.T) {
	tn := setupTenants(t)
	var create *auditing.Event
	for _, e := range tn.events(t, "root", url.Values{"objectref_namespace_filter": {tn.a1}, "objectref_name_filter": {"settings"}, "verb_filter": {"create"}}) {
		create = &e
	}
	require.NotNil(t, create)
	assert.Equal(t, tn.wsA, create.Workspace, "stamped with the namespace's workspace")
	assert.Equal(t, clusterName, create.Cluster)
	assert.Equal(t, "configmaps", create.ObjectRef.Resource)
	assert.Equal(t, int32(http.StatusCreated), create.ResponseStatus.Code)
	assert.Equal(t, "ResponseComplete", string(create.Stage))
	assert.Equal(t, "Metadata", string(create.Level))
	assert.NotEmpty(t, create.User.Username)
	assert.NotEmpty(t, create.SourceIPs)

	// The records are in KubeSphere's shape: the audit event's Go names.
	code, body := tn.get(t, "root", url.Values{"objectref_namespace_filter": {tn.a1}, "objectref_name_filter": {"settings"}, "verb_filter": {"create"}})
	require.Equal(t, http.StatusOK, code)
	var raw struct {
		Query struct {
			Records []map[string]any `json:"records"`
		} `json:"query"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &raw))
	require.NotEmpty(t, raw.Query.Records)
	rec := raw.Query.Records[0]
	for _, key := range []string{"AuditID", "Stage", "Verb", "User", "SourceIPs", "ObjectRef", "ResponseStatus", "RequestReceivedTimestamp", "Workspace", "Cluster"} {
		assert.Contains(t, rec, key)
	}
	assert.Equal(t, tn.a1, rec["ObjectRef"].(map[string]any)["Namespace"])
	assert.Equal(t, float64(201), rec["ResponseStatus"].(map[string]any)["code"])

	t.Run("a refused request, by user, group, code and status", func(t *testing.T) {
		for _, params := range []url.Values{
			{"user_filter": {"carol"}},
			{"user_search": {"CAR"}},
			{"group_search": {"team-bl"}},
			{"response_code_filter": {"403,404"}},
			{"response_status_filter": {"Failure"}, "user_filter": {"carol"}},
			{"objectref_resource_filter": {"config"}, "verb_filter": {"create"}, "response_code_filter": {"403"}},
		} {
			params.Set("objectref_namespace_filter", tn.a1)
			assert.Equal(t, []string{tn.a1 + "/configmaps//create/403"}, keys(tn.events(t, "root", params)), params.Encode())
		}
	})
}

func TestSinkRefusals(t *testing.T) {
	ctx := context.Background()
	sink, err := auditing.NewSink(auditing.SinkOptions{Store: store, Reader: reader, Token: sinkToken})
	require.NoError(t, err)
	post := func(method, token, body string) int {
		r := httptest.NewRequest(method, sinkPath, bytes.NewBufferString(body))
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		sink.ServeHTTP(w, r)
		return w.Code
	}
	id := fmt.Sprintf("refused-%d", time.Now().UnixNano())
	item := `{"auditID":"` + id + `","stage":"ResponseComplete","level":"Metadata","verb":"get","requestReceivedTimestamp":"2026-01-02T03:04:05.000000Z"}`
	list := func(items string) string {
		return `{"apiVersion":"audit.k8s.io/v1","kind":"EventList","items":[` + items + `]}`
	}
	valid := list(item)
	assert.Equal(t, http.StatusMethodNotAllowed, post(http.MethodGet, sinkToken, ""))
	assert.Equal(t, http.StatusUnauthorized, post(http.MethodPost, "", valid))
	assert.Equal(t, http.StatusUnauthorized, post(http.MethodPost, "guess", valid))
	for _, body := range []string{
		"", "{", `{"items":[]}`,
		`{"apiVersion":"audit.k8s.io/v1beta1","kind":"EventList","items":[]}`,
		`{"apiVersion":"audit.k8s.io/v1","kind":"Event"}`,
		list(`{"auditID":"` + id + `","stage":"ResponseComplete"}`),
		list(item + `,{"verb":"get"}`),
	} {
		assert.Equal(t, http.StatusBadRequest, post(http.MethodPost, sinkToken, body), body)
	}
	require.NoError(t, store.Flush(ctx))
	page, err := store.Count(ctx, logstore.Equal(auditing.FieldAuditID, id), time.Time{}, time.Time{}, "")
	require.NoError(t, err)
	assert.Zero(t, page.Records, "a refused batch writes nothing")

	assert.Equal(t, http.StatusOK, post(http.MethodPost, sinkToken, valid))
	require.NoError(t, store.Flush(ctx))
	page, err = store.Count(ctx, logstore.Equal(auditing.FieldAuditID, id), time.Time{}, time.Time{}, "")
	require.NoError(t, err)
	assert.Equal(t, int64(1), page.Records)
}

func TestTenantScope(t *testing.T) {
	tn := setupTenants(t)
	mine := url.Values{"objectref_namespace_search": {tn.prefix}}
	settings := func(nss ...string) []string {
		var out []string
		for _, ns := range nss {
			out = append(out, ns+"/configmaps/settings/create/201")
		}
		return out
	}
	intrusion := tn.a1 + "/configmaps//create/403"
	earlier := tn.a1 + "/secrets/old/create/201"

	t.Run("a platform admin reads every namespace, earlier events included", func(t *testing.T) {
		got := keys(tn.events(t, "root", mine))
		assert.Empty(t, missing(append(settings(tn.a1, tn.a2, tn.b1, tn.loose), intrusion, earlier), got))
	})
	t.Run("a workspace member reads its workspace's namespaces and the workspace", func(t *testing.T) {
		evs := tn.events(t, "wendy", url.Values{})
		assert.Empty(t, missing(append(settings(tn.a1, tn.a2), intrusion), keys(evs)))
		assert.Subset(t, []string{"", tn.a1, tn.a2}, namespaces(evs), "the namespaces and the workspace template itself")
		for _, e := range evs {
			assert.Equal(t, tn.wsA, e.Workspace)
			if e.ObjectRef.Namespace == "" && e.ObjectRef.Resource != "namespaces" {
				assert.Equal(t, "workspacetemplates", e.ObjectRef.Resource)
				assert.Equal(t, tn.wsA, e.ObjectRef.Name)
			}
		}
	})
	t.Run("a project member reads its namespace from its creation", func(t *testing.T) {
		evs := tn.events(t, "alice", url.Values{})
		assert.Empty(t, missing(append(settings(tn.a1), intrusion), keys(evs)))
		assert.NotContains(t, keys(evs), earlier)
		assert.Equal(t, []string{tn.a1}, namespaces(evs))
	})
	t.Run("a namespace outside any workspace", func(t *testing.T) {
		evs := tn.events(t, "lena", url.Values{})
		assert.Empty(t, missing(settings(tn.loose), keys(evs)))
		assert.Equal(t, []string{tn.loose}, namespaces(evs))
	})
	t.Run("the store's events and logs of the same namespace are not audit events", func(t *testing.T) {
		now := metav1.Now()
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: tn.a1, Name: "pulled", UID: "event-uid", ResourceVersion: "1"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: tn.a1, Name: "web-0"}, Reason: "Pulled", LastTimestamp: now}
		evRecord, err := events.Record(ev, tn.wsA, clusterName)
		require.NoError(t, err)
		logRecord := logstore.Record{Time: now.Time, Message: "GET / 200", Fields: map[string]string{logscope.FieldKind: logscope.KindLog,
			logscope.FieldNamespace: tn.a1, logscope.FieldWorkspace: tn.wsA, logscope.FieldCluster: clusterName}}
		require.NoError(t, store.Write(context.Background(), []logstore.Record{evRecord, logRecord}))
		require.NoError(t, store.Flush(context.Background()))
		for _, who := range []string{"root", "alice"} {
			for _, e := range tn.events(t, who, url.Values{"objectref_namespace_filter": {tn.a1}}) {
				assert.NotEmpty(t, e.AuditID, who)
			}
		}
	})
	t.Run("listing pods is not reading the audit trail", func(t *testing.T) {
		assert.Empty(t, tn.events(t, "bob", url.Values{}))
	})
	t.Run("a stranger reads nothing", func(t *testing.T) {
		assert.Empty(t, tn.events(t, "mallory", url.Values{}))
	})

	// Every way alice's parameters could reach another namespace's or
	// workspace's events.
	breakouts := []url.Values{
		{"workspace_filter": {tn.wsB}},
		{"workspace_filter": {tn.wsA + "," + tn.wsB}},
		{"workspace_search": {"ws"}},
		{"objectref_namespace_filter": {tn.b1}},
		{"objectref_namespace_filter": {tn.a1 + "," + tn.b1}},
		{"objectref_namespace_search": {"b1"}},
		{"objectref_namespace_search": {tn.prefix}},
		{"objectref_name_filter": {"settings"}},
		{"objectref_name_search": {"*"}},
		{"objectref_resource_filter": {"configmaps,namespaces,workspacetemplates"}},
		{"user_filter": {"carol"}},
		{"user_search": {`") or ("`}},
		{"group_search": {`" | delete | "`}},
		{"source_ip_search": {"."}},
		{"verb_filter": {"create,get,list,update,delete"}},
		{"level_filter": {"Metadata"}},
		{"response_code_filter": {"201,403"}},
		{"response_status_filter": {`x") or namespace:*  or ("`}},
		{"objectref_namespace_filter": {tn.a1 + `" or "namespace":="` + tn.b1}},
		{"start_time": {"0"}},
		{"start_time": {"0"}, "end_time": {"4102444800"}},
		{"sort": {"asc"}, "from": {"0"}},
	}
	inA1 := len(tn.events(t, "alice", url.Values{}))
	for _, params := range breakouts {
		t.Run("alice cannot break out with "+params.Encode(), func(t *testing.T) {
			for _, ns := range namespaces(tn.events(t, "alice", params)) {
				assert.Equal(t, tn.a1, ns)
			}
			for _, op := range []string{"statistics", "histogram"} {
				p := url.Values{"operation": {op}}
				for k, v := range params {
					p[k] = v
				}
				code, body := tn.get(t, "alice", p)
				if op == "histogram" && code == http.StatusBadRequest {
					assert.Contains(t, body, "buckets", "only a histogram of too many buckets is refused")
					continue
				}
				require.Equal(t, http.StatusOK, code, body)
				var res auditing.Response
				require.NoError(t, json.Unmarshal([]byte(body), &res))
				if op == "statistics" {
					assert.LessOrEqual(t, res.Statistics.Events, int64(inA1))
				}
			}
		})
	}
}

func TestOperations(t *testing.T) {
	tn := setupTenants(t)
	ns := url.Values{"objectref_namespace_filter": {tn.a1}}
	all := tn.events(t, "root", ns)
	require.NotEmpty(t, all)

	op := func(name string, extra url.Values) auditing.Response {
		p := url.Values{"operation": {name}, "objectref_namespace_filter": {tn.a1}}
		for k, v := range extra {
			p[k] = v
		}
		code, body := tn.get(t, "root", p)
		require.Equal(t, http.StatusOK, code, body)
		var res auditing.Response
		require.NoError(t, json.Unmarshal([]byte(body), &res))
		return res
	}
	t.Run("statistics count events and distinct requests", func(t *testing.T) {
		s := op("statistics", nil).Statistics
		require.NotNil(t, s)
		assert.Equal(t, int64(len(all)), s.Events)
		ids := map[types.UID]bool{}
		for _, e := range all {
			ids[e.AuditID] = true
		}
		assert.Equal(t, int64(len(ids)), s.Resources)
	})
	t.Run("the histogram's buckets add up to the total", func(t *testing.T) {
		h := op("histogram", url.Values{"interval": {"1h"}, "start_time": {fmt.Sprint(tn.created.Add(-2 * time.Hour).Unix())},
			"end_time": {fmt.Sprint(time.Now().Add(time.Minute).Unix())}}).Histogram
		require.NotNil(t, h)
		assert.Equal(t, int64(len(all)), h.Total)
		var sum int64
		for _, b := range h.Buckets {
			sum += b.Count
		}
		assert.Equal(t, h.Total, sum)
	})
	t.Run("pages newest first and oldest first", func(t *testing.T) {
		newest := tn.events(t, "root", url.Values{"objectref_namespace_filter": {tn.a1}})
		oldest := tn.events(t, "root", url.Values{"objectref_namespace_filter": {tn.a1}, "sort": {"asc"}})
		require.Len(t, oldest, len(newest))
		assert.Equal(t, tn.earlierID, string(oldest[0].AuditID), "the earlier namespace's event is the oldest")
		assert.True(t, !newest[0].RequestReceivedTimestamp.Before(&newest[len(newest)-1].RequestReceivedTimestamp))
		p := url.Values{"objectref_namespace_filter": {tn.a1}, "sort": {"asc"}, "from": {"1"}, "size": {"1"}}
		code, body := tn.get(t, "root", p)
		require.Equal(t, http.StatusOK, code)
		var res auditing.Response
		require.NoError(t, json.Unmarshal([]byte(body), &res))
		require.Len(t, res.Query.Records, 1)
		var second auditing.Event
		require.NoError(t, json.Unmarshal(res.Query.Records[0], &second))
		assert.Equal(t, oldest[1].AuditID, second.AuditID)
		assert.Equal(t, int64(len(all)), res.Query.Total)
	})
	t.Run("time bounds are inclusive seconds", func(t *testing.T) {
		at := tn.created.Add(-time.Hour).Unix()
		evs := tn.events(t, "root", url.Values{"objectref_namespace_filter": {tn.a1}, "start_time": {fmt.Sprint(at)}, "end_time": {fmt.Sprint(at)}})
		assert.Equal(t, []string{tn.a1 + "/secrets/old/create/201"}, keys(evs))
	})
	t.Run("the other paths and refusals", func(t *testing.T) {
		for path, want := range map[string]int{
			auditing.LoggingPath + "?objectref_namespace_filter=" + tn.a1: http.StatusOK,
			auditing.TenantPath + "?size=1001":                            http.StatusBadRequest,
			auditing.TenantPath + "?response_code_filter=ok":              http.StatusBadRequest,
			auditing.TenantPath + "?operation=export":                     http.StatusBadRequest,
			"/kapis/tenant.kubesphere.io/v1alpha2/auditing/other":         http.StatusNotFound,
		} {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Header.Set("X-User", "root")
			w := httptest.NewRecorder()
			tn.api.ServeHTTP(w, r)
			assert.Equal(t, want, w.Code, path+": "+w.Body.String())
		}
		r := httptest.NewRequest(http.MethodGet, auditing.TenantPath, nil)
		w := httptest.NewRecorder()
		tn.api.ServeHTTP(w, r)
		assert.Equal(t, http.StatusUnauthorized, w.Code)
	})
}
