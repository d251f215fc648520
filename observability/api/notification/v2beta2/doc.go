// Package v2beta2 holds the notification.kubesphere.io/v2beta2 API types,
// wire compatible with kubesphere/notification-manager's (cluster-scoped,
// with a status subresource): Config (how to reach a channel's service),
// Receiver (where notifications go, on which channels), Router (which
// alerts go to which receivers) and Silence (which alerts go nowhere, for
// a time or on a schedule). Secrets are Credentials, inline or from a
// Secret. Their label selectors add the operator Match, a regular
// expression on one label (LabelSelectorRequirement.RegexValue).
//
// Objects are global or a tenant's by the labels TypeLabel (global,
// tenant or default) and UserLabel (the tenant), as KubeSphere stamps
// them.
//
// +kubebuilder:object:generate=true
// +groupName=notification.kubesphere.io
package v2beta2
