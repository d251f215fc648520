//go:build linux

package process

import "syscall"

// sysProcAttr gives a child a process group of its own (so Stop signals it
// and anything it started) and SIGKILL when the thread that started it ends,
// which, for a starter thread, is when this process ends. Go's fork sets the
// signal and then checks that the parent still lives, so a parent that dies
// during the fork is not missed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
