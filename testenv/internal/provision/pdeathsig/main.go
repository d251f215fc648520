//go:build linux

// Command pdeathsig runs a program that the kernel kills with SIGKILL when
// the thread that started pdeathsig ends, that is, when the process that
// started it ends for whatever reason (testenv starts it from a thread kept
// for the life of the process). testenv runs etcd and kube-apiserver through
// it because envtest, which starts them, offers no way to set a parent-death
// signal (os/exec's SysProcAttr.Pdeathsig).
//
//	pdeathsig PARENT-PID PROGRAM [ARG...]
//
// It sets its parent-death signal, checks that its parent is still
// PARENT-PID (if that process ended before the signal was set, the kernel
// would never send it, so pdeathsig exits instead), then execs PROGRAM with
// ARGs in its own place: same process ID, same process group. The signal
// setting survives execve for programs that gain no privileges. testenv
// builds it from this file into its cache (the go command builds it in a
// module of its own; it uses the standard library only).
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
