// Package usage computes the quota usage of objects and namespaces the way
// Kubernetes' quota evaluators count it, for the resource names
// ResourceQuotas use: compute resources of pods (requests.cpu, limits.memory,
// cpu, memory, pods, huge pages, extended resources such as
// requests.nvidia.com/gpu, ...), object counts (count/<resource>[.<group>] and the
// legacy names services, secrets, configmaps, persistentvolumeclaims,
// replicationcontrollers, resourcequotas) and requests.storage of claims.
package usage
