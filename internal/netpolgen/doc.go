// Package netpolgen generates random worlds of namespaces, pods and
// NetworkPolicies for property tests, fuzzing and the differential test of
// the reachability engine against an independent implementation. The same
// seed gives the same world.
package netpolgen
