// Package notification is the routing of alerts to the people who should
// see them, compatible with KubeSphere's notification-manager
// (notification.kubesphere.io/v2beta2, types in
// observability/api/notification/v2beta2).
//
// Route is the routing of notification-manager's dispatcher: global
// silences, routers (by receiver name, name pattern, labels or tenant
// channels), the route policy (All, RouterFirst, RouterOnly), the global
// receivers and the receivers of every tenant who may see an alert's
// namespace (RouteOptions.Tenants; TenantsWhoSee answers it from
// tenancy/authz), then each
// receiver channel's tenant silences and alert selector; each channel
// gets the Config it sends through.
//
// Delivery: Group splits a delivery into notifications by group labels
// (the aggregation stage), NewData builds what a notification carries
// (notification-manager's template data: the alerts and what they share),
// Secrets reads credentials (inline, or a key of a Secret), SendWebhook
// posts to a webhook receiver with its authentication and TLS settings,
// and RenderEmail and SendEmail render a notification with the default
// email template and send it through a Config's SMTP server (STARTTLS,
// PLAIN or CRAM-MD5); SendSlack, SendTelegram and SendDiscord post
// RenderText's text with Slack's chat.postMessage, Telegram's Bot API and
// a Discord webhook, keeping tokens out of errors. A Deliverer does all of
// it for Route's answer, retrying failures with backoff and reporting
// every notification's outcome (a channel not delivered on yet is
// reported as ErrUnsupportedChannel, never dropped). The other channels
// are to come.
//
// The pieces it reads:
//
//   - Alert, and DecodeWebhook, which reads Alertmanager's webhook payload
//     (version 4), refusing a malformed one with an *InvalidError naming
//     the field;
//   - Matches, notification-manager's label selectors (Kubernetes'
//     operators plus Match, a regular expression on one label), and
//     ValidateSelector;
//   - SilenceActive, whether a Silence holds at an instant (from startsAt,
//     or on each time of a cron schedule, for its duration), and
//     ValidateSilence;
//   - ValidateConfig, ValidateReceiver and ValidateRouter: what
//     notification-manager's webhook checks (credentials, each channel's
//     recipients, template types, selectors), plus what it leaves out: a
//     receiver's config selector must select a Config of its channel, and a
//     router's named receivers must exist.
package notification
