package reachability

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/netpolapi"
)

// env is a control plane with the CRDs of sigs.k8s.io/network-policy-api
// (the standard channel, read from the module), for the test that checks
// which of its kinds exist on a real API server. The engine's own tests
// need no cluster.
var env *testenv.Cluster

func TestMain(m *testing.M) {
	var opts testenv.Options
	if !testenv.Fuzzing() {
		defs, err := netpolapi.CRDs(context.Background(), netpolapi.Standard)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		opts.CRDs = defs
	}
	testenv.Run(m, opts, func(c *testenv.Cluster) { env = c })
}
