package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DebianPackages names the programs a testenv server package runs (such as
// slapd) and the Debian packages that provide them.
type DebianPackages struct {
	// Packages are installed together, with apt-get, when a program is
	// missing.
	Packages []string
	// Programs must all be found, on PATH or in /usr/sbin, /usr/bin,
	// /sbin or /bin, after the packages are installed.
	Programs []string
	// Progress receives one line when an install starts and one when it
	// ends; nil discards them.
	Progress io.Writer
	// Lock is the file whose lock serializes installs across processes;
	// empty means spherekit-apt.lock in the temporary folder.
	Lock string

	// aptGet, euid and dirs replace the apt-get command, the effective
	// user ID and the folders searched after PATH in tests.
	aptGet string
	euid   func() int
	dirs   []string
}

// DebianResult tells where the programs are and whether this call installed
// the packages.
type DebianResult struct {
	// Paths maps every program to its absolute path.
	Paths     map[string]string
	Installed bool
	Duration  time.Duration
}

// ErrNotRoot is wrapped by a PackagesError when packages are missing and the
// process cannot install them.
var ErrNotRoot = errors.New("only root can install them")

// ErrNoAptGet is wrapped by a PackagesError when packages are missing on a
// system without apt-get.
var ErrNoAptGet = errors.New("apt-get is not on PATH (not a Debian-based system?)")

// PackagesError reports Debian packages that are needed and could not be
// installed: the process is not root, there is no apt-get, or apt-get failed
// (LogTail then holds its last output lines).
type PackagesError struct {
	// Packages are the packages to install.
	Packages []string
	// Missing are the programs that were not found.
	Missing []string
	// LogTail holds the last lines apt-get printed, when it ran.
	LogTail string
	Err     error
}

func (e *PackagesError) Error() string {
	msg := fmt.Sprintf("install Debian packages %s (%s not found): %v", strings.Join(e.Packages, " "), strings.Join(e.Missing, ", "), e.Err)
	if errors.Is(e.Err, ErrNotRoot) || errors.Is(e.Err, ErrNoAptGet) {
		msg += "; install them with: sudo " + strings.Join(aptInstallCommand(e.Packages), " ")
	}
	if e.LogTail != "" {
		msg += "; last output:\n" + e.LogTail
	}
	return msg
}

func (e *PackagesError) Unwrap() error { return e.Err }

// aptInstallCommand is the install command line, environment included.
func aptInstallCommand(packages []string) []string {
	return append([]string{"DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends"}, packages...)
}

// EnsureDebianPackages finds pkgs.Programs, installing pkgs.Packages first
// when one is missing:
//
//	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends PACKAGE...
//
// and, only when that fails for want of package lists, apt-get update and
// the install again. Concurrent callers, in this process or others, install
// once: the others wait on pkgs.Lock (and apt-get itself waits up to five
// minutes for dpkg's lock), then find the programs. A process that is not
// root gets a *PackagesError wrapping ErrNotRoot, naming the command to run.
func EnsureDebianPackages(ctx context.Context, pkgs DebianPackages) (DebianResult, error) {
	start := time.Now()
	paths, missing := pkgs.find()
	if len(missing) == 0 {
		return DebianResult{Paths: paths, Duration: time.Since(start)}, nil
	}
	fail := func(err error, logTail string) (DebianResult, error) {
		return DebianResult{}, &PackagesError{Packages: pkgs.Packages, Missing: missing, LogTail: logTail, Err: err}
	}
	euid := os.Geteuid
	if pkgs.euid != nil {
		euid = pkgs.euid
	}
	if euid() != 0 {
		return fail(ErrNotRoot, "")
	}
	aptGet := pkgs.aptGet
	if aptGet == "" {
		p, err := exec.LookPath("apt-get")
		if err != nil {
			return fail(ErrNoAptGet, "")
		}
		aptGet = p
	}

	lock := pkgs.Lock
	if lock == "" {
		lock = filepath.Join(os.TempDir(), "spherekit-apt.lock")
	}
	unlock, err := lockFile(ctx, lock, func() {
		pkgs.printf("testenv: waiting for another process installing Debian packages (lock %s)", lock)
	})
	if err != nil {
		return fail(fmt.Errorf("lock %s: %w", lock, err), "")
	}
	defer unlock()
	if paths, missing = pkgs.find(); len(missing) == 0 {
		return DebianResult{Paths: paths, Duration: time.Since(start)}, nil
	}

	pkgs.printf("testenv: installing Debian packages %s (%s not found; about 15 s)", strings.Join(pkgs.Packages, " "), strings.Join(missing, ", "))
	install := append([]string{"-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends"}, pkgs.Packages...)
	out, err := runAptGet(ctx, aptGet, install...)
	if err != nil && needsUpdate(out) {
		pkgs.printf("testenv: apt-get found no package lists; running apt-get update")
		if out, err = runAptGet(ctx, aptGet, "-o", "DPkg::Lock::Timeout=300", "update"); err == nil {
			out, err = runAptGet(ctx, aptGet, install...)
		}
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return fail(fmt.Errorf("apt-get: %w", err), tail(out, 25))
	}
	if paths, missing = pkgs.find(); len(missing) > 0 {
		return fail(errors.New("the programs are still missing after apt-get install"), tail(out, 25))
	}
	d := time.Since(start)
	pkgs.printf("testenv: installed %s in %s", strings.Join(pkgs.Packages, " "), d.Round(100*time.Millisecond))
	return DebianResult{Paths: paths, Installed: true, Duration: d}, nil
}

// find looks up every program and returns the paths found and the names
// missing.
func (pkgs DebianPackages) find() (paths map[string]string, missing []string) {
	dirs := pkgs.dirs
	if dirs == nil {
		dirs = []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"}
	}
	paths = map[string]string{}
	for _, prog := range pkgs.Programs {
		if p, err := exec.LookPath(prog); err == nil {
			if abs, err := filepath.Abs(p); err == nil {
				paths[prog] = abs
				continue
			}
		}
		found := false
		for _, d := range dirs {
			p := filepath.Join(d, prog)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				paths[prog], found = p, true
				break
			}
		}
		if !found {
			missing = append(missing, prog)
		}
	}
	return paths, missing
}

func (pkgs DebianPackages) printf(format string, args ...any) {
	if pkgs.Progress != nil {
		fmt.Fprintf(pkgs.Progress, format+"\n", args...)
	}
}

// runAptGet runs apt-get non-interactively and returns its combined output.
func runAptGet(ctx context.Context, aptGet string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, aptGet, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// needsUpdate reports whether apt-get's output says its package lists are
// missing or stale.
func needsUpdate(out string) bool {
	for _, s := range []string{"Unable to locate package", "has no installation candidate", "apt-get update"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}
