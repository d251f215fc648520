package notification_test

import (
	"testing"

	"github.com/spherekit/spherekit/testenv"
)

// env is the real API server the Secrets of credentials are read from.
var env *testenv.Cluster

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
}
