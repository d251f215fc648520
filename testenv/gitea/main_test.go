package gitea_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/testenv/gitea"
)

// srv is the package's one Gitea, started before the tests run (building
// Gitea the first time takes minutes; TestMain's time does not count
// against go test's timeout).
var srv *gitea.Server

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelper()
		return
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var err error
	srv, err = gitea.Start(ctx, gitea.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = srv.Stop() }()
	return m.Run()
}
