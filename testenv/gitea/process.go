package gitea

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// starter is a goroutine locked to its OS thread for the life of the
// process, from which Gitea is started: on Linux the parent-death signal
// fires when the thread that forked the child ends, and a thread whose
// locked goroutine returns ends (testenv's starter.go explains it in full).
var starter struct {
	once sync.Once
	jobs chan func()
}

// onStarterThread runs f on the starter's thread and returns when f does.
func onStarterThread(f func()) {
	starter.once.Do(func() {
		starter.jobs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the process
			for job := range starter.jobs {
				job()
			}
		}()
	})
	done := make(chan struct{})
	starter.jobs <- func() {
		defer close(done)
		f()
	}
	<-done
}

// process is a running Gitea command.
type process struct {
	cmd  *exec.Cmd
	tail *logTail
	done chan struct{}
	err  error // set when done is closed
}

// startProcess starts cmd in a process group of its own that, on Linux,
// is killed when this process ends, logging to log and to a tail buffer.
func startProcess(cmd *exec.Cmd, log io.Writer) (*process, error) {
	p := &process{cmd: cmd, tail: newLogTail(40), done: make(chan struct{})}
	out := io.Writer(p.tail)
	if log != nil {
		out = io.MultiWriter(log, p.tail)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childSysProcAttr()
	var err error
	onStarterThread(func() { err = cmd.Start() })
	if err != nil {
		return nil, err
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exitError is why the process ended, once it has.
func (p *process) exitError() error {
	if p.err != nil {
		return p.err
	}
	return errors.New("exited")
}

// stop ends the process group with SIGTERM, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
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

// runningAsRoot reports whether Gitea, run by this process, runs as root,
// which it refuses unless told I_AM_BEING_UNSAFE_RUNNING_AS_ROOT.
func runningAsRoot() bool { return os.Geteuid() == 0 }
