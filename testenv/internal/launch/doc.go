// Package launch starts the one server process behind each of testenv's
// single-server packages (testenv/alertmanager, testenv/mailpit,
// testenv/victorialogs, testenv/prometheus, testenv/kubestatemetrics) and
// holds the scaffolding they share: the StartError they report, the build
// through testenv/internal/provision, the work folder and log, the free
// loopback ports, the start and the wait for readiness, and Stop.
//
// Start with Start: a server package names itself with a type that has a
// ServerName method and passes a Spec saying what it alone knows (the
// component to build, files to write into the work folder, its command line
// for the ports picked, the URL that answers once it is ready). Its own
// StartError is an alias of StartError instantiated with that type, so each
// package keeps an error type of its own for errors.As, named in its
// messages.
//
// testenv/gitea does not use it: it runs set-up commands before its server
// and reports which step failed (its StartError has a Step).
package launch
