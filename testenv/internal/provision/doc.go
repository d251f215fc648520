// Package provision builds the control-plane binaries testenv runs (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok) from
// source through the Go module proxy, and caches them. It also builds
// pdeathsig, a small program of testenv's own (source in pdeathsig/, embedded
// here) through which testenv runs the processes envtest starts.
//
// Each component is built in a throwaway module that requires the upstream
// module at a pinned version, in a temporary folder beside the cache entry,
// and moved into place with one rename once every binary and a manifest of
// their checksums are written. A file lock per component makes concurrent
// processes build it once; a cache entry whose manifest is missing or does not
// match its files is rebuilt.
package provision
