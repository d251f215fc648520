package process

import (
	"runtime"
	"sync"
)

// Every process is started from a starter: a goroutine locked to its OS
// thread that never unlocks and never returns, so its thread lives as long
// as the process. On Linux a parent-death signal fires when the thread that
// forked the child ends, not the process, and the Go runtime ends a thread
// when a goroutine locked to it returns; a child forked from an ordinary
// goroutine's thread could be killed early if some other code later locked
// a goroutine onto that thread and returned. Idle starters are kept for
// reuse, so there are as many starter threads as starts ever ran at once.
var starters struct {
	mu   sync.Mutex
	idle []chan func()
}

// OnStarterThread runs f on a starter's thread and returns when f does. A
// panic in f is raised again in the caller. Start and Run start processes
// through it; code that starts processes some other way (testenv, through
// envtest) calls it around that start so that the parent-death signals it
// sets last as long as this process.
func OnStarterThread(f func()) {
	starters.mu.Lock()
	var jobs chan func()
	if n := len(starters.idle); n > 0 {
		jobs = starters.idle[n-1]
		starters.idle = starters.idle[:n-1]
	} else {
		jobs = make(chan func())
		go runStarter(jobs)
	}
	starters.mu.Unlock()

	done := make(chan any, 1)
	jobs <- func() {
		defer func() { done <- recover() }()
		f()
	}
	p := <-done
	starters.mu.Lock()
	starters.idle = append(starters.idle, jobs)
	starters.mu.Unlock()
	if p != nil {
		panic(p)
	}
}

func runStarter(jobs chan func()) {
	// Never unlocked: the thread is never handed to another goroutine and
	// ends only with the process.
	runtime.LockOSThread()
	for job := range jobs {
		job()
	}
}
