package authz_test

import (
	"testing"

	"github.com/spherekit/spherekit/testenv"
)

// env is a real kube-apiserver (no nodes: authorization needs none). Its
// RBAC authorizer is the reference the cache-fed Authorizer is checked
// against.
var env *testenv.Cluster

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
}
