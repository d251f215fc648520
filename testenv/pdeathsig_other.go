//go:build !linux

package testenv

// runsThroughPdeathsig is false: parent-death signals are a Linux feature.
const runsThroughPdeathsig = false

// wrapInPdeathsig does nothing: without parent-death signals, children end
// through Stop and Run's signal handling only.
func wrapInPdeathsig(string, *binaries) error { return nil }
