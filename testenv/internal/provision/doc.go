// Package provision builds the control-plane binaries testenv runs (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok) from
// source through the Go module proxy, and caches them, as it does the servers
// of testenv's server packages (Gitea for testenv/gitea). It also builds
// pdeathsig, a small program of testenv's own (source in pdeathsig/, embedded
// here) through which testenv runs the processes envtest starts.
//
// Each component is built in a throwaway module that requires the upstream
// module at a pinned version (with the replace lines the upstream go.mod
// makes its dependents copy, and build tags and cgo where it needs them), in a temporary folder beside the cache entry,
// and moved into place with one rename once every binary and a manifest of
// their checksums are written. When the module zip lacks files the build
// needs (Alertmanager's ui package embeds its web UI's build output, which is
// not in the zip), the throwaway module replaces the upstream module by a
// copy of it in the build folder that Component.PatchModule completes. A file lock per component makes concurrent
// processes build it once; a cache entry whose manifest is missing or does not
// match its files is rebuilt.
//
// A cold build takes minutes (issue #10 measured etcd 38 s, Kubernetes 5m49s
// and kwok 55 s on a quiet 2-core machine), so it reports progress through
// Cache.Progress: one line when it starts and then one every Cache.Heartbeat
// (30 seconds by default) naming the binaries, the module and version, the
// time so far and roughly the time left, for example
//
//	testenv: building kube-apiserver, kube-controller-manager, kube-scheduler (k8s.io/kubernetes v1.37.2): 2m10s so far, about 3m40s left (last build took 5m50s)
//
// The estimate is this machine's last successful build of the same component,
// version and GOARCH, recorded after each build in .buildtimes.json beside
// the entries (wall time from the build folder's creation to the entry's
// rename; lock waits excluded). Until there is one, it is the component's
// TypicalBuild, the issue #10 figure, and the line says so ("typically ~6 min
// on 2 cores"). Past the estimate the line says "past the estimate" instead of
// a time left. The record only shapes these lines: a missing or unreadable
// file means no estimate from it, and a failed write is reported as a progress
// line, never as a build error.
//
// Servers that Debian packages and the Go module proxy cannot build (slapd
// for testenv/ldap) come from apt-get instead: EnsureDebianPackages finds
// their programs and, when one is missing, installs the packages once under
// a file lock, the same way concurrent processes share a build.
package provision
