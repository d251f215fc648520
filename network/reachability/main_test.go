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
// (read from the module), for the tests that check which of its kinds
// exist on a real API server and that every ClusterNetworkPolicy the
// generator of random worlds makes is one the server accepts. The
// experimental channel: it is the standard one plus the experimental
// fields (named ports, nodes and domainNames peers) and one CEL rule about
// them, so it accepts every standard object and checks the experimental
// ones the generator makes too. The engine's own tests need no cluster.
var env *testenv.Cluster

func TestMain(m *testing.M) {
	var opts testenv.Options
	if !testenv.Fuzzing() {
		defs, err := netpolapi.CRDs(context.Background(), netpolapi.Experimental)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		opts.CRDs = defs
	}
	testenv.Run(m, opts, func(c *testenv.Cluster) { env = c })
}
