// Package netpolgen generates random worlds of namespaces, pods, nodes,
// NetworkPolicies and, when asked, ClusterNetworkPolicies for property
// tests, fuzzing and the differential test of the reachability engine
// against an independent implementation. The same seed gives the same
// world. Start from Objects (NetworkPolicies only, as the differential
// test against Cyclonus uses it) or Generate with Options.
package netpolgen
