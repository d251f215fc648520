package provision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
)

const manifestName = ".manifest.json"

// EnvCacheDir names the environment variable that overrides where the
// cache is; testenv exports it as testenv.EnvCacheDir.
const EnvCacheDir = "SPHEREKIT_TESTENV_CACHE"

// CacheRoot resolves the cache folder that testenv and its server packages
// share: dir when it is set (their Options.CacheDir), or else the folder
// EnvCacheDir names, or else spherekit/testenv under the user cache folder.
// When none is known it returns an *fielderr.Invalid for CacheDir.
func CacheRoot(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", &fielderr.Invalid{Field: "CacheDir", Reason: "empty, and no user cache folder is known: " + err.Error(), Err: err}
	}
	return filepath.Join(base, "spherekit", "testenv"), nil
}

// Cache is a folder of built components, one sub-folder per component key.
type Cache struct {
	// Root is the cache folder. It is created when missing.
	Root string
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
	// Heartbeat is how often a long build reports how far it is and roughly
	// how long is left; zero means every 30 seconds.
	Heartbeat time.Duration

	// now and tick replace the clock and the heartbeat's ticker in tests;
	// nil means time.Now and time.NewTicker.
	now  func() time.Time
	tick func(every time.Duration) (c <-chan time.Time, stop func())
}

// Result tells where a component's files are and whether this call built it.
type Result struct {
	Dir      string
	Built    bool
	Duration time.Duration
}

// BuildError reports a component that could not be built, with the tail of
// the go command's output.
type BuildError struct {
	Component string
	Err       error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("build %s: %v", e.Component, e.Err)
}

func (e *BuildError) Unwrap() error { return e.Err }

type manifest struct {
	Component string           `json:"component"`
	Module    string           `json:"module"`
	Version   string           `json:"version"`
	GoVersion string           `json:"goVersion"`
	Files     map[string]entry `json:"files"`
}

type entry struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Ensure returns the cache entry of comp, building it first when it is
// missing or broken. Concurrent callers, in this process or others, build it
// once: the others wait on the component's lock and then use the result.
func (c *Cache) Ensure(ctx context.Context, comp Component) (Result, error) {
	start := time.Now()
	key := comp.Key(runtime.GOOS, runtime.GOARCH)
	dir := filepath.Join(c.Root, key)
	if err := verify(dir, comp); err == nil {
		return Result{Dir: dir, Duration: time.Since(start)}, nil
	}
	if err := os.MkdirAll(c.Root, 0o755); err != nil {
		return Result{}, fmt.Errorf("create testenv cache %s: %w", c.Root, err)
	}
	unlock, err := lockFile(ctx, filepath.Join(c.Root, key+".lock"), func() {
		c.printf("testenv: waiting for another process building %s", comp.Name)
	})
	if err != nil {
		return Result{}, fmt.Errorf("lock testenv cache entry %s: %w", key, err)
	}
	defer unlock()

	verr := verify(dir, comp)
	if verr == nil {
		return Result{Dir: dir, Duration: time.Since(start)}, nil
	}
	if !errors.Is(verr, os.ErrNotExist) {
		c.printf("testenv: cached %s is broken (%v); rebuilding", comp.Name, verr)
	}
	if err := os.RemoveAll(dir); err != nil {
		return Result{}, fmt.Errorf("remove broken testenv cache entry %s: %w", dir, err)
	}
	if err := c.build(ctx, comp, dir); err != nil {
		return Result{}, err
	}
	d := time.Since(start)
	c.printf("testenv: built %s in %s", comp.Name, d.Round(time.Second))
	return Result{Dir: dir, Built: true, Duration: d}, nil
}

func (c *Cache) build(ctx context.Context, comp Component, dest string) (err error) {
	start := c.clock()
	est := newEstimate(c.Root, comp, runtime.GOARCH)
	work, err := os.MkdirTemp(c.Root, ".build-"+comp.Name+"-")
	if err != nil {
		return &BuildError{Component: comp.Name, Err: err}
	}
	defer func() { _ = os.RemoveAll(work) }()
	src, out := filepath.Join(work, "src"), filepath.Join(work, "out")
	for _, d := range []string{src, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return &BuildError{Component: comp.Name, Err: err}
		}
	}
	logFile, err := os.Create(filepath.Join(work, "build.log"))
	if err != nil {
		return &BuildError{Component: comp.Name, Err: err}
	}
	defer func() { _ = logFile.Close() }()
	g, err := newGoCmd(logFile)
	if err != nil {
		return &BuildError{Component: comp.Name, Err: err}
	}
	if comp.CGO {
		g.setEnv("CGO_ENABLED", "1")
	}

	about := est.describe()
	if about == "" {
		about = "no build time recorded yet"
	}
	c.printf("testenv: building %s from %s@%s (cached afterwards in %s; %s)",
		strings.Join(sortedKeys(comp.Binaries), ", "), comp.Module, comp.Version, c.Root, about)
	stop := c.heartbeat(comp, start, est)
	defer stop()

	fail := func(err error) error { return &BuildError{Component: comp.Name, Err: err} }
	if err := comp.writeModule(ctx, g, src); err != nil {
		return fail(err)
	}
	if _, err := g.run(ctx, src, "mod", "tidy"); err != nil {
		return fail(err)
	}
	for _, bin := range sortedKeys(comp.Binaries) {
		if _, err := g.run(ctx, src, comp.buildArgs(filepath.Join(out, bin), comp.Binaries[bin])...); err != nil {
			return fail(err)
		}
	}
	if comp.Assets != nil {
		modDir, err := g.run(ctx, src, "list", "-m", "-f", "{{.Dir}}", comp.Module)
		if err != nil {
			return fail(err)
		}
		if err := comp.Assets(strings.TrimSpace(string(modDir)), out); err != nil {
			return fail(fmt.Errorf("copy assets: %w", err))
		}
	}
	goVersion, err := g.run(ctx, src, "env", "GOVERSION")
	if err != nil {
		return fail(err)
	}
	if err := writeManifest(out, comp, strings.TrimSpace(string(goVersion))); err != nil {
		return fail(err)
	}
	if err := os.Rename(out, dest); err != nil {
		return fail(fmt.Errorf("install into cache: %w", err))
	}
	end := c.clock()
	if err := recordBuild(ctx, c.Root, comp, runtime.GOARCH, end.Sub(start), end); err != nil {
		// The entry is good; only the next build's estimate is lost.
		c.printf("testenv: could not record how long %s took to build: %v", comp.Name, err)
	}
	return nil
}

// heartbeat prints progressLine every Heartbeat until stop is called; stop
// returns once the last line is written.
func (c *Cache) heartbeat(comp Component, start time.Time, est estimate) (stop func()) {
	every := c.Heartbeat
	if every <= 0 {
		every = 30 * time.Second
	}
	tick := c.tick
	if tick == nil {
		tick = func(every time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(every)
			return t.C, t.Stop
		}
	}
	ticks, stopTicker := tick(every)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		defer stopTicker()
		for {
			select {
			case <-done:
				return
			case <-ticks:
				c.printf("%s", progressLine(comp, c.clock().Sub(start), est))
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

func (c *Cache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *Cache) printf(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}

func writeManifest(dir string, comp Component, goVersion string) error {
	m := manifest{Component: comp.Name, Module: comp.Module, Version: comp.Version, GoVersion: goVersion, Files: map[string]entry{}}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		e, err := hashFile(path)
		if err != nil {
			return err
		}
		m.Files[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, manifestName), data, 0o644)
}

// verify checks that dir holds every binary of comp, each matching the size
// and checksum its manifest recorded. A missing entry wraps os.ErrNotExist.
func verify(dir string, comp Component) error {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("unreadable manifest: %w", err)
	}
	if m.Module != comp.Module || m.Version != comp.Version {
		return fmt.Errorf("manifest is for %s@%s", m.Module, m.Version)
	}
	for bin := range comp.Binaries {
		if _, ok := m.Files[bin]; !ok {
			return fmt.Errorf("binary %s is not in the manifest", bin)
		}
	}
	for name, want := range m.Files {
		got, err := hashFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("file %s: %w", name, noNotExist(err))
		}
		if got != want {
			return fmt.Errorf("file %s does not match its manifest", name)
		}
	}
	return nil
}

// noNotExist keeps a missing file inside an existing entry from reading as a
// missing entry.
func noNotExist(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return errors.New("missing")
	}
	return err
}

func hashFile(path string) (entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return entry{}, err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return entry{}, err
	}
	return entry{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
