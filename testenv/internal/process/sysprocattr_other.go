//go:build !linux

package process

import "syscall"

// sysProcAttr gives a child a process group of its own, so Stop signals it
// and anything it started. Without parent-death signals (a Linux feature),
// children end through Stop only.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
