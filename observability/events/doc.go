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
// seen (the API server keeps only the latest state of an event).
package events
