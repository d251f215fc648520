// Package netpolapi gives tests the CustomResourceDefinitions of the
// Kubernetes Network Policy API (sigs.k8s.io/network-policy-api), read from
// the Go module itself, so that a testenv cluster validates its objects with
// the upstream schemas and CEL rules:
//
//	func TestMain(m *testing.M) {
//		defs, err := netpolapi.CRDs(context.Background(), netpolapi.Standard)
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		testenv.Run(m, testenv.Options{CRDs: defs}, func(c *testenv.Cluster) { env = c })
//	}
//
// The CRDs come from the module's config/crd/<channel> folder at the version
// of sigs.k8s.io/network-policy-api in the build list of the module in the
// current folder (where go test runs), found with `go mod download -json`:
// from the module cache when it is there, else through the module proxy.
// That is the version whose Go types the test binary is built with (this
// package imports them); CRDs checks that the two agree. Nothing is copied
// into the repository.
//
// At v0.3.0 the module ships one CRD per channel, ClusterNetworkPolicy
// (policy.networking.k8s.io, served as v1alpha2 and v1beta1, stored as
// v1beta1). AdminNetworkPolicy and BaselineAdminNetworkPolicy, the v1alpha1
// kinds ClusterNetworkPolicy replaced in v0.2.0, keep their Go types in the
// module but have no CRD there: CRDs returns none for them.
package netpolapi
