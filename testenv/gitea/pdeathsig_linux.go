//go:build linux

package gitea

import "syscall"

// childSysProcAttr gives Gitea a process group of its own (so Stop can end
// it and the git processes it runs) and SIGKILL when the thread that started
// it ends, which, started from the starter thread, is when this process ends.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
