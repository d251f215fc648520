package testenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spherekit/spherekit/testenv/internal/process"
)

// child is a control-plane process testenv runs itself (controller-manager,
// scheduler, kwok); etcd and kube-apiserver are run through envtest.
type child struct {
	name string
	*process.Process
}

// startChild starts path with args, logging to logPath and to the process's
// tail. The child gets a process group of its own and, on Linux, dies with
// this process (see process.Start).
func startChild(name, path, logPath string, args ...string) (*child, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("testenv: create %s log: %w", name, err)
	}
	p, err := process.Start(path, args, process.Options{Log: f})
	if err != nil {
		_ = f.Close()
		return nil, &ProcessError{Component: name, Err: err}
	}
	go func() {
		<-p.Done()
		_ = f.Close()
	}()
	return &child{name: name, Process: p}, nil
}

// failure describes an exited process.
func (c *child) failure() error {
	return &ProcessError{Component: c.name, LogTail: c.LogTail(), Err: fmt.Errorf("exited while starting: %w", c.Err())}
}

// processRunningWith reports whether a process other than this one has s in
// its command line. known is false where /proc cannot be read.
func processRunningWith(s string) (running, known bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false, false
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if e.Name() == self || e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(cmdline), s) {
			stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err == nil && isZombie(string(stat)) {
				continue
			}
			return true, true
		}
	}
	return false, true
}

// isZombie reads the state field of /proc/<pid>/stat.
func isZombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
