package provision

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func replace(oldPath, oldVersion, newPath, newVersion string) goModReplace {
	var r goModReplace
	r.Old.Path, r.Old.Version = oldPath, oldVersion
	r.New.Path, r.New.Version = newPath, newVersion
	return r
}

func TestReplaceLines(t *testing.T) {
	upstream := []goModReplace{
		replace("k8s.io/api", "", "./staging/src/k8s.io/api", ""),
		replace("github.com/nektos/act", "", "gitea.com/gitea/act", "v0.261.10"),
		replace("github.com/urfave/cli/v3", "", "github.com/urfave/cli/v3", "v3.4.1"),
		replace("example.com/pinned", "v1.0.0", "example.com/fork", "v1.0.1"),
	}
	for _, tc := range []struct {
		name    string
		comp    Component
		reps    []goModReplace
		want    []string
		wantErr string
	}{{
		name: "staging only keeps the staging lines",
		comp: Component{StagingReplaces: true, StagingVersion: "v0.37.2"},
		reps: upstream,
		want: []string{"replace k8s.io/api => k8s.io/api v0.37.2"},
	}, {
		name: "upstream copies module replaces, with the old version when there is one",
		comp: Component{StagingReplaces: true, StagingVersion: "v0.37.2", UpstreamReplaces: true},
		reps: upstream,
		want: []string{
			"replace k8s.io/api => k8s.io/api v0.37.2",
			"replace github.com/nektos/act => gitea.com/gitea/act v0.261.10",
			"replace github.com/urfave/cli/v3 => github.com/urfave/cli/v3 v3.4.1",
			"replace example.com/pinned v1.0.0 => example.com/fork v1.0.1",
		},
	}, {
		name:    "a folder replace cannot be followed",
		comp:    Component{Module: "example.com/m", Version: "v1.0.0", UpstreamReplaces: true},
		reps:    upstream,
		wantErr: "replaces k8s.io/api by the folder ./staging/src/k8s.io/api",
	}, {
		name: "no replace lines upstream is fine without staging",
		comp: Component{UpstreamReplaces: true},
	}, {
		name:    "staging without staging lines is an error",
		comp:    Component{Module: "k8s.io/kubernetes", Version: "v1.37.2", StagingReplaces: true},
		reps:    upstream[1:],
		wantErr: "no staging replace lines",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.comp.replaceLines(tc.reps)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestUpstreamReplacesReadsGoMod reads the replace lines of a real upstream
// go.mod through the module proxy, as the Gitea build does.
func TestUpstreamReplacesReadsGoMod(t *testing.T) {
	g, err := newGoCmd(&strings.Builder{})
	require.NoError(t, err)
	comp := Gitea()
	reps, err := comp.upstreamReplaces(context.Background(), g, t.TempDir())
	require.NoError(t, err)
	lines, err := comp.replaceLines(reps)
	require.NoError(t, err)
	assert.Contains(t, lines, "replace github.com/nektos/act => gitea.com/gitea/act v0.261.10")
}

// TestTagsAndCGO builds one program with and without build tags and cgo:
// the binary reports which files were compiled in.
func TestTagsAndCGO(t *testing.T) {
	if _, err := exec.LookPath("cc"); err != nil {
		if _, err := exec.LookPath("gcc"); err != nil {
			t.Skip("no C compiler on PATH: a cgo build (as Gitea's needs) cannot run on this machine; install gcc to run this test")
		}
	}
	src := map[string][]byte{
		"main.go":   []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(tag, cgo) }\n"),
		"tag.go":    []byte("//go:build spherekit_test_tag\n\npackage main\n\nconst tag = \"tagged\"\n"),
		"notag.go":  []byte("//go:build !spherekit_test_tag\n\npackage main\n\nconst tag = \"untagged\"\n"),
		"cgo.go":    []byte("//go:build cgo\n\npackage main\n\nconst cgo = \"cgo\"\n"),
		"nocgo.go":  []byte("//go:build !cgo\n\npackage main\n\nconst cgo = \"nocgo\"\n"),
		"import.go": []byte("//go:build cgo\n\npackage main\n\n// int one(void) { return 1; }\nimport \"C\"\n\nvar _ = C.one()\n"),
	}
	root := t.TempDir()
	for _, tc := range []struct {
		comp Component
		want string
	}{
		{Component{Name: "plain", Module: "spherekit.local/build/plain", Version: "v0.0.0-test", Binaries: map[string]string{"prog": "."}, Source: src}, "untagged nocgo\n"},
		{Component{Name: "tagged", Module: "spherekit.local/build/tagged", Version: "v0.0.0-test", Binaries: map[string]string{"prog": "."}, Source: src, Tags: []string{"spherekit_test_tag", "other"}, CGO: true}, "tagged cgo\n"},
	} {
		res, err := (&Cache{Root: root}).Ensure(context.Background(), tc.comp)
		require.NoError(t, err, tc.comp.Name)
		out, err := exec.Command(filepath.Join(res.Dir, "prog")).Output()
		require.NoError(t, err, tc.comp.Name)
		assert.Equal(t, tc.want, string(out), tc.comp.Name)
	}
}

func TestGiteaAssetsCopiesFolders(t *testing.T) {
	mod := t.TempDir()
	for _, f := range []string{"options/locale/locale_en-US.json", "templates/user/auth/grant.tmpl", "public/assets/img/logo.svg", "main.go"} {
		p := filepath.Join(mod, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(f), 0o444))
	}
	dest := t.TempDir()
	require.NoError(t, giteaAssets(mod, dest))
	for _, f := range []string{"options/locale/locale_en-US.json", "templates/user/auth/grant.tmpl", "public/assets/img/logo.svg"} {
		data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(f)))
		require.NoError(t, err)
		assert.Equal(t, f, string(data))
	}
	assert.NoFileExists(t, filepath.Join(dest, "main.go"), "only the asset folders are copied")

	require.NoError(t, os.RemoveAll(filepath.Join(mod, "templates")))
	assert.ErrorIs(t, giteaAssets(mod, t.TempDir()), os.ErrNotExist, "a module without its templates is an error")
}

func TestGiteaRecipe(t *testing.T) {
	c := Gitea()
	assert.True(t, c.CGO, "mattn/go-sqlite3 needs cgo")
	assert.True(t, c.UpstreamReplaces)
	args := strings.Join(c.buildArgs("/out/gitea", "code.gitea.io/gitea"), " ")
	assert.Contains(t, args, "-tags=sqlite,sqlite_unlock_notify")
	assert.Contains(t, args, "-X main.Version=1.26.1")
	assert.Contains(t, args, "-X 'main.Tags=sqlite sqlite_unlock_notify'")
}

// TestPatchModuleBuildsFromACopy builds stringer from a patched copy of
// its module: the binary runs the patch's code, and the module cache keeps
// the original.
func TestPatchModuleBuildsFromACopy(t *testing.T) {
	patch := []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n" +
		"func init() {\n\tif os.Getenv(\"SPHEREKIT_PATCHED\") != \"\" {\n\t\tfmt.Println(\"patched\")\n\t\tos.Exit(0)\n\t}\n}\n")
	var patched string
	comp := small()
	comp.Name = "stringer-patched"
	comp.PatchModule = func(dir string) error {
		patched = dir
		return os.WriteFile(filepath.Join(dir, "cmd", "stringer", "zz_spherekit_patch.go"), patch, 0o644)
	}
	res, err := (&Cache{Root: t.TempDir()}).Ensure(context.Background(), comp)
	require.NoError(t, err)
	assert.Equal(t, patchedModuleDir, filepath.Base(patched))

	cmd := exec.Command(filepath.Join(res.Dir, "stringer"))
	cmd.Env = append(os.Environ(), "SPHEREKIT_PATCHED=1")
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, "patched\n", string(out))

	g, err := newGoCmd(&strings.Builder{})
	require.NoError(t, err)
	dl, err := comp.download(context.Background(), g, t.TempDir())
	require.NoError(t, err)
	assert.NoFileExists(t, filepath.Join(dl.Dir, "cmd", "stringer", "zz_spherekit_patch.go"), "the module cache is left alone")
}

func TestPatchModuleFailureIsABuildError(t *testing.T) {
	comp := small()
	comp.Name = "stringer-unpatchable"
	comp.PatchModule = func(string) error { return errors.New("no such folder") }
	_, err := (&Cache{Root: t.TempDir()}).Ensure(context.Background(), comp)
	var be *BuildError
	require.ErrorAs(t, err, &be)
	assert.ErrorContains(t, err, "patch golang.org/x/tools@v0.51.0: no such folder")
}

func TestAlertmanagerUIPlaceholder(t *testing.T) {
	mod := t.TempDir()
	require.NoError(t, alertmanagerUIPlaceholder(mod))
	page, err := os.ReadFile(filepath.Join(mod, "ui", "app", "dist", "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "without its web UI")

	built := t.TempDir()
	dist := filepath.Join(built, "ui", "app", "dist")
	require.NoError(t, os.MkdirAll(dist, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dist, "index.html"), []byte("the real UI"), 0o644))
	require.NoError(t, alertmanagerUIPlaceholder(built))
	page, err = os.ReadFile(filepath.Join(dist, "index.html"))
	require.NoError(t, err)
	assert.Equal(t, "the real UI", string(page), "a module that ships its UI keeps it")
}
