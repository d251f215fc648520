package csi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// limitedName names the second driver, which cannot snapshot, clone or
// expand.
const limitedName = "limited.csi.spherekit.io"

// The package's stack, started before the tests run (building the sidecars
// and csi-sanity the first time takes minutes; TestMain's time does not
// count against go test's timeout): a cluster with one simulated node, a
// driver with every capability and, beside it, one without snapshots,
// clones and expansion.
var (
	cluster      *testenv.Cluster
	full         *csi.Driver
	limited      *csi.Driver
	sanityBinary string
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	root, err := provision.CacheRoot("")
	if err != nil {
		return fail(err)
	}
	res, err := (&provision.Cache{Root: root, Progress: os.Stderr}).Ensure(ctx, provision.CSISanity())
	if err != nil {
		return fail(err)
	}
	sanityBinary = filepath.Join(res.Dir, "csi-sanity")

	cluster, err = testenv.Start(ctx, testenv.Options{Nodes: 1, Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = cluster.Stop() }()
	full, err = csi.Start(ctx, cluster, csi.Options{Progress: os.Stderr})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = full.Stop() }()
	limited, err = csi.Start(ctx, cluster, csi.Options{
		Name:             limitedName,
		DisableSnapshots: true,
		DisableClones:    true,
		DisableExpansion: true,
		Progress:         os.Stderr,
	})
	if err != nil {
		return fail(err)
	}
	defer func() { _ = limited.Stop() }()
	return m.Run()
}
