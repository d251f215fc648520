// Package alertmanager runs a real Alertmanager for tests: the server
// Prometheus sends firing alerts to, which groups them and notifies
// receivers, here webhooks. A test points its webhook receivers at its own
// HTTP server (an httptest.Server, say, or the SDK's notification
// endpoint) and sees the payload Alertmanager really sends (version "4").
//
// Start builds Alertmanager from the Go module proxy on first use
// (github.com/prometheus/alertmanager, Apache-2.0; a couple of minutes on
// two cores, then cached with the rest of testenv's servers, see
// testenv/internal/provision; its web UI is not built, the API is all
// there), writes its configuration from Options (webhook receivers and the
// top route with short group waits, or Options.Config as given), runs it
// on a free loopback port with its data in a temporary work folder and
// gossip off (no cluster port), and returns once it answers /-/ready.
// Address is what a Prometheus's alerting configuration points at
// (testenv/prometheus's Options.Alertmanagers) and URL the base of its API;
// PostAlerts sends alerts through the API v2 as Prometheus does, for tests
// without a Prometheus. Stop ends it and removes the folder; the server
// also dies with the test process (on Linux).
package alertmanager
