// Command warm builds every test server testenv provisions from source
// into testenv's cache, a few at a time, longest first, and exits non-zero
// if any build fails. .ci/run runs it before the test packages' TestMains,
// which then find every server built: a TestMain builds its servers one
// after another and waits for another TestMain's build of a server they
// share, which leaves a core idle on a cold machine.
//
//	go run ./testenv/internal/provision/warm [-j 2]
package main
