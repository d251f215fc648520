package provision

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAptGet writes an apt-get stand-in that appends its arguments to a
// calls file and, on install, creates the programs in bin unless
// failInstall says otherwise; on update it marks the lists as present.
// Program names are unlikely ones, so PATH never provides them.
func fakeAptGet(t *testing.T, failInstall string) (pkgs DebianPackages, calls func() []string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	callsFile := filepath.Join(dir, "calls")
	script := `#!/bin/sh
set -e
cmd=""
for a in "$@"; do case "$a" in install|update) cmd="$a";; esac; done
echo "$cmd" >> ` + callsFile + `
case "$cmd" in
update) touch ` + filepath.Join(dir, "lists") + `;;
install)
	case "` + failInstall + `" in
	nolists) if [ ! -e ` + filepath.Join(dir, "lists") + ` ]; then echo "E: Unable to locate package spherekit-fake"; exit 100; fi;;
	broken) echo "E: Sub-process /usr/bin/dpkg returned an error code (1)"; exit 100;;
	esac
	[ "$DEBIAN_FRONTEND" = noninteractive ]
	for p in spherekit-fake-slapd spherekit-fake-slapadd; do printf '#!/bin/sh\n' > ` + bin + `/$p; chmod +x ` + bin + `/$p; done;;
esac
`
	aptGet := filepath.Join(dir, "apt-get")
	require.NoError(t, os.WriteFile(aptGet, []byte(script), 0o755))
	pkgs = DebianPackages{
		Packages: []string{"spherekit-fake", "spherekit-fake-utils"},
		Programs: []string{"spherekit-fake-slapd", "spherekit-fake-slapadd"},
		Lock:     filepath.Join(dir, "apt.lock"),
		aptGet:   aptGet,
		euid:     func() int { return 0 },
		dirs:     []string{bin},
	}
	return pkgs, func() []string {
		data, err := os.ReadFile(callsFile)
		if os.IsNotExist(err) {
			return nil
		}
		require.NoError(t, err)
		return strings.Fields(string(data))
	}
}

func TestEnsureDebianPackages(t *testing.T) {
	tests := []struct {
		name        string
		failInstall string
		notRoot     bool
		present     bool
		wantCalls   []string
		wantErr     []string // substrings of the error; none means success
	}{
		{name: "present: nothing to install", present: true},
		{name: "missing: installed", wantCalls: []string{"install"}},
		{name: "no package lists: update, then install", failInstall: "nolists", wantCalls: []string{"install", "update", "install"}},
		{name: "install fails: no update, output in the error", failInstall: "broken", wantCalls: []string{"install"},
			wantErr: []string{"install Debian packages spherekit-fake spherekit-fake-utils", "spherekit-fake-slapd, spherekit-fake-slapadd not found", "dpkg returned an error code"}},
		{name: "not root", notRoot: true,
			wantErr: []string{"only root can install them", "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends spherekit-fake spherekit-fake-utils"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, calls := fakeAptGet(t, tt.failInstall)
			if tt.present {
				for _, p := range pkgs.Programs {
					require.NoError(t, os.WriteFile(filepath.Join(pkgs.dirs[0], p), []byte("#!/bin/sh\n"), 0o755))
				}
			}
			if tt.notRoot {
				pkgs.euid = func() int { return 1000 }
			}
			res, err := EnsureDebianPackages(context.Background(), pkgs)
			assert.Equal(t, tt.wantCalls, calls())
			if len(tt.wantErr) > 0 {
				var pe *PackagesError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, pkgs.Programs, pe.Missing)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				if tt.notRoot {
					assert.ErrorIs(t, err, ErrNotRoot)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, !tt.present, res.Installed)
			for _, p := range pkgs.Programs {
				assert.Equal(t, filepath.Join(pkgs.dirs[0], p), res.Paths[p])
			}
		})
	}
}

// TestEnsureDebianPackagesConcurrent checks that concurrent callers install
// once: the lock is taken per open file, so goroutines of one process
// contend for it as processes do.
func TestEnsureDebianPackagesConcurrent(t *testing.T) {
	pkgs, calls := fakeAptGet(t, "")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = EnsureDebianPackages(context.Background(), pkgs)
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, []string{"install"}, calls())
}
