//go:build linux

package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/internal/process"
)

// TestPdeathsigProgram runs the pdeathsig program envtest's processes go
// through. Started from a thread that later ends, its program is killed then
// (the parent-death signal was set and survived exec). Given a parent that is
// not its parent (the parent ended before the signal was set, so the kernel
// would never send it), it refuses to run its program.
func TestPdeathsigProgram(t *testing.T) {
	bins, err := resolveBinaries(context.Background(), Options{})
	require.NoError(t, err)
	t.Run("killed when the thread that started it ends", func(t *testing.T) {
		cmd := exec.Command(bins.pdeathsig, strconv.Itoa(os.Getpid()), "/bin/sleep", "60")
		started, end := make(chan error, 1), make(chan struct{})
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			started <- cmd.Start()
			<-end
		}()
		require.NoError(t, <-started)
		go func() { _ = cmd.Wait() }()
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		proc := "/proc/" + strconv.Itoa(cmd.Process.Pid)
		require.Eventually(t, func() bool {
			comm, _ := os.ReadFile(proc + "/comm")
			return string(comm) == "sleep\n"
		}, 5*time.Second, 10*time.Millisecond, "pdeathsig execs its program in its own place")
		time.Sleep(100 * time.Millisecond)
		_, err := os.Stat(proc)
		require.NoError(t, err, "the program runs while the thread lives")

		close(end)
		assert.Eventually(t, func() bool {
			stat, err := os.ReadFile(proc + "/stat")
			return err != nil || isZombie(string(stat))
		}, 5*time.Second, 10*time.Millisecond, "the program is killed when the thread ends")
	})
	t.Run("refuses when its parent has ended", func(t *testing.T) {
		// os.Getppid() is not the parent of the process started here.
		out, err := exec.Command(bins.pdeathsig, strconv.Itoa(os.Getppid()), "/bin/echo", "ran").CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 1, ee.ExitCode())
		assert.Contains(t, string(out), "has ended")
		assert.NotContains(t, string(out), "ran\n", "the program is not run")
	})
}

// TestPdeathsigWrapperQuotes checks that the wrapper scripts run binaries
// whose paths need quoting, and pass the arguments through unchanged.
func TestPdeathsigWrapperQuotes(t *testing.T) {
	bins, err := resolveBinaries(context.Background(), Options{})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "it's a $folder")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	echo := filepath.Join(dir, "etcd")
	require.NoError(t, os.WriteFile(echo, []byte("#!/bin/sh\nprintf '%s|' \"$@\"\n"), 0o755))
	b := binaries{etcd: echo, apiserver: echo, pdeathsig: bins.pdeathsig}
	require.NoError(t, wrapInPdeathsig(filepath.Join(dir, "bin"), &b))
	assert.Equal(t, filepath.Join(dir, "bin", "etcd"), b.etcd)

	var out []byte
	process.OnStarterThread(func() { out, err = exec.Command(b.etcd, "a b", "'c'", "$d").Output() })
	require.NoError(t, err)
	assert.Equal(t, "a b|'c'|$d|", string(out))
}
