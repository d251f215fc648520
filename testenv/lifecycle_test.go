package testenv

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/internal/process"
)

// lifecycleHelperEnv, set in a test process's environment, makes it a helper
// of TestClusterDiesWithItsProcess (see runLifecycleHelper).
const lifecycleHelperEnv = "SPHEREKIT_TESTENV_LIFECYCLE_HELPER"

// runLifecycleHelper is TestMain in a helper process: Run starts a cluster
// with one simulated node (all five processes), use prints its folder and
// processes to standard output and a last line "ready", then m.Run runs
// TestHelperProcess, which waits to be signalled.
func runLifecycleHelper(m *testing.M) {
	Run(m, Options{Nodes: 1}, func(c *Cluster) {
		fmt.Printf("folder %s\n", c.dir)
		for pid, name := range clusterProcesses(c.dir) {
			fmt.Printf("pid %d %s\n", pid, name)
		}
		fmt.Println("ready")
	})
}

// TestHelperProcess is what a helper process of TestClusterDiesWithItsProcess
// runs once its cluster is up: it waits for the signal the test sends. In an
// ordinary test run it returns at once.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(lifecycleHelperEnv) == "" {
		return
	}
	time.Sleep(2 * time.Minute)
	t.Fatal("the helper process was never signalled")
}

// TestClusterDiesWithItsProcess runs a test process whose TestMain starts a
// cluster with testenv.Run, signals it, and checks that none of the
// cluster's processes outlives it. SIGKILL is the hard case: no handler
// runs, so only the parent-death signals end the processes, and the folder
// stays until the next Start removes it. SIGINT and SIGTERM are handled by
// Run, which stops the cluster, removes its folder and exits with 128 plus
// the signal's number.
func TestClusterDiesWithItsProcess(t *testing.T) {
	tests := []struct {
		signal  syscall.Signal
		handled bool
	}{
		{signal: syscall.SIGKILL},
		{signal: syscall.SIGINT, handled: true},
		{signal: syscall.SIGTERM, handled: true},
	}
	for _, tt := range tests {
		t.Run(tt.signal.String(), func(t *testing.T) {
			if !tt.handled && runtime.GOOS != "linux" {
				t.Skip("a SIGKILLed test process runs no handler, so only the kernel's parent-death signal can end its children, and that exists on Linux only; the SIGINT and SIGTERM rows run everywhere")
			}
			h := startLifecycleHelper(t)
			require.Len(t, h.pids, 5, "etcd, kube-apiserver, controller-manager, scheduler and kwok run: %v", h.pids)

			require.NoError(t, h.cmd.Process.Signal(tt.signal))
			var status syscall.WaitStatus
			select {
			case <-h.done:
				status = h.cmd.ProcessState.Sys().(syscall.WaitStatus)
			case <-time.After(time.Minute):
				require.FailNow(t, "the helper did not exit within a minute of "+tt.signal.String(), "stderr:\n%s", h.stderr.String())
			}
			if tt.handled {
				assert.Equal(t, 128+int(tt.signal), status.ExitStatus(), "Run exits with 128+signal; stderr:\n%s", h.stderr.String())
				assert.Contains(t, h.stderr.String(), "stopping the cluster")
			} else {
				assert.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL, "killed: %v", status)
			}

			var left map[int]string
			assert.Eventually(t, func() bool {
				left = liveProcesses(h.pids, h.dir)
				return len(left) == 0
			}, 5*time.Second, 50*time.Millisecond, "processes of the cluster outlived the test process")
			assert.Empty(t, left)
			assert.Empty(t, clusterProcesses(h.dir), "no process mentions the cluster folder")

			if tt.handled {
				assert.NoDirExists(t, h.dir, "Run's handler removes the cluster folder")
				return
			}
			// Nothing ran in the killed process to remove its folder; the
			// next Start removes it, since its owner lock is free. (A Start
			// in another test process may already have.)
			process.RemoveAbandoned(clusterFolderPrefix)
			assert.NoDirExists(t, h.dir, "the folder of a killed process is removed")
			assert.DirExists(t, shared.dir, "the folder of a running cluster is left alone")
		})
	}
}

type lifecycleHelper struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed when cmd has been waited for
	stderr *syncBuffer
	dir    string
	pids   map[int]string
}

// startLifecycleHelper runs this test binary as a helper process and waits
// until its cluster is up. The helper is killed when the test ends.
func startLifecycleHelper(t *testing.T) *lifecycleHelper {
	t.Helper()
	stdout := &syncBuffer{}
	h := &lifecycleHelper{done: make(chan struct{}), stderr: &syncBuffer{}, pids: map[int]string{}}
	h.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.timeout=4m")
	h.cmd.Env = append(os.Environ(), lifecycleHelperEnv+"=1")
	h.cmd.Stdout, h.cmd.Stderr = stdout, h.stderr
	h.cmd.WaitDelay = 10 * time.Second
	require.NoError(t, h.cmd.Start())
	go func() {
		_ = h.cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(func() {
		_ = h.cmd.Process.Kill()
		<-h.done
		if h.dir == "" {
			return
		}
		// Whatever a failed case left: the helper's cluster processes (each
		// checked to still mention its folder) and the folder.
		for pid := range liveProcesses(h.pids, h.dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = os.RemoveAll(h.dir)
	})

	deadline := time.After(3 * time.Minute)
	for !strings.Contains(stdout.String(), "\nready\n") {
		select {
		case <-h.done:
			require.FailNow(t, "the helper exited before its cluster was up", "stdout:\n%s\nstderr:\n%s", stdout.String(), h.stderr.String())
		case <-deadline:
			require.FailNow(t, "the helper's cluster was not up within 3 minutes", "stderr:\n%s", h.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	for line := range strings.Lines(stdout.String()) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "folder":
			h.dir = f[1]
		case len(f) == 3 && f[0] == "pid":
			pid, err := strconv.Atoi(f[1])
			require.NoError(t, err)
			h.pids[pid] = f[2]
		}
	}
	require.NotEmpty(t, h.dir, "the helper printed its cluster folder")
	names := slices.Sorted(maps.Values(h.pids))
	t.Logf("helper %d: cluster folder %s, processes %v", h.cmd.Process.Pid, h.dir, names)
	return h
}

// clusterProcesses returns the live processes (by ID, with their command
// name) whose command line mentions the cluster folder dir: every process of
// a cluster does, in its flags.
func clusterProcesses(dir string) map[int]string {
	out := map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if name, ok := liveClusterProcess(pid, dir); ok {
			out[pid] = name
		}
	}
	return out
}

// liveProcesses returns those of pids that still run a process of the
// cluster in dir.
func liveProcesses(pids map[int]string, dir string) map[int]string {
	out := map[int]string{}
	for pid := range pids {
		if name, ok := liveClusterProcess(pid, dir); ok {
			out[pid] = name
		}
	}
	return out
}

// liveClusterProcess reports whether pid is a running (not zombie) process
// whose command line mentions dir, and its command name. A killed process
// nobody has reaped yet is a zombie, and an ID reused by another process no
// longer mentions dir: neither counts.
func liveClusterProcess(pid int, dir string) (string, bool) {
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil || isZombie(string(stat)) {
		return "", false
	}
	cmdline, err := os.ReadFile(filepath.Join(proc, "cmdline"))
	if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
		return "", false
	}
	comm, _ := os.ReadFile(filepath.Join(proc, "comm"))
	return strings.TrimSpace(string(comm)), true
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
