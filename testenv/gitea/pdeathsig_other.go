//go:build !linux

package gitea

import "syscall"

// childSysProcAttr gives Gitea a process group of its own, so Stop can end
// it and the git processes it runs. Parent-death signals are a Linux
// feature: elsewhere Gitea ends through Stop only.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
