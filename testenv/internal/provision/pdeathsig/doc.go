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
// builds it from main.go into its cache (the go command builds it in a
// module of its own; it uses the standard library only).
package main
