// Package auditing keeps a cluster's audit trail in a log store
// (observability/logstore), each audit event stamped with its namespace's
// workspace, and answers KubeSphere's audit queries for every tenant,
// scoped to what they may read.
//
// The trail comes from the API server itself: kube-apiserver's audit
// webhook backend (--audit-policy-file, --audit-webhook-config-file) posts
// batches of audit.k8s.io/v1 events to the Sink (NewSink), an
// http.Handler a host serves over HTTPS, typically on its manager's
// webhook server. The sink checks the API server's bearer token, stamps
// each event with the workspace of the namespace it is about and the
// cluster, and stores it; it answers 200 only once the store has the whole
// batch, so the API server retries what the store failed to take.
// testenv.AuditOptions configures a test cluster's API server the same
// way.
//
// A Client answers KubeSphere's audit query parameters (ParseAuditQuery:
// workspace_filter, objectref_namespace_filter, objectref_name_search,
// objectref_resource_filter, verb_filter, user_filter, group_search,
// source_ip_search, response_code_filter, response_status_filter,
// level_filter, start_time, end_time, interval, sort, from, size, ...)
// for a user: a user reads the trail of the namespaces and workspaces
// whose events they may list (ReadAudit, as in KubeSphere), each from its
// creation, through observability/logscope; a user who may list every
// namespace's events reads all of it. NewHandler serves the queries at
// /kapis/tenant.kubesphere.io/v1alpha2/auditing/events and
// /kapis/logging.kubesphere.io/v1alpha2/auditing in KubeSphere's shapes,
// the records being audit events as KubeSphere stores them (Event).
//
// Differences from KubeSphere: bad parameters are refused with 400 naming
// the parameter (KubeSphere ignores a response code it cannot read);
// *_search parameters find substrings ignoring case; a namespace's own
// audit events (its creation, its updates) belong to it.
package auditing
