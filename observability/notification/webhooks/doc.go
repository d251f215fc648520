// Package webhooks admits notification objects
// (notification.kubesphere.io/v2beta2 Config, Receiver, Router, Silence)
// only when observability/notification's validators accept them: every
// check of notification-manager's own webhook, plus that a receiver's
// config selector selects a Config of its channel, that a router's named
// receivers exist and that a silence's schedule parses. A host registers
// the handler with SetupWithManager and installs
// ValidatingWebhookConfiguration.
package webhooks
