//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

func main() {
	// The parent-death signal is a setting of the calling thread, and execve
	// keeps the setting of the thread that calls it: do both on one thread.
	runtime.LockOSThread()
	if len(os.Args) < 3 {
		fail(2, "usage: pdeathsig PARENT-PID PROGRAM [ARG...]")
	}
	parent, err := strconv.Atoi(os.Args[1])
	if err != nil || parent <= 1 {
		fail(2, "pdeathsig: bad parent process ID %q", os.Args[1])
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		fail(1, "pdeathsig: set the parent-death signal: %v", errno)
	}
	if ppid := os.Getppid(); ppid != parent {
		fail(1, "pdeathsig: process %d, which started %s, has ended", parent, os.Args[2])
	}
	err = syscall.Exec(os.Args[2], os.Args[2:], os.Environ())
	fail(127, "pdeathsig: run %s: %v", os.Args[2], err)
}

func fail(code int, format string, args ...any) {
	_, _ = fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}
