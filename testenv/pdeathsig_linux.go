//go:build linux

package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runsThroughPdeathsig reports whether the processes envtest starts (etcd,
// kube-apiserver) are run through the pdeathsig program, which needs building.
const runsThroughPdeathsig = true

// wrapInPdeathsig points b.etcd and b.apiserver, which envtest will start, at
// scripts in dir that exec the pdeathsig program with this process's ID and
// the real binary: envtest sets its children's process attributes itself, so
// the parent-death signal is set in the child instead, before it becomes
// etcd or kube-apiserver. The script is run by /bin/sh, which execs at once,
// so the process envtest started keeps its ID and process group.
func wrapInPdeathsig(dir string, b *binaries) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	for _, p := range []*string{&b.etcd, &b.apiserver} {
		wrapper := filepath.Join(dir, filepath.Base(*p))
		script := "#!/bin/sh\n" +
			"# Written by testenv: runs " + filepath.Base(*p) + " so that the kernel kills it when process " + strconv.Itoa(os.Getpid()) + " ends.\n" +
			"exec " + shellQuote(b.pdeathsig) + " " + strconv.Itoa(os.Getpid()) + " " + shellQuote(*p) + " \"$@\"\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
			return fmt.Errorf("testenv: write %s: %w", wrapper, err)
		}
		*p = wrapper
	}
	return nil
}

// shellQuote quotes s as one word for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
