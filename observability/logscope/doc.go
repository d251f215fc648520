// Package logscope computes what a user may read of the records
// spherekit keeps in a log store (container logs, Kubernetes events, audit
// events), from their roles (tenancy/authz), as a logstore.Filter on the
// records' tenant fields.
//
// A Scope is everything, for a user allowed cluster-wide; otherwise one
// term per workspace the user may read whole, from the workspace's
// creation, and one per other namespace they may read, from the
// namespace's creation, so that records of an earlier namespace of the
// same name never show. Its size grows with what was granted one by one,
// never with the namespaces a workspace holds.
package logscope
