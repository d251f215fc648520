package provision

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	k8s := Kubernetes()
	const prefix = "testenv: building kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes v1.37.2): "
	for _, tc := range []struct {
		name    string
		comp    Component
		elapsed time.Duration
		est     estimate
		want    string
	}{{
		name:    "last build recorded",
		comp:    k8s,
		elapsed: 2*time.Minute + 10*time.Second,
		est:     estimate{d: 5*time.Minute + 50*time.Second, last: true},
		want:    prefix + "2m10s so far, about 3m40s left (last build took 5m50s)",
	}, {
		name:    "typical time only",
		comp:    k8s,
		elapsed: 30 * time.Second,
		est:     newEstimate(t.TempDir(), k8s, runtime.GOARCH),
		want:    prefix + "30s so far, about 5m20s left (typically ~6 min on 2 cores)",
	}, {
		name:    "past the estimate",
		comp:    k8s,
		elapsed: 6 * time.Minute,
		est:     estimate{d: 5*time.Minute + 50*time.Second, last: true},
		want:    prefix + "6m0s so far, past the estimate (last build took 5m50s)",
	}, {
		name:    "no estimate",
		comp:    small(),
		elapsed: 90 * time.Second,
		want:    "testenv: building stringer (golang.org/x/tools v0.51.0): 1m30s so far",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, progressLine(tc.comp, tc.elapsed, tc.est))
		})
	}
}

func TestTypicalBuildTimes(t *testing.T) {
	for _, tc := range []struct {
		comp Component
		want string
	}{
		{Etcd(), "typically ~40 s on 2 cores"},
		{Kubernetes(), "typically ~6 min on 2 cores"},
		{Kwok(), "typically ~1 min on 2 cores"},
		{Gitea(), "typically ~8 min on 2 cores"},
		{Pdeathsig(), ""},
	} {
		assert.Equal(t, tc.want, newEstimate(t.TempDir(), tc.comp, "amd64").describe(), tc.comp.Name)
	}
}

func TestBuildTimesRecord(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	k8s, etcd := Kubernetes(), Etcd()
	at := time.Date(2026, 11, 30, 2, 6, 31, 0, time.UTC)

	_, ok := lastBuild(root, k8s, "amd64")
	assert.False(t, ok, "nothing recorded in an empty cache")

	require.NoError(t, recordBuild(ctx, root, k8s, "amd64", 5*time.Minute+50*time.Second, at))
	require.NoError(t, recordBuild(ctx, root, etcd, "amd64", 40*time.Second, at))
	d, ok := lastBuild(root, k8s, "amd64")
	require.True(t, ok)
	assert.Equal(t, 5*time.Minute+50*time.Second, d)
	d, ok = lastBuild(root, etcd, "amd64")
	require.True(t, ok, "components share the file without overwriting each other")
	assert.Equal(t, 40*time.Second, d)
	assert.Equal(t, "last build took 5m50s", newEstimate(root, k8s, "amd64").describe())

	_, ok = lastBuild(root, k8s, "arm64")
	assert.False(t, ok, "keyed by GOARCH")
	other := k8s
	other.Version = "v1.38.0"
	_, ok = lastBuild(root, other, "amd64")
	assert.False(t, ok, "keyed by version")

	// A later build replaces the record.
	require.NoError(t, recordBuild(ctx, root, k8s, "amd64", 4*time.Minute, at))
	d, _ = lastBuild(root, k8s, "amd64")
	assert.Equal(t, 4*time.Minute, d)

	// An unreadable file is no record, and the next build rewrites it.
	require.NoError(t, os.WriteFile(filepath.Join(root, buildTimesName), []byte("{truncated"), 0o644))
	_, ok = lastBuild(root, k8s, "amd64")
	assert.False(t, ok)
	require.NoError(t, recordBuild(ctx, root, k8s, "amd64", time.Minute, at))
	d, ok = lastBuild(root, k8s, "amd64")
	assert.True(t, ok)
	assert.Equal(t, time.Minute, d)

	leftovers, err := filepath.Glob(filepath.Join(root, buildTimesName+".tmp-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers)
}

// TestHeartbeat drives the heartbeat with a fake clock and ticker: each tick
// prints one line with the time so far and the time left.
func TestHeartbeat(t *testing.T) {
	start := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	now := start
	ticks := make(chan time.Time)
	var every time.Duration
	stopped := false
	r, w := io.Pipe()
	c := &Cache{
		Progress: w,
		now:      func() time.Time { return now },
		tick: func(d time.Duration) (<-chan time.Time, func()) {
			every = d
			return ticks, func() { stopped = true }
		},
	}
	lines := bufio.NewScanner(r)
	next := func() string {
		require.True(t, lines.Scan())
		return lines.Text()
	}

	stop := c.heartbeat(Kubernetes(), start, estimate{d: 5*time.Minute + 50*time.Second, last: true})
	assert.Equal(t, 30*time.Second, every, "every 30 seconds by default")
	const prefix = "testenv: building kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes v1.37.2): "
	now = start.Add(30 * time.Second)
	ticks <- now
	assert.Equal(t, prefix+"30s so far, about 5m20s left (last build took 5m50s)", next())
	now = start.Add(2*time.Minute + 10*time.Second)
	ticks <- now
	assert.Equal(t, prefix+"2m10s so far, about 3m40s left (last build took 5m50s)", next())
	stop()
	assert.True(t, stopped, "the ticker is stopped with the heartbeat")
}

// TestEnsureRecordsBuildTime builds a small component and checks that the
// build's duration is recorded and is the next build's estimate.
func TestEnsureRecordsBuildTime(t *testing.T) {
	comp := Component{
		Name:     "timed",
		Module:   "spherekit.local/build/timed",
		Version:  "v0.0.0-test",
		Binaries: map[string]string{"timed": "."},
		Source:   map[string][]byte{"main.go": []byte("package main\n\nfunc main() {}\n")},
	}
	root := t.TempDir()
	res, err := (&Cache{Root: root}).Ensure(context.Background(), comp)
	require.NoError(t, err)
	require.True(t, res.Built)
	d, ok := lastBuild(root, comp, runtime.GOARCH)
	require.True(t, ok, "a successful build is recorded")
	assert.Positive(t, d)
	assert.LessOrEqual(t, d, res.Duration)

	// The next build of the same component and version says how long the
	// last one took.
	require.NoError(t, os.RemoveAll(res.Dir))
	var progress bytes.Buffer
	res, err = (&Cache{Root: root, Progress: &progress}).Ensure(context.Background(), comp)
	require.NoError(t, err)
	require.True(t, res.Built)
	assert.Contains(t, progress.String(), "; last build took ")

	// A failed build records nothing.
	bad := comp
	bad.Name, bad.Source = "broken", map[string][]byte{"main.go": []byte("package main\n\nfunc main() { undefined() }\n")}
	_, err = (&Cache{Root: root}).Ensure(context.Background(), bad)
	require.Error(t, err)
	_, ok = lastBuild(root, bad, runtime.GOARCH)
	assert.False(t, ok)
}
