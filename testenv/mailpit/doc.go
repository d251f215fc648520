// Package mailpit runs a real SMTP server for tests: mailpit
// (github.com/axllent/mailpit, MIT), which accepts mail over SMTP and
// serves what it received over an HTTP API, so a test can send email the
// way a program does and read back what was delivered.
//
// Start builds mailpit from the Go module proxy on first use (a couple
// of minutes on two cores, then cached with the rest of testenv's
// servers, see testenv/internal/provision), runs it on free loopback
// ports with its database in a temporary work folder, and returns once
// its API answers. SMTP authentication is accepted with any user name and
// password, and without TLS, as a test's sender needs. Stop ends it and
// removes the folder; the server also dies with the test process (on
// Linux).
package mailpit
