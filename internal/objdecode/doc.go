// Package objdecode reads Kubernetes objects from a stream of YAML or JSON
// documents (separated by ---, List kinds expanded), for the SDK's offline
// engines that take objects as files (authz.DecodeObjects,
// reachability.DecodeObjects).
package objdecode
