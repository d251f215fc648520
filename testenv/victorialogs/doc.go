// Package victorialogs runs a real VictoriaLogs server for tests: the log
// database spherekit's observability/logstore keeps container logs,
// Kubernetes events and audit events in.
//
// Start builds VictoriaLogs from the Go module proxy on first use
// (github.com/VictoriaMetrics/VictoriaLogs, Apache-2.0; a couple of minutes
// on two cores, then cached with the rest of testenv's servers, see
// testenv/internal/provision), runs it on a free loopback port with its
// data in a temporary work folder, and returns once it answers /health.
// Stop ends it and removes the folder; the server also dies with the test
// process (on Linux).
//
// The server keeps records of any age (a retention of 100 years), so tests
// can write records with fixed timestamps in the past.
package victorialogs
