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

	"github.com/spherekit/spherekit/internal/fielderr"
)

// small is a real component that builds in seconds, so the cache mechanics
// are tested without the minutes a Kubernetes build takes. testenv's own
// tests build and run the real components.
func small() Component {
	return Component{
		Name:     "stringer",
		Module:   "golang.org/x/tools",
		Version:  "v0.51.0",
		Binaries: map[string]string{"stringer": "golang.org/x/tools/cmd/stringer"},
	}
}

// The helper process builds small() into the cache named by
// SPHEREKIT_PROVISION_HELPER_ROOT and prints "built" or "cached".
func TestMain(m *testing.M) {
	if root := os.Getenv("SPHEREKIT_PROVISION_HELPER_ROOT"); root != "" {
		c := &Cache{Root: root, Progress: os.Stderr}
		res, err := c.Ensure(context.Background(), small())
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

	dir := filepath.Join(root, small().Key(goosArch()))
	require.NoError(t, verify(dir, small()))
	assert.FileExists(t, filepath.Join(dir, "stringer"))

	leftovers, err := filepath.Glob(filepath.Join(root, ".build-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "temporary build folders are removed")

	// A corrupted binary is detected and rebuilt.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stringer"), []byte("truncated"), 0o755))
	assert.Error(t, verify(dir, small()))
	var progress bytes.Buffer
	res, err := (&Cache{Root: root, Progress: &progress}).Ensure(context.Background(), small())
	require.NoError(t, err)
	assert.True(t, res.Built)
	assert.Contains(t, progress.String(), "is broken")
	assert.NoError(t, verify(dir, small()))

	// A later call uses the entry without building.
	res, err = (&Cache{Root: root}).Ensure(context.Background(), small())
	require.NoError(t, err)
	assert.False(t, res.Built)
}

func TestBuildFailureNamesComponentAndOutput(t *testing.T) {
	comp := Component{
		Name:     "nonexistent",
		Module:   "golang.org/x/tools",
		Version:  "v0.51.0",
		Binaries: map[string]string{"nothing": "golang.org/x/tools/cmd/does-not-exist"},
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
	unlock, err := lockFile(context.Background(), filepath.Join(root, small().Key(goosArch())+".lock"), nil)
	require.NoError(t, err)
	defer unlock()
	_, err = (&Cache{Root: root}).Ensure(ctx, small())
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
}

func TestVerifyDetectsMissingEntry(t *testing.T) {
	err := verify(filepath.Join(t.TempDir(), "absent"), Kwok())
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestKwokStagesCollectsUpstreamFiles(t *testing.T) {
	mod := t.TempDir()
	for _, f := range []string{
		"kustomize/stage/node/fast/node-initialize.yaml",
		"kustomize/stage/node/fast/kustomization.yaml",
		"kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
		"kustomize/stage/pod/fast/pod-ready.yaml",
	} {
		p := filepath.Join(mod, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("kind: Stage\nmetadata:\n  name: "+filepath.Base(f)+"\n"), 0o644))
	}
	dest := t.TempDir()
	require.NoError(t, kwokStages(mod, dest))
	data, err := os.ReadFile(filepath.Join(dest, KwokStagesFile))
	require.NoError(t, err)
	s := string(data)
	assert.Equal(t, 3, strings.Count(s, "---\n"), "one document per stage file")
	assert.Contains(t, s, "node-initialize.yaml")
	assert.NotContains(t, s, "kustomization.yaml")

	// A module without the expected files is an error, not an empty config.
	require.NoError(t, os.RemoveAll(filepath.Join(mod, "kustomize/stage/pod")))
	assert.ErrorContains(t, kwokStages(mod, dest), "pod/fast")
}

func TestKwokAssetsAddUsageObject(t *testing.T) {
	mod := t.TempDir()
	for _, f := range []string{
		"kustomize/stage/node/fast/node-initialize.yaml",
		"kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
		"kustomize/stage/pod/fast/pod-ready.yaml",
	} {
		p := filepath.Join(mod, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("kind: Stage\n"), 0o644))
	}
	dest := t.TempDir()
	assert.ErrorContains(t, kwokAssets(mod, dest), "usage-from-annotation.yaml", "a module without the usage object is an error")

	usage := filepath.Join(mod, "kustomize", "metrics", "usage", "usage-from-annotation.yaml")
	require.NoError(t, os.MkdirAll(filepath.Dir(usage), 0o755))
	require.NoError(t, os.WriteFile(usage, []byte("kind: ClusterResourceUsage\n"), 0o644))
	require.NoError(t, kwokAssets(mod, dest))
	data, err := os.ReadFile(filepath.Join(dest, KwokUsageFile))
	require.NoError(t, err)
	assert.Equal(t, "kind: ClusterResourceUsage\n", string(data))
	assert.FileExists(t, filepath.Join(dest, KwokStagesFile))
}

func TestKubernetesVersionFlags(t *testing.T) {
	flags := strings.Join(versionLDFlags("v1.37.2"), " ")
	assert.Contains(t, flags, "-X k8s.io/component-base/version.gitVersion=v1.37.2")
	assert.Contains(t, flags, "-X k8s.io/component-base/version.gitMajor=1")
	assert.Contains(t, flags, "-X k8s.io/component-base/version.gitMinor=37")
}

// TestSourceComponent builds a component from source it carries (no
// upstream module), as Pdeathsig is, and checks that its version follows the
// source, so changed source makes a new cache entry.
func TestSourceComponent(t *testing.T) {
	comp := Component{
		Name:     "hello",
		Module:   "spherekit.local/build/hello",
		Version:  "v0.0.0-test",
		Binaries: map[string]string{"hello": "."},
		Source:   map[string][]byte{"main.go": []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from source\") }\n")},
	}
	root := t.TempDir()
	res, err := (&Cache{Root: root}).Ensure(context.Background(), comp)
	require.NoError(t, err)
	assert.True(t, res.Built)
	out, err := exec.Command(filepath.Join(res.Dir, "hello")).Output()
	require.NoError(t, err)
	assert.Equal(t, "hello from source\n", string(out))
	res, err = (&Cache{Root: root}).Ensure(context.Background(), comp)
	require.NoError(t, err)
	assert.False(t, res.Built, "cached")

	p := Pdeathsig()
	assert.Equal(t, map[string][]byte{"main.go": pdeathsigSource}, p.Source)
	assert.Contains(t, string(pdeathsigSource), "PR_SET_PDEATHSIG", "the embedded source is the program")
	pdeathsigSource = append(append([]byte(nil), pdeathsigSource...), "// changed\n"...)
	t.Cleanup(func() { pdeathsigSource = p.Source["main.go"] })
	assert.NotEqual(t, p.Key("linux", "amd64"), Pdeathsig().Key("linux", "amd64"), "changed source, new cache entry")
}

func TestCacheRoot(t *testing.T) {
	tests := []struct {
		name          string
		dir, env, xdg string
		want          string
		wantErr       bool
	}{
		{name: "the folder given", dir: "/given", env: "/from-env", xdg: "/xdg", want: "/given"},
		{name: "then the environment variable", env: "/from-env", xdg: "/xdg", want: "/from-env"},
		{name: "then the user cache folder", xdg: "/xdg", want: "/xdg/spherekit/testenv"},
		{name: "no folder known", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvCacheDir, tt.env)
			t.Setenv("XDG_CACHE_HOME", tt.xdg)
			t.Setenv("HOME", "")
			got, err := CacheRoot(tt.dir)
			if tt.wantErr {
				var invalid *fielderr.Invalid
				require.ErrorAs(t, err, &invalid)
				assert.Equal(t, "CacheDir", invalid.Field)
				assert.Error(t, invalid.Err, "the cause is kept")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
