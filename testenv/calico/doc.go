// Package calico gives tests Project Calico's own CustomResourceDefinitions
// of the crd.projectcalico.org/v1 group (IPPool, IPAMBlock, BlockAffinity,
// ...), so code that writes Calico objects is checked against the schema
// Calico really serves, not one written for the test.
//
// The CRDs are read at test time from the Go module github.com/projectcalico/calico
// at the pinned Version, which ships them as YAML under
// libcalico-go/config/crd. CRDs asks the go command to download that module
// version into the module cache (verified against go.sum's checksum
// database like any module; a no-op once cached) and decodes the files
// found there; nothing of Calico is copied into this repository and no
// Calico program runs. Pass the result to testenv.Options.CRDs:
//
//	defs, err := calico.CRDs(ctx)
//	...
//	testenv.RunWithManager(ctx, testenv.RunInput{M: m, Options: testenv.Options{CRDs: defs}, ...})
//
// Version is a pseudo-version of Calico's main branch (August 2025, between
// Calico v3.30 and v3.31): the module's path has no /v3 suffix, so Calico's
// v3.x.y tags are not Go module versions and the proxy serves the
// repository only by pseudo-version. The ippools and ipamblocks CRDs there
// carry every field KubeSphere 3.4's Calico provider reads or writes.
package calico
