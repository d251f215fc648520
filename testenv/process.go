package testenv

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// logTail keeps the last lines written to it, for error reports.
type logTail struct {
	mu    sync.Mutex
	lines []string
	part  string
	max   int
}

func newLogTail(max int) *logTail { return &logTail{max: max} }

func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.part + string(p)
	parts := strings.Split(s, "\n")
	t.part = parts[len(parts)-1]
	t.lines = append(t.lines, parts[:len(parts)-1]...)
	if over := len(t.lines) - t.max; over > 0 {
		t.lines = append(t.lines[:0:0], t.lines[over:]...)
	}
	return len(p), nil
}

func (t *logTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if t.part != "" {
		lines = append(lines[:len(lines):len(lines)], t.part)
	}
	if over := len(lines) - t.max; over > 0 {
		lines = lines[over:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// child is a control-plane process testenv runs itself (controller-manager,
// scheduler, kwok); etcd and kube-apiserver are run through envtest.
type child struct {
	name string
	cmd  *exec.Cmd
	tail *logTail
	log  *os.File
	done chan struct{}
	err  error // set when done is closed
}

// startChild starts path with args, logging to logPath and to a tail buffer.
// The child gets a process group of its own and, on Linux, dies with this
// process (see childSysProcAttr and onStarterThread).
func startChild(name, path, logPath string, args ...string) (*child, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("testenv: create %s log: %w", name, err)
	}
	c := &child{name: name, tail: newLogTail(40), log: f, done: make(chan struct{})}
	c.cmd = exec.Command(path, args...)
	c.cmd.Stdout = io.MultiWriter(f, c.tail)
	c.cmd.Stderr = c.cmd.Stdout
	c.cmd.SysProcAttr = childSysProcAttr()
	onStarterThread(func() { err = c.cmd.Start() })
	if err != nil {
		_ = f.Close()
		return nil, &ProcessError{Component: name, Err: err}
	}
	go func() {
		c.err = c.cmd.Wait()
		_ = f.Close()
		close(c.done)
	}()
	return c, nil
}

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// failure describes an exited process.
func (c *child) failure() error {
	err := c.err
	if err == nil {
		err = errors.New("exited")
	}
	return &ProcessError{Component: c.name, LogTail: c.tail.String(), Err: fmt.Errorf("exited while starting: %w", err)}
}

// stop ends the process group with SIGTERM, then SIGKILL after grace.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	pgid := -c.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-c.done
	}
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
