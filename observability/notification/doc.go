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
// a Discord webhook, keeping tokens out of errors. SendSMS sends it as a
// text message through the Config's SMS provider (Alibaba Cloud, Tencent
// Cloud, Huawei Cloud or Amazon SNS), calling each provider's HTTP API
// with its vendor's request signature, computed here rather than by the
// vendors' SDKs. SendDingTalk, SendWeCom (notification-manager's
// "wechat"), SendFeishu and SendPushover send it through DingTalk robots
// and app conversations, WeCom app messages and group robots, Feishu
// robots and app batch messages, and Pushover, as notification-manager
// does: robot signatures, keywords and mentions, app access tokens
// (fetched for each notification: nothing is kept between them), each
// service's length limits, and its error codes as failures. A Deliverer
// does all of it for Route's answer, retrying failures with backoff and
// reporting every notification's outcome (a channel not delivered on yet is
// reported as ErrUnsupportedChannel, never dropped).
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
//
// Client is KubeSphere's notification API (v2beta2) as Go operations:
// Create, Update, Delete, Get and List of Configs, Receivers and Silences
// in a Scope (Global, or Tenant(user): KubeSphere's /{resources} and
// /users/{user}/{resources}) and of the global Routers, and Verify, which
// sends VerifyAlert through a Receiver (and Config) without storing them
// and answers the channel's own error. It stamps the labels KubeSphere
// stamps (type=default for global Configs, type=global, or type=tenant
// and user=<name>), refuses a body whose labels claim another scope,
// validates with the functions above before writing, and, acting for a
// user (ClientOptions.OnBehalfOf), asks the authorizer about the request
// KubeSphere's RBAC would see, at one choke point, before any read or
// write; a tenant's Configs and Receivers may refer only to their own
// Secrets and ConfigMaps (or ones they may get).
package notification
