package provision

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// goCmd runs the go command with an environment fixed for building host
// binaries: no workspace, module mode, static binaries (no cgo) for this
// platform unless a component asks for cgo.
type goCmd struct {
	path string
	env  []string
	// log receives the full output of every command (the build log).
	log io.Writer
}

func newGoCmd(log io.Writer) (*goCmd, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		if root := os.Getenv("GOROOT"); root != "" {
			path = filepath.Join(root, "bin", "go")
			if _, statErr := os.Stat(path); statErr == nil {
				err = nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("find the go command (testenv builds the control plane from source): %w", err)
	}
	drop := map[string]bool{"GOFLAGS": true, "GOWORK": true, "GOOS": true, "GOARCH": true, "CGO_ENABLED": true, "GO111MODULE": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, "GOWORK=off", "GOFLAGS=-mod=mod", "GO111MODULE=on", "CGO_ENABLED=0",
		"GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	return &goCmd{path: path, env: env, log: log}, nil
}

// setEnv sets one environment variable of the commands it runs.
func (g *goCmd) setEnv(key, value string) {
	for i, kv := range g.env {
		if strings.HasPrefix(kv, key+"=") {
			g.env[i] = key + "=" + value
			return
		}
	}
	g.env = append(g.env, key+"="+value)
}

// run runs `go args...` in dir and returns its standard output. On failure
// the error carries the tail of the combined output.
func (g *goCmd) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	var stdout, combined bytes.Buffer
	cmd := exec.CommandContext(ctx, g.path, args...)
	cmd.Dir = dir
	cmd.Env = g.env
	cmd.Stdout = io.MultiWriter(&stdout, &combined, g.log)
	cmd.Stderr = io.MultiWriter(&combined, g.log)
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &commandError{Args: append([]string{"go"}, args...), Tail: tail(combined.String(), 25), Err: err}
	}
	return stdout.Bytes(), nil
}

// commandError is a failed go command with the last lines it printed.
type commandError struct {
	Args []string
	Tail string
	Err  error
}

func (e *commandError) Error() string {
	return fmt.Sprintf("%s: %v; last output:\n%s", strings.Join(e.Args, " "), e.Err, e.Tail)
}

func (e *commandError) Unwrap() error { return e.Err }

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, v := range m {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
