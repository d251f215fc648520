package provision

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The helper process builds kwok into the cache named by
// SPHEREKIT_PROVISION_HELPER_ROOT and prints "built" or "cached".
func TestMain(m *testing.M) {
	if root := os.Getenv("SPHEREKIT_PROVISION_HELPER_ROOT"); root != "" {
		c := &Cache{Root: root, Progress: os.Stderr}
		res, err := c.Ensure(context.Background(), Kwok())
		if err != nil {
			_, _ = os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(3)
		}
		if res.Built {
			_, _ = os.Stdout.WriteString("built\n")
		} else {
			_, _ = os.Stdout.WriteString("cached\n")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestConcurrentProcessesBuildOnce starts two processes that provision the
// same component into an empty cache at once: exactly one builds it, the
// other waits on the lock and uses the result.
func TestConcurrentProcessesBuildOnce(t *testing.T) {
	root := t.TempDir()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SPHEREKIT_PROVISION_HELPER_ROOT="+root)
		out := &bytes.Buffer{}
		cmd.Stdout = out
		cmd.Stderr = &bytes.Buffer{}
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
		outs = append(outs, out)
	}
	var results []string
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), "helper %d: %s", i, cmd.Stderr)
		results = append(results, strings.TrimSpace(outs[i].String()))
	}
	assert.ElementsMatch(t, []string{"built", "cached"}, results)

	dir := filepath.Join(root, Kwok().Key(goosArch()))
	require.NoError(t, verify(dir, Kwok()))
	assert.FileExists(t, filepath.Join(dir, "kwok"))
	stages, err := os.ReadFile(filepath.Join(dir, KwokStagesFile))
	require.NoError(t, err)
	assert.Contains(t, string(stages), "name: node-initialize")
	assert.Contains(t, string(stages), "name: pod-ready")

	leftovers, err := filepath.Glob(filepath.Join(root, ".build-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "temporary build folders are removed")

	// A corrupted binary is detected and rebuilt.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kwok"), []byte("truncated"), 0o755))
	assert.Error(t, verify(dir, Kwok()))
	var progress bytes.Buffer
	res, err := (&Cache{Root: root, Progress: &progress}).Ensure(context.Background(), Kwok())
	require.NoError(t, err)
	assert.True(t, res.Built)
	assert.Contains(t, progress.String(), "is broken")
	assert.NoError(t, verify(dir, Kwok()))
}

func TestBuildFailureNamesComponentAndOutput(t *testing.T) {
	comp := Component{
		Name:     "nonexistent",
		Module:   "sigs.k8s.io/kwok",
		Version:  KwokVersion,
		Binaries: map[string]string{"nothing": "sigs.k8s.io/kwok/cmd/does-not-exist"},
	}
	root := t.TempDir()
	_, err := (&Cache{Root: root}).Ensure(context.Background(), comp)
	var be *BuildError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "nonexistent", be.Component)
	assert.Contains(t, err.Error(), "does-not-exist", "the go command's output is in the error")
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, e.IsDir(), "no cache entry or build folder is left: %s", e.Name())
	}
}

func TestEnsureHonoursContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	root := t.TempDir()
	// Hold the lock so Ensure has to wait, then let the context end it.
	unlock, err := lockFile(context.Background(), filepath.Join(root, Kwok().Key(goosArch())+".lock"), nil)
	require.NoError(t, err)
	defer unlock()
	_, err = (&Cache{Root: root}).Ensure(ctx, Kwok())
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
}

func TestVerifyDetectsMissingEntry(t *testing.T) {
	err := verify(filepath.Join(t.TempDir(), "absent"), Kwok())
	assert.ErrorIs(t, err, os.ErrNotExist)
}
