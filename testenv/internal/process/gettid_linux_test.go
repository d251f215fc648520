package process

import "syscall"

// gettid is the calling thread's ID.
func gettid() int { return syscall.Gettid() }
