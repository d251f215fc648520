package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const helperEnv = "SPHEREKIT_PROCESS_HELPER"

// The helper process (helperEnv set to a folder prefix) creates a folder,
// starts `sleep 60` and prints "<pid> <folder>", then waits to be killed.
func TestMain(m *testing.M) {
	if prefix := os.Getenv(helperEnv); prefix != "" {
		f, err := NewFolder(prefix)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		p, err := Start("/bin/sleep", []string{"60"}, Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		fmt.Println(p.Pid(), f.Dir)
		select {}
	}
	os.Exit(m.Run())
}

func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestDiesWithParent kills (SIGKILL, so nothing runs in it) a process that
// started a child and made a folder: the kernel kills the child, and the
// next RemoveAbandoned removes the folder.
func TestDiesWithParent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("this checks the kernel's parent-death signal (PR_SET_PDEATHSIG), which exists on Linux only; elsewhere children are stopped by Stop and signal handling, which other tests cover")
	}
	prefix := fmt.Sprintf("spherekit-process-test-%d-", os.Getpid())
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"="+prefix)
	out, err := helper.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, helper.Start())
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	var pid int
	var dir string
	_, err = fmt.Sscan(line, &pid, &dir)
	require.NoError(t, err, "helper printed %q", line)
	require.True(t, alive(pid))
	require.DirExists(t, dir)
	assert.Empty(t, RemoveAbandoned(prefix), "a live owner's folder is left alone")

	require.NoError(t, helper.Process.Signal(syscall.SIGKILL))
	_ = helper.Wait()
	assert.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 10*time.Millisecond, "the child dies with its parent")
	assert.Equal(t, []string{dir}, RemoveAbandoned(prefix))
	assert.NoDirExists(t, dir)
}

// TestChildSurvivesThreadChurn: a parent-death signal fires when the thread
// that forked the child ends, and the Go runtime ends a thread whenever a
// goroutine locked to it returns. A child started from a thread that then
// ends is killed (the hazard); one Start started survives any number of
// such threads ending.
func TestChildSurvivesThreadChurn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("this checks the kernel's parent-death signal (PR_SET_PDEATHSIG), which exists on Linux only; elsewhere children are stopped by Stop and signal handling, which other tests cover")
	}
	tests := []struct {
		name      string
		start     func(t *testing.T) int // starts `sleep 60`, returns its process ID
		wantAlive bool
	}{
		{
			name: "Start",
			start: func(t *testing.T) int {
				p, err := Start("/bin/sleep", []string{"60"}, Options{})
				require.NoError(t, err)
				t.Cleanup(func() { p.Stop(time.Second) })
				return p.Pid()
			},
			wantAlive: true,
		},
		{
			name: "from a locked goroutine that returns",
			start: func(t *testing.T) int {
				cmd := exec.Command("/bin/sleep", "60")
				cmd.SysProcAttr = sysProcAttr()
				// The runtime never ends the main thread (a goroutine locked
				// to it that returns wedges it instead), so start from a
				// goroutine on another thread; a small test binary often
				// runs goroutines on the main thread.
				errMainThread := errors.New("on the main thread")
				var err error
				for range 50 {
					errs := make(chan error, 1)
					// startOff starts cmd from a goroutine locked to a thread
					// other than the main one; while it runs, the main thread
					// is held by a locked goroutine, so the scheduler cannot
					// put it there.
					startOff := func(out chan<- error) {
						runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
						if gettid() == os.Getpid() {
							runtime.UnlockOSThread()
							out <- errMainThread
							return
						}
						out <- cmd.Start()
					}
					go func() {
						runtime.LockOSThread()
						if gettid() != os.Getpid() {
							runtime.UnlockOSThread()
							go startOff(errs)
							return
						}
						// This goroutine holds the main thread until the start
						// is done on another one.
						held := make(chan error, 1)
						go startOff(held)
						err := <-held
						runtime.UnlockOSThread()
						errs <- err
					}()
					if err = <-errs; !errors.Is(err, errMainThread) {
						break
					}
				}
				require.NoError(t, err)
				go func() { _ = cmd.Wait() }()
				t.Cleanup(func() { _ = cmd.Process.Kill() })
				return cmd.Process.Pid
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid := tt.start(t)
			// End many threads: goroutines locked to a thread that return.
			for range 200 {
				done := make(chan struct{})
				go func() {
					runtime.LockOSThread()
					close(done)
				}()
				<-done
			}
			if tt.wantAlive {
				time.Sleep(300 * time.Millisecond)
				assert.True(t, alive(pid), "the child outlives threads ending")
				return
			}
			assert.Eventually(t, func() bool { return !alive(pid) }, 5*time.Second, 20*time.Millisecond,
				"the child is killed when the thread that started it ends")
		})
	}
}

func TestStop(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		grace   time.Duration
		atLeast time.Duration
	}{
		{name: "ends on SIGTERM", script: "exec sleep 60", grace: 10 * time.Second},
		{name: "ignores SIGTERM: killed after the grace period", script: "trap '' TERM; echo ready; sleep 60 & wait", grace: 300 * time.Millisecond, atLeast: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start("/bin/sh", []string{"-c", tt.script}, Options{})
			require.NoError(t, err)
			require.Eventually(t, func() bool { return tt.atLeast == 0 || p.LogTail() == "ready" }, 5*time.Second, 10*time.Millisecond)
			start := time.Now()
			p.Stop(tt.grace)
			assert.GreaterOrEqual(t, time.Since(start), tt.atLeast)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.True(t, p.Exited())
			assert.Error(t, p.Err())
			assert.False(t, alive(p.Pid()))
		})
	}
}

func TestLogTail(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(logFile)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	p, err := Start("/bin/sh", []string{"-c", "for i in $(seq 1 50); do echo line $i; done; echo oops >&2; exit 3"}, Options{Log: f})
	require.NoError(t, err)
	<-p.Done()
	var ee *exec.ExitError
	require.ErrorAs(t, p.Err(), &ee)
	assert.Equal(t, 3, ee.ExitCode())
	lines := strings.Split(p.LogTail(), "\n")
	assert.Len(t, lines, 40)
	assert.Equal(t, "line 12", lines[0])
	assert.Equal(t, "oops", lines[39])
	data, err := os.ReadFile(logFile)
	require.NoError(t, err)
	assert.Equal(t, 51, strings.Count(string(data), "\n"), "the log gets every line")
}

func TestTailKeepsLastLines(t *testing.T) {
	tail := NewTail(3)
	_, _ = tail.Write([]byte("one\ntwo\nthr"))
	_, _ = tail.Write([]byte("ee\nfour\nfive"))
	assert.Equal(t, "three\nfour\nfive", tail.String())
}

func TestStartMissingProgram(t *testing.T) {
	_, err := Start(filepath.Join(t.TempDir(), "nothing"), nil, Options{})
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestRun(t *testing.T) {
	t.Run("runs to the end in Dir with Env", func(t *testing.T) {
		dir := t.TempDir()
		var log strings.Builder
		tail, err := Run(context.Background(), "/bin/sh", []string{"-c", "pwd; echo $GREETING"},
			Options{Dir: dir, Env: []string{"GREETING=hello"}, Log: &log})
		require.NoError(t, err)
		real, err := filepath.EvalSymlinks(dir)
		require.NoError(t, err)
		assert.Equal(t, real+"\nhello", tail)
		assert.Equal(t, tail+"\n", log.String())
	})
	t.Run("a failure gives the exit status and the tail", func(t *testing.T) {
		tail, err := Run(context.Background(), "/bin/sh", []string{"-c", "echo oops; exit 4"}, Options{})
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 4, ee.ExitCode())
		assert.Equal(t, "oops", tail)
	})
	t.Run("ctx ending kills the process group", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errs := make(chan error, 1)
		go func() {
			// The shell waits on a child of its own, which the kill must reach too.
			_, err := Run(ctx, "/bin/sh", []string{"-c", "sleep 60 & echo $! > " + pidFile + "; wait"}, Options{})
			errs <- err
		}()
		var child int
		require.Eventually(t, func() bool {
			data, err := os.ReadFile(pidFile)
			if err != nil || !strings.HasSuffix(string(data), "\n") {
				return false
			}
			child, err = strconv.Atoi(strings.TrimSpace(string(data)))
			return err == nil
		}, 5*time.Second, 10*time.Millisecond)
		cancel()
		select {
		case err := <-errs:
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after ctx ended")
		}
		assert.Eventually(t, func() bool { return !alive(child) }, 5*time.Second, 10*time.Millisecond, "the shell's child is killed too")
	})
	t.Run("an ended ctx runs nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		marker := filepath.Join(t.TempDir(), "ran")
		_, err := Run(ctx, "/bin/touch", []string{marker}, Options{})
		assert.ErrorIs(t, err, context.Canceled)
		assert.NoFileExists(t, marker)
	})
}
