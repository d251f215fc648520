// Package events keeps a cluster's Kubernetes Events in a log store
// (observability/logstore), each stamped with its namespace's workspace,
// so that every tenant can read the events of their projects long after
// the API server has dropped them (it keeps events for an hour).
//
// An Exporter runs in a controller-runtime manager: it watches core/v1
// Events through the manager's cache and writes each new state of an
// event (a new event, or a new count, message or time) as one record, in
// batches. A restart writes no record twice: the states the store already
// holds are looked up before the events the restart lists again are
// written. Event states that came and went while no exporter ran are not
// seen (the API server keeps only the latest state of an event). The
// events.k8s.io/v1 Events newer controllers write are the same objects as
// core/v1 Events, so the one watch keeps both.
//
// A Ruler evaluates kube-events' event rules (events.kubesphere.io/v1alpha1
// Rule, conditions in package condition) on every new event state and
// hands the Alertmanager-shaped alerts and the notifications they raise to
// the host, in batches; a Rule sees only the events its scope allows, and
// a tenant's Rule only its own namespace's.
//
// A Client answers KubeSphere's event queries (ParseEventQuery:
// workspace_filter, involved_object_namespace_filter, reason_search,
// message_search, type_filter, start_time, end_time, interval, sort, from,
// size, ...) for a user, scoped by observability/logscope to what they may
// list events of; NewHandler serves them at
// /kapis/tenant.kubesphere.io/v1alpha2/events in KubeSphere's shapes, the
// records being the core/v1 Events themselves.
//
// Differences from KubeSphere: bad parameters are refused with 400 naming
// the parameter; *_search parameters find substrings ignoring case; a
// reader of every namespace's events reads all of them, events of no
// namespace (such as a Node's) included, without a creation-time bound
// per namespace; the total of an empty page past the end is the real
// total (KubeSphere answers 0).
package events
