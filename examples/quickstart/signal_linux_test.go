//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterruptedTourLeavesNothing runs quickstart on its embedded cluster,
// as a user does, and stops it in the middle of the tour: with Ctrl-C
// (SIGINT) it removes what the tour created, tears the cluster down,
// removes its folder and exits with status 1; killed outright (SIGKILL) it cannot clean up, but the
// cluster's processes die with it all the same (the parent-death signal
// testenv gives them), so no etcd, kube-apiserver, controller-manager,
// scheduler or kwok is left running either way.
func TestInterruptedTourLeavesNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			// The cluster folder goes under TMPDIR: a fresh one tells
			// this run's processes and folder from any other.
			tmp, err := os.MkdirTemp("", "quickstart-signal-")
			require.NoError(t, err)
			t.Cleanup(func() { _ = os.RemoveAll(tmp) })

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), quickstartArgsEnv+"=--nodes 1", "TMPDIR="+tmp, "KUBECONFIG=")
			stderr := &lockedBuffer{}
			cmd.Stderr = stderr
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			// Wait for the tour to be under way, with the cluster up.
			lines := bufio.NewScanner(stdout)
			var seen []string
			for lines.Scan() {
				seen = append(seen, lines.Text())
				if strings.HasPrefix(lines.Text(), "Created workspace") {
					break
				}
			}
			require.Contains(t, strings.Join(seen, "\n"), "Created workspace", "quickstart output; stderr:\n%s", stderr.String())
			require.NotEmpty(t, clusterProcesses(t, tmp), "the embedded cluster's processes run under %s", tmp)

			require.NoError(t, cmd.Process.Signal(sig))
			for lines.Scan() {
				seen = append(seen, lines.Text())
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(2 * time.Minute):
				t.Fatalf("quickstart did not exit within 2 minutes of %s", sig)
			}
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "quickstart ends with an error after %s: %v", sig, err)

			assert.Eventually(t, func() bool { return len(clusterProcesses(t, tmp)) == 0 }, 30*time.Second, 100*time.Millisecond,
				"processes of the embedded cluster left after %s: %v", sig, clusterProcesses(t, tmp))
			if sig == syscall.SIGINT {
				assert.Equal(t, 1, exit.ExitCode())
				assert.Contains(t, strings.Join(seen, "\n"), "Deleted workspace", "the tour removes what it created")
				assert.Contains(t, strings.Join(seen, "\n"), "Tearing down the embedded cluster.")
				folders, err := filepath.Glob(filepath.Join(tmp, "spherekit-testenv-*"))
				require.NoError(t, err)
				assert.Empty(t, folders, "the cluster folder is removed")
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer that quickstart's stderr copier writes
// while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clusterProcesses lists the command lines of running processes that
// mention dir: the embedded cluster's processes name files in its folder.
func clusterProcesses(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(dir)) {
			continue
		}
		// Zombies have no command line; a process reaped meanwhile is gone.
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(bytes.TrimRight(cmdline, "\x00")), "\x00", " "))
	}
	return out
}
