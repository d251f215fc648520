// Package v2beta2 holds the notification.kubesphere.io/v2beta2 API types,
// wire compatible with kubesphere/notification-manager's (cluster-scoped,
// with a status subresource): Config (how to reach a channel's service),
// Receiver (where notifications go, on which channels), Router (which
// alerts go to which receivers), Silence (which alerts go nowhere, for a
// time or on a schedule) and NotificationManager (the Deployment the
// notification-manager operator runs, and the service's defaults:
// receiver selection, per-channel options, templates, batching, routing
// policy). Secrets are Credentials, inline or from a Secret. The alert
// and receiver selectors add the operator Match, a regular expression on
// one label (LabelSelectorRequirement.RegexValue); NotificationManager's
// selectors are plain Kubernetes ones (KubeLabelSelector).
//
// Objects are global or a tenant's by the labels TypeLabel (global,
// tenant or default) and UserLabel (the tenant), as KubeSphere stamps
// them.
//
// NotificationManagerSpec's pod fields (Container, Volume, Affinity,
// EnvVar, ...) are this package's own types with core/v1's shapes as of
// Kubernetes 1.28, the core/v1 notification-manager's CRD was generated
// from, rather than k8s.io/api's current types: those have gained fields,
// defaults and list rules since, and would make the CRD accept and store
// objects notification-manager's does not (see NotificationManagerSpec).
//
// +kubebuilder:object:generate=true
// +groupName=notification.kubesphere.io
package v2beta2
