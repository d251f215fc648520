package testenv

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeBinaryDir returns a folder with the real binaries linked in and the
// named ones replaced by a script that prints a line and exits 1 (answering
// --help, which envtest runs first to discover flags).
func fakeBinaryDir(t *testing.T, failing ...string) string {
	t.Helper()
	real, err := resolveBinaries(context.Background(), Options{Nodes: 1})
	require.NoError(t, err)
	dir := t.TempDir()
	for name, path := range map[string]string{
		"etcd": real.etcd, "kube-apiserver": real.apiserver, "kube-controller-manager": real.controllerManager,
		"kube-scheduler": real.scheduler, "kwok": real.kwok, "kwok-stages.yaml": real.kwokStages,
	} {
		require.NoError(t, os.Symlink(path, filepath.Join(dir, name)))
	}
	for _, name := range failing {
		p := filepath.Join(dir, name)
		require.NoError(t, os.Remove(p))
		script := "#!/bin/sh\n[ \"$1\" = --help ] && exit 0\necho \"" + name + ": boom, cannot start\" >&2\nexit 1\n"
		require.NoError(t, os.WriteFile(p, []byte(script), 0o755))
	}
	return dir
}

func TestProcessDyingDuringStartIsReported(t *testing.T) {
	tests := []struct {
		failing   string
		nodes     int
		component string
	}{
		{failing: "kube-apiserver", component: "etcd/kube-apiserver"},
		{failing: "kwok", nodes: 1, component: "kwok"},
		{failing: "kube-scheduler", nodes: 1, component: "kube-scheduler"},
	}
	for _, tt := range tests {
		t.Run(tt.failing, func(t *testing.T) {
			dir := fakeBinaryDir(t, tt.failing)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			c, err := Start(ctx, Options{BinaryDir: dir, Nodes: tt.nodes, StartTimeout: 20 * time.Second})
			require.Error(t, err)
			assert.Nil(t, c)
			var pe *ProcessError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.component, pe.Component)
			assert.Contains(t, pe.LogTail, "boom, cannot start", "the process's last log lines are in the error")
			// Only this Start's processes run from dir; counting every
			// testenv process would also count other test packages'
			// clusters starting and stopping beside this one.
			assert.Empty(t, processesMentioning(t, dir), "a failed Start stops what it started")
		})
	}
}

func TestPrebuiltBinariesAreUsed(t *testing.T) {
	dir := fakeBinaryDir(t)
	t.Run("KUBEBUILDER_ASSETS", func(t *testing.T) {
		t.Setenv(EnvBinaries, "")
		t.Setenv("KUBEBUILDER_ASSETS", dir)
		b, err := resolveBinaries(context.Background(), Options{CacheDir: t.TempDir()})
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, "kube-apiserver"), b.apiserver)
		assert.Equal(t, filepath.Join(dir, "etcd"), b.etcd)
	})
	t.Run(EnvBinaries+" before KUBEBUILDER_ASSETS", func(t *testing.T) {
		other := t.TempDir()
		require.NoError(t, os.Symlink(filepath.Join(dir, "etcd"), filepath.Join(other, "etcd")))
		t.Setenv(EnvBinaries, other)
		t.Setenv("KUBEBUILDER_ASSETS", dir)
		b, err := resolveBinaries(context.Background(), Options{CacheDir: t.TempDir()})
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(other, "etcd"), b.etcd)
		assert.Equal(t, filepath.Join(dir, "kube-apiserver"), b.apiserver, "missing ones fall through to the next folder")
	})
}
