// Package gatewayapi gives tests the CustomResourceDefinitions of Gateway
// API (sigs.k8s.io/gateway-api), read from the Go module itself, so that a
// testenv cluster validates Gateways, HTTPRoutes and the rest with the
// upstream schemas and CEL rules:
//
//	func TestMain(m *testing.M) {
//		defs, err := gatewayapi.CRDs(context.Background(), gatewayapi.Standard)
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		testenv.Run(m, testenv.Options{CRDs: defs}, func(c *testenv.Cluster) { env = c })
//	}
//
// The CRDs come from the module's config/crd folder at the version of
// sigs.k8s.io/gateway-api in the build list of the module in the current
// folder (where go test runs), found with `go mod download -json`: from the
// module cache when it is there (as after `go mod download`), else through
// the module proxy. That is the version whose Go types the test binary is
// built with (this package imports them); CRDs checks that the two agree.
// Nothing is copied into the repository, and nothing but the go command
// and the module cache is needed.
package gatewayapi
