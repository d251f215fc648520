// Package tools pins the development tools .ci/run builds (golangci-lint) in
// a module of their own, so users of the SDK never inherit their
// dependencies.
package tools
