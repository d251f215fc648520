// Package logstore keeps log-shaped records (container log lines,
// Kubernetes events, audit events) in a real log database and answers the
// questions spherekit's logging, events and auditing packages ask of it:
// a page of records, newest or oldest first, with the total; a count and a
// count of distinct values; a histogram; and an export stream.
//
// A Record is a time, a message and string fields. Queries select records
// with a Filter built from Equal, HasPrefix, ContainsFold, Matches,
// NotBefore, Before, And, Or and Not. A Filter is data, never text: the backend
// renders it in its own query language and quotes every value there, so
// no value a user types (quotes, pipes, operators) can widen a query. That
// is what lets a tenant's scope be one more Filter ANDed into the user's.
//
// VictoriaLogs is the backend (Apache-2.0; github.com/VictoriaMetrics/
// VictoriaLogs): it stores each record with its fields, lets a few of them
// (the tenant fields: cluster, workspace, namespace) identify the stream a
// record belongs to, and answers LogsQL. testenv/victorialogs builds and
// runs a real one for tests.
package logstore
