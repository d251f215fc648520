package prometheus_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/prometheus"
)

// helperEnv makes the test binary a helper that starts a Prometheus, prints
// its URL and waits to be killed.
const helperEnv = "SPHEREKIT_PROMETHEUS_HELPER"

func runHelper() {
	s, err := prometheus.Start(context.Background(), prometheus.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println("url", s.URL())
	select {}
}

// TestPrometheusDiesWithItsParent kills (SIGKILL, so no cleanup runs) a
// process that started a Prometheus, and checks that the Prometheus ends
// too.
func TestPrometheusDiesWithItsParent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("this checks the kernel's parent-death signal (PR_SET_PDEATHSIG), which exists on Linux only; elsewhere Stop ends the server")
	}
	timeout(t)
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=1")
	stdout, err := helper.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	helper.Stderr = &stderr
	require.NoError(t, helper.Start())
	t.Cleanup(func() { _ = helper.Process.Kill(); _ = helper.Wait() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "helper: %s", stderr.String())
	u, ok := strings.CutPrefix(strings.TrimSpace(line), "url ")
	require.True(t, ok, line)
	children := childrenOf(t, helper.Process.Pid)
	require.Len(t, children, 1, "the helper runs one prometheus")

	require.NoError(t, helper.Process.Kill())
	_ = helper.Wait()
	assert.Eventually(t, func() bool { return !alive(children[0]) }, 15*time.Second, 100*time.Millisecond, "prometheus (pid %d) outlived its parent", children[0])
	_, err = (&http.Client{Timeout: time.Second}).Get(u + "/-/ready")
	assert.Error(t, err, "nothing answers at %s", u)
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(t *testing.T, pid int) []int {
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
