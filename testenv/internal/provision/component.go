package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Component is one upstream Go module built into one or more binaries, or a
// small program of testenv's own whose source it carries.
type Component struct {
	// Name identifies the component in progress lines, errors and the cache.
	Name string
	// Module and Version name the upstream module. For a component with
	// Source, Module names the module the source is built in and Version is
	// a digest of the source.
	Module  string
	Version string
	// Binaries maps each binary name to the main package that builds it
	// ("." for the package in Source).
	Binaries map[string]string
	// Source, when set, holds the files (name to content) of a main package
	// that needs nothing but the standard library. It is built in a module of
	// its own instead of an upstream one.
	Source map[string][]byte
	// StagingReplaces adds, for every `replace X => ./staging/...` line of the
	// upstream go.mod, a `replace X => X <StagingVersion>` line, the way
	// k8s.io/kubernetes must be consumed as a dependency.
	StagingReplaces bool
	StagingVersion  string
	// UpstreamReplaces copies every `replace X => Y version` line of the
	// upstream go.mod into the throwaway module, as a module that depends on
	// it must when upstream pins or forks dependencies that way
	// (code.gitea.io/gitea). A replace by a folder is an error unless
	// StagingReplaces maps it.
	UpstreamReplaces bool
	// Tags are the build tags of every binary.
	Tags []string
	// CGO builds with cgo (CGO_ENABLED=1), for a component that binds a C
	// library (Gitea's SQLite driver); the machine then needs a C compiler.
	// Without it binaries are built with CGO_ENABLED=0.
	CGO bool
	// PatchModule, when set, builds the binaries from a copy of the upstream
	// module instead of the module cache: the module is copied into the
	// build folder, PatchModule adds or changes files in the copy (files the
	// module zip lacks, such as Alertmanager's web UI build output), and the
	// throwaway module replaces the module by the copy. A change to what it
	// writes needs a new Revision.
	PatchModule func(moduleDir string) error
	// Assets copies files out of the upstream module into the cache entry.
	Assets func(moduleDir, dest string) error
	// LDFlags are added to the linker flags of every binary, for example to
	// stamp a version.
	LDFlags []string
	// Revision changes the cache key when the recipe changes (new assets, new
	// build flags) without a version change.
	Revision int
	// TypicalBuild is how long a cold build typically takes on a quiet 2-core
	// machine; the progress lines use it as the estimate until this machine
	// has recorded a build of the component (zero: no estimate).
	TypicalBuild time.Duration
}

// Key is the cache folder name of the component: name, version and platform.
func (c Component) Key(goos, goarch string) string {
	return fmt.Sprintf("%s-%s-r%d-%s-%s", c.Name, strings.TrimPrefix(c.Version, "v"), c.Revision, goos, goarch)
}

// goModReplace is one replace directive of a go.mod, as `go mod edit
// -json` reports it.
type goModReplace struct {
	Old struct{ Path, Version string }
	New struct{ Path, Version string }
}

// patchedModuleDir is the folder, in the throwaway module's folder, that
// holds the copy of the upstream module a PatchModule component builds from.
// The copy has its own go.mod, so it is not part of the throwaway module.
const patchedModuleDir = "upstream"

// moduleDownload is what `go mod download -json` reports of the upstream module.
type moduleDownload struct {
	// Dir is the module's folder in the module cache (read-only), GoMod its
	// go.mod file.
	Dir, GoMod string
}

// download fetches the upstream module into the module cache and says where
// it is.
func (c Component) download(ctx context.Context, g *goCmd, dir string) (moduleDownload, error) {
	out, err := g.run(ctx, dir, "mod", "download", "-json", c.Module+"@"+c.Version)
	if err != nil {
		return moduleDownload{}, err
	}
	var dl moduleDownload
	if err := json.Unmarshal(out, &dl); err != nil {
		return moduleDownload{}, fmt.Errorf("read go mod download output for %s: %w", c.Module, err)
	}
	if dl.GoMod == "" || dl.Dir == "" {
		return moduleDownload{}, fmt.Errorf("go mod download named no folder or go.mod for %s@%s", c.Module, c.Version)
	}
	return dl, nil
}

// upstreamReplaces reads the replace directives of the upstream go.mod
// through `go mod download -json` and `go mod edit -json`.
func (c Component) upstreamReplaces(ctx context.Context, g *goCmd, dir string) ([]goModReplace, error) {
	dl, err := c.download(ctx, g, dir)
	if err != nil {
		return nil, err
	}
	out, err := g.run(ctx, dir, "mod", "edit", "-json", dl.GoMod)
	if err != nil {
		return nil, err
	}
	var mod struct{ Replace []goModReplace }
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, fmt.Errorf("parse go.mod of %s: %w", c.Module, err)
	}
	return mod.Replace, nil
}

// replaceLines turns the upstream replace directives into the replace lines
// of the throwaway module, following StagingReplaces and UpstreamReplaces.
func (c Component) replaceLines(reps []goModReplace) ([]string, error) {
	var lines []string
	var staged int
	for _, r := range reps {
		old := r.Old.Path
		if r.Old.Version != "" {
			old += " " + r.Old.Version
		}
		switch {
		case c.StagingReplaces && strings.HasPrefix(r.New.Path, "./staging/"):
			lines = append(lines, fmt.Sprintf("replace %s => %s %s", old, r.Old.Path, c.StagingVersion))
			staged++
		case !c.UpstreamReplaces:
		case r.New.Version == "":
			return nil, fmt.Errorf("go.mod of %s@%s replaces %s by the folder %s, which a dependent module cannot follow", c.Module, c.Version, r.Old.Path, r.New.Path)
		default:
			lines = append(lines, fmt.Sprintf("replace %s => %s %s", old, r.New.Path, r.New.Version))
		}
	}
	if c.StagingReplaces && staged == 0 {
		return nil, fmt.Errorf("go.mod of %s@%s has no staging replace lines", c.Module, c.Version)
	}
	return lines, nil
}

// writeModule writes the throwaway module that builds the component.
func (c Component) writeModule(ctx context.Context, g *goCmd, dir string) error {
	if c.Source != nil {
		mod := fmt.Sprintf("module %s\n\ngo 1.26\n", c.Module)
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
			return err
		}
		for name, data := range c.Source {
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module spherekit.local/build/%s\n\ngo 1.26\n\nrequire %s %s\n", c.Name, c.Module, c.Version)
	if c.StagingReplaces || c.UpstreamReplaces {
		reps, err := c.upstreamReplaces(ctx, g, dir)
		if err != nil {
			return err
		}
		lines, err := c.replaceLines(reps)
		if err != nil {
			return err
		}
		if len(lines) > 0 {
			b.WriteString("\n" + strings.Join(lines, "\n") + "\n")
		}
	}
	if c.PatchModule != nil {
		if err := c.patchedCopy(ctx, g, dir); err != nil {
			return err
		}
		fmt.Fprintf(&b, "\nreplace %s => ./%s\n", c.Module, patchedModuleDir)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	var t strings.Builder
	t.WriteString("//go:build tools\n\npackage tools\n\nimport (\n")
	for _, pkg := range sortedValues(c.Binaries) {
		fmt.Fprintf(&t, "\t_ %q\n", pkg)
	}
	t.WriteString(")\n")
	return os.WriteFile(filepath.Join(dir, "tools.go"), []byte(t.String()), 0o644)
}

// patchedCopy copies the upstream module from the module cache into
// patchedModuleDir under dir, writable, and lets PatchModule change it.
func (c Component) patchedCopy(ctx context.Context, g *goCmd, dir string) error {
	dl, err := c.download(ctx, g, dir)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, patchedModuleDir)
	if err := copyTree(dl.Dir, dst); err != nil {
		return fmt.Errorf("copy %s@%s out of the module cache: %w", c.Module, c.Version, err)
	}
	if err := c.PatchModule(dst); err != nil {
		return fmt.Errorf("patch %s@%s: %w", c.Module, c.Version, err)
	}
	return nil
}

// buildArgs are the arguments of the go command that builds the main
// package pkg into the file out.
func (c Component) buildArgs(out, pkg string) []string {
	args := []string{"build", "-trimpath"}
	if len(c.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(c.Tags, ","))
	}
	return append(args, "-ldflags="+strings.Join(append([]string{"-s", "-w"}, c.LDFlags...), " "), "-o", out, pkg)
}
