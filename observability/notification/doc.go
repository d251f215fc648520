// Package notification routes alerts to the people who should see them
// and delivers them, compatible with KubeSphere's notification-manager
// (notification.kubesphere.io/v2beta2, types in
// observability/api/notification/v2beta2).
//
// # The pipeline
//
// A Dispatcher is notification-manager's pipeline as a component a host
// embeds. Alerts arrive on its Alertmanager webhook (ServeHTTP: a POST of
// Alertmanager's webhook payload, version 4, with an optional bearer
// token) or through Dispatch (FromAlertingAlerts turns the monitoring
// domain's firing alerts into Alerts; FromEventAlerts an events.Ruler's),
// wait in a bounded queue (a full queue refuses whole payloads with 503,
// which Alertmanager retries) and are processed in batches (batchMaxSize,
// batchMaxWait) by Start, a manager.Runnable that drains the queue when it
// stops. Each batch goes through the stages:
//
//   - silence and route (Route): global silences, routers (by receiver
//     name, name pattern, labels or tenant channels), the route policy
//     (All, RouterFirst, RouterOnly), the global receivers and the
//     receivers of every tenant who may see an alert's namespace
//     (TenantsWhoSee answers from tenancy/authz's index, a few map reads,
//     not a scan over users); only alerts of a project's rules
//     (rule_level=namespace) go to tenants;
//   - filter: each receiver channel's tenant silences and alert selector;
//   - aggregate (Group): one notification per group-label values;
//   - notify (Deliverer): rendered with Templates, sent on the channel
//     with retries and backoff, a timeout per try and a per-channel rate
//     limit (RateLimit; ErrRateLimited past its MaxWait);
//   - history (History): every alert's outcome per receiver channel, sent
//     or failed with the last error, in a logstore (kind notification),
//     queryable per tenant: users read what was sent to their own
//     receivers, platform administrators (ReadAllHistory) everything.
//
// Nothing is dropped silently: a failed delivery is retried, then recorded
// as failed; a batch that cannot be routed is recorded as failed too.
// SettingsOf reads a NotificationManager's settings (policy, group
// labels, batches, templates and language packs from ConfigMaps, DingTalk's
// throttle) for DispatcherOptions and the Deliverer.
//
// # Channels
//
// SendEmail (a Config's SMTP server: STARTTLS, PLAIN or CRAM-MD5),
// SendWebhook (with its authentication and TLS settings), SendSlack
// (chat.postMessage), SendTelegram (the Bot API), SendDiscord (a webhook),
// SendDingTalk (signed robots with keywords and mentions, and app
// conversations), SendWeCom (notification-manager's "wechat": app
// messages and group robots), SendFeishu (signed robots and app batch
// messages), SendPushover, and SendSMS (the Config's provider: Alibaba
// Cloud, Tencent Cloud, Huawei Cloud or Amazon SNS, over each provider's
// HTTP API with its request signature computed here, not by vendor SDKs).
// Credentials are Secrets.Value's: inline, or a key of a Secret; they
// never appear in errors. Each channel follows notification-manager's
// request shapes, length limits and error answers; app access tokens are
// fetched for each notification, nothing is kept between them.
//
// # Templates
//
// Templates render with Go text/template over notification-manager's
// template data (the alerts, group and common labels, SortedPairs,
// translate, message, escape), so templates written for notification-
// manager work; the built-in ones keep its names (TemplateSubject,
// TemplateText, TemplateMarkdown, TemplateMessage). A language pack in
// notification-manager's format translates statuses, label names and
// words; a receiver's template fields pick its templates.
//
// # Objects and validation
//
// Alert and DecodeWebhook (a malformed payload refused whole with an
// *InvalidError naming the field); Matches (Kubernetes' selector operators
// plus Match, a regular expression on one label) and ValidateSelector;
// SilenceActive (from startsAt, or on each time of a cron schedule, for its
// duration) and ValidateSilence; ValidateConfig, ValidateReceiver and
// ValidateRouter: what notification-manager's webhook checks, plus what it
// leaves out (a receiver's config selector must select a Config of its
// channel, a router's named receivers must exist). The admission webhook
// in observability/notification/webhooks runs them.
//
// # Client
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
//
// # Testing
//
// Email is delivered to a real SMTP server (mailpit), webhooks and
// Slack-format messages to real HTTP servers, and an alert the real
// Prometheus fires reaches a tenant's mailbox through the real
// Alertmanager and a Dispatcher. Telegram, Discord, DingTalk, WeCom,
// Feishu, Pushover and the SMS providers cannot be reached from the test
// machines: their tests post to HTTP servers that check each service's
// documented request format and signatures and answer as it does.
package notification
