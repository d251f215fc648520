// Package process runs the server processes of testenv and of its server
// packages (testenv/gitea, testenv/ldap): each in a process group of its
// own, stopped with SIGTERM and then SIGKILL, its output kept in a Tail for
// error messages, and, on Linux, killed by the kernel when the process that
// started it ends in any way (a parent-death signal, set from a thread that
// lives as long as the process; see OnStarterThread). Start starts a server;
// Run runs a program to its end, such as a server's set-up command. Each
// server gets a folder (NewFolder) that holds a file lock for its owner's
// life, so the next start in any process removes the folders of owners that
// died (RemoveAbandoned).
//
// It imports nothing of testenv's, so testenv and its server packages can
// share it without a server package importing testenv (and envtest).
package process
