// Package modcrds is the part testenv's CRD packages (testenv/gatewayapi,
// testenv/netpolapi and testenv/calico) share: finding a Go module's
// folder with `go mod download -json` (from the module cache when it is
// there, else through the module proxy, checked against go.sum and the
// checksum database like any module), checking that the test binary is
// built with the version whose CRDs it reads, and decoding the
// CustomResourceDefinitions of the module's YAML files.
//
// Start from Selected (the version the build list of the module in the
// current folder selects, as gatewayapi and netpolapi read theirs) or
// Download (a pinned version, as calico reads its), then ReadFiles or
// DecodeFile.
package modcrds
