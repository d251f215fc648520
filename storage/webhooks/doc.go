// Package webhooks serves the storage admission webhook: a claim
// (PersistentVolumeClaim) is created only when its namespace and the
// namespace's workspace pass every Accessor of its StorageClass, as
// kubesphere/storageclass-accessor decides, with a refusal naming the
// Accessor and the selector that failed (storage.AccessDeniedError).
//
// Register the handler with SetupWithManager and install
// ValidatingWebhookConfiguration pointed at the manager's webhook server.
// The webhook reads Accessors, Namespaces and Workspaces from the
// manager's cache (its identity needs list and watch on them), so an
// Accessor takes effect once the cache has seen it. Claims naming no class
// (and no default class the API server filled in) pass, as do updates.
package webhooks
