package ldap

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

// shared is the TLS-enabled server most tests use, started before m.Run
// so that a first install of the Debian packages does not count against
// go test's -timeout.
var shared *Server

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelper()
		return
	}
	if fuzzing() {
		// Every fuzz worker runs TestMain; the fuzz target needs no server.
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	s, err := Start(ctx, Options{TLS: true, Progress: os.Stderr})
	cancel()
	if err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "start slapd: %v\n", err)
		os.Exit(1)
	}
	shared = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "%v\n", err)
		code = 1
	}
	os.Exit(code)
}

// fuzzing reports whether the binary runs as go test -fuzz (the
// coordinator or a worker).
func fuzzing() bool {
	flag.Parse()
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// helperEnv makes the test binary a helper process that starts a server,
// prints its slapd's process ID and its folder, and waits to be killed.
const helperEnv = "SPHEREKIT_LDAP_HELPER"

func runHelper() {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println(s.proc.Pid(), s.folder.Dir)
	select {}
}
