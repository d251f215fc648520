//go:build !linux

package testenv

import "syscall"

// runsThroughPdeathsig is false: parent-death signals are a Linux feature.
const runsThroughPdeathsig = false

// childSysProcAttr gives every child testenv starts itself a process group of
// its own, so Stop can signal the process and anything it started.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// wrapInPdeathsig does nothing: without parent-death signals, children end
// through Stop and Run's signal handling only.
func wrapInPdeathsig(string, *binaries) error { return nil }
