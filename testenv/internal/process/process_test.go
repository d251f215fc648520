package process

import (
	"bufio"
	"fmt"
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
		p, err := Start("sleep", "/bin/sleep", []string{"60"}, nil)
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
		t.Skip("parent-death signals are a Linux feature")
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
// goroutine locked to it returns. A child Start started survives any
// number of such threads ending.
func TestChildSurvivesThreadChurn(t *testing.T) {
	p, err := Start("sleep", "/bin/sleep", []string{"60"}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { p.Stop(time.Second) })
	for range 200 {
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(done)
		}()
		<-done
	}
	time.Sleep(300 * time.Millisecond)
	assert.True(t, alive(p.Pid()))
	assert.False(t, p.Exited())
	assert.NoError(t, p.Err())
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
			p, err := Start("sh", "/bin/sh", []string{"-c", tt.script}, nil)
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
	p, err := Start("sh", "/bin/sh", []string{"-c", "for i in $(seq 1 50); do echo line $i; done; echo oops >&2; exit 3"}, f)
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

func TestStartMissingProgram(t *testing.T) {
	_, err := Start("nothing", filepath.Join(t.TempDir(), "nothing"), nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "start nothing")
}
