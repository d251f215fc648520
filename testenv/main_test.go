package testenv

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// shared is the API-only cluster most tests of this package use.
var shared *Cluster

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	if os.Getenv(lifecycleHelperEnv) != "" {
		runLifecycleHelper(m)
		return
	}
	// Build every component before m.Run, so a cold cache does not count
	// against the test timeout.
	if _, err := resolveBinaries(context.Background(), Options{Nodes: 1, Progress: os.Stderr}); err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "provision: %v\n", err)
		os.Exit(1)
	}
	Run(m, Options{}, func(c *Cluster) { shared = c })
}
