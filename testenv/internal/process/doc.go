// Package process runs the server processes of testenv's server packages
// (testenv/ldap) the way testenv runs its control plane: each in a process
// group of its own, stopped with SIGTERM and then SIGKILL, its output kept
// in a tail for error messages, and, on Linux, killed by the kernel when the
// process that started it ends in any way (a parent-death signal, set from a
// thread that lives as long as the process; see Start). Each server gets a
// folder (NewFolder) that holds a file lock for its owner's life, so the
// next start in any process removes the folders of owners that died
// (RemoveAbandoned).
//
// testenv's own starter.go, process.go and folder.go do the same for the
// control plane; they predate this package.
package process
