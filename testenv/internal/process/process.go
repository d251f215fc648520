package process

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a running server process.
type Process struct {
	name string
	cmd  *exec.Cmd
	tail *logTail
	done chan struct{}
	err  error // set before done is closed
}

// Start starts the program at path with args. Its standard output and error
// go to log (nil discards them) and to a tail of the last 40 lines. It gets
// a process group of its own and, on Linux, the kernel kills it with SIGKILL
// when this process ends. name names it in errors.
func Start(name, path string, args []string, log io.Writer) (*Process, error) {
	p := &Process{name: name, tail: &logTail{max: 40}, done: make(chan struct{})}
	var out io.Writer = p.tail
	if log != nil {
		out = io.MultiWriter(log, p.tail)
	}
	p.cmd = exec.Command(path, args...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = sysProcAttr()
	var err error
	onStarterThread(func() { err = p.cmd.Start() })
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the process ended (exec.Cmd.Wait's error; an exit status of
// zero gives an error saying it exited), nil while it runs.
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	if p.err == nil {
		return errors.New("exited")
	}
	return p.err
}

// LogTail is the last lines the process printed.
func (p *Process) LogTail() string { return p.tail.String() }

// Stop ends the process group with SIGTERM, then with SIGKILL if the
// process has not ended after grace, and returns once it has ended.
func (p *Process) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
}

// logTail keeps the last lines written to it.
type logTail struct {
	mu    sync.Mutex
	lines []string
	part  string
	max   int
}

func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := strings.Split(t.part+string(p), "\n")
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
