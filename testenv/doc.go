// Package testenv runs a real local Kubernetes control plane for tests and
// examples: etcd and kube-apiserver by default, and on request
// kube-controller-manager, kube-scheduler and kwok with simulated nodes, so
// Deployments roll out and pods reach Running without a container runtime.
//
// The binaries are built from source through the Go module proxy the first
// time they are needed (several minutes), then cached under the user cache
// folder keyed by version, so no download site other than the module proxy is
// needed. Concurrent test processes build each component once; an
// interrupted build never leaves a broken cache entry. Point EnvBinaries or
// KUBEBUILDER_ASSETS at a folder of prebuilt binaries to skip building them.
//
// Start from Run in a TestMain, one cluster per test package:
//
//	var env *testenv.Cluster
//
//	func TestMain(m *testing.M) {
//		testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
//	}
//
//	func TestSomething(t *testing.T) {
//		ns := env.NewNamespace(t)
//		...
//	}
//
// or from Start for a cluster of your own (a program, several clusters, a
// cluster per test). Every cluster installs the CRDs of every spherekit API
// group. testenv needs a unix system (it uses file locks and process groups)
// and the go command on PATH.
package testenv
