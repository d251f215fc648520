package process

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options are the optional settings of Start and Run. The zero value runs
// the program in this process's working folder and environment, with its
// output kept in the tail only.
type Options struct {
	// Log receives the program's standard output and error, besides the
	// tail; nil keeps them in the tail only.
	Log io.Writer
	// Dir is the program's working folder; empty means this process's.
	Dir string
	// Env is the program's environment; nil means this process's.
	Env []string
}

// tailLines is how many lines a Process keeps in its tail.
const tailLines = 40

// Process is a running server process.
type Process struct {
	cmd  *exec.Cmd
	tail *Tail
	done chan struct{}
	err  error // set before done is closed
}

// Start starts the program at path with args. Its standard output and error
// go to opts.Log and to a tail of the last 40 lines. It gets a process group
// of its own and, on Linux, the kernel kills it with SIGKILL when this
// process ends. The error is exec.Cmd.Start's: callers name the program in
// errors of their own.
func Start(path string, args []string, opts Options) (*Process, error) {
	p := &Process{tail: NewTail(tailLines), done: make(chan struct{})}
	var out io.Writer = p.tail
	if opts.Log != nil {
		out = io.MultiWriter(opts.Log, p.tail)
	}
	p.cmd = exec.Command(path, args...)
	p.cmd.Dir, p.cmd.Env = opts.Dir, opts.Env
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = sysProcAttr()
	var err error
	OnStarterThread(func() { err = p.cmd.Start() })
	if err != nil {
		return nil, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Run runs the program at path with args to its end, started as Start
// starts it. If ctx ends first, Run kills the program's process group with
// SIGKILL and waits for it. It returns the program's last lines and
// exec.Cmd.Wait's error (nil for an exit status of zero), or ctx's error if
// ctx had ended before the start.
func Run(ctx context.Context, path string, args []string, opts Options) (logTail string, err error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	p, err := Start(path, args, opts)
	if err != nil {
		return "", err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	return p.LogTail(), p.err
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

// Tail keeps the last lines written to it, for error reports. It is safe
// for concurrent use.
type Tail struct {
	mu    sync.Mutex
	lines []string
	part  string
	max   int
}

// NewTail returns a Tail that keeps max lines.
func NewTail(max int) *Tail { return &Tail{max: max} }

func (t *Tail) Write(p []byte) (int, error) {
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

// String is the kept lines, the last one even if unfinished, without
// leading and trailing white space.
func (t *Tail) String() string {
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
