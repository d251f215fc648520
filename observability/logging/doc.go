// Package logging answers "show me the logs of my project" for every
// tenant of a KubeSphere-style cluster, from container log records kept in
// a real log database (observability/logstore on VictoriaLogs).
//
// Collection: NewIngester is the endpoint a log shipper (Fluent Bit,
// Vector) sends container log lines to; it stamps each record with the
// namespace's workspace and the cluster, the fields every scoped query
// selects on.
//
// Queries: ParseLogQuery reads KubeSphere's log query parameters
// (operation, namespaces, workloads, pods, containers and their *_query
// forms, log_query, start_time, end_time, interval, sort, from, size), and
// a Client answers them for a user: a page of records with the total,
// statistics, a histogram, or an export stream. NewHandler serves the same
// at KubeSphere's /kapis/tenant.kubesphere.io/v1alpha2/logs, in its JSON
// shapes.
//
// # Tenant scope
//
// Every query is ANDed with the user's scope (observability/logscope):
// everything for a user who may get pods/log cluster-wide; otherwise the
// workspaces where they may do so workspace-wide, each from the
// workspace's creation, and the other
// namespaces where they may, each from the namespace's creation, so logs
// of an earlier namespace with the same name never show. The scope is
// expressed on the records' workspace and namespace fields: a workspace
// member's query names the workspace, not each of its namespaces, so its
// cost does not grow with the namespaces they can see (KubeSphere lists
// every namespace in its Elasticsearch query and fails above about a
// thousand, kubesphere#3196). What the user asks for is data in the
// store's filter, never query text, so no parameter can widen the scope.
//
// A record belongs to the workspace its namespace was in when the record
// was written: a project moved to another workspace takes none of its
// earlier logs with it.
//
// # Differences from KubeSphere
//
//   - Bad parameters are refused with 400 and an *InvalidError naming the
//     parameter (KubeSphere answers 500, or passes them to its database):
//     an unknown operation or sort, a size above MaxSize, an interval in
//     months, quarters or years (buckets of one width only).
//   - namespace_query, workload_query, pod_query and container_query find
//     substrings ignoring case (KubeSphere: case-sensitive for
//     namespace_query, word prefixes for the others).
//   - A histogram without start_time covers DefaultHistogramSpan before its
//     end.
package logging
