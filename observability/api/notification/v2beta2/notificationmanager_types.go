package v2beta2

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SidecarTenant is the key, in NotificationManagerSpec.Sidecars, of the
// sidecar that tells notification-manager which tenants may see a
// namespace's alerts (it serves /api/v2/tenant on port 19094).
const SidecarTenant = "tenant"

// RoutePolicy says how notification-manager combines Routers with tenant
// receivers.
type RoutePolicy string

const (
	// RoutePolicyAll sends an alert to the receivers of the Routers that
	// match it and to the receivers of the tenants that can see its
	// namespace.
	RoutePolicyAll RoutePolicy = "All"
	// RoutePolicyRouterFirst sends an alert to the receivers of the
	// Routers that match it, or, when none does, to the tenants' receivers.
	RoutePolicyRouterFirst RoutePolicy = "RouterFirst"
	// RoutePolicyRouterOnly sends an alert only to the receivers of the
	// Routers that match it.
	RoutePolicyRouterOnly RoutePolicy = "RouterOnly"
)

// NotificationManagerSpec is how the notification-manager operator runs
// the notification-manager Deployment (image, replicas, scheduling, pod
// volumes, sidecars) and the defaults that service applies (receiver
// selection, per-channel options, templates, batching, routing).
//
// The Deployment fields have the shapes of core/v1 (Container, Volume,
// Affinity, ...), but as this package's own types, not k8s.io/api's:
// notification-manager's CRD was generated from the core/v1 of Kubernetes
// 1.28, and the core/v1 this module builds with has grown fields, defaults
// and list types since, which would make this CRD accept, default and
// reject objects differently from notification-manager's. The local types
// carry exactly the fields and rules of notification-manager's schema, so
// crds/kubesphere_test.go can hold this CRD to strict equality like every
// other kind. Their enumerations (PullPolicy, Protocol, ResourceList, ...)
// are core/v1's.
type NotificationManagerSpec struct {
	// Resources of the notification-manager container.
	Resources ResourceRequirements `json:"resources,omitempty"`
	// Image of the notification-manager container.
	Image           *string            `json:"image,omitempty"`
	ImagePullPolicy *corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	Replicas        *int32             `json:"replicas,omitempty"`
	NodeSelector    map[string]string  `json:"nodeSelector,omitempty"`
	Affinity        *Affinity          `json:"affinity,omitempty"`
	Tolerations     []Toleration       `json:"tolerations,omitempty"`
	// ServiceAccountName runs the pods; empty means the namespace's
	// default ServiceAccount.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// PortName names the pods' and the Service's port (webhook when empty).
	PortName string `json:"portName,omitempty"`
	// DefaultConfigSelector selects the Configs receivers use when they
	// select none themselves.
	DefaultConfigSelector *KubeLabelSelector `json:"defaultConfigSelector,omitempty"`
	Receivers             *ReceiversSpec     `json:"receivers"`
	// DefaultSecretNamespace is where Credentials and template ConfigMaps
	// without a namespace are looked up (the pods' namespace when empty).
	DefaultSecretNamespace string        `json:"defaultSecretNamespace,omitempty"`
	Env                    []EnvVar      `json:"env,omitempty"`
	Volumes                []Volume      `json:"volumes,omitempty"`
	VolumeMounts           []VolumeMount `json:"volumeMounts,omitempty"`
	// Args replace the image's command arguments.
	Args []string `json:"args,omitempty"`
	// Sidecars are extra containers of the pods, by the key of their kind
	// (SidecarTenant is the one notification-manager knows).
	Sidecars map[string]*Sidecar `json:"sidecars,omitempty"`
	// History sends a record of every notification to a webhook.
	History *HistoryReceiver `json:"history,omitempty"`
	// GroupLabels are the alert labels notifications are grouped by.
	GroupLabels []string `json:"groupLabels,omitempty"`
	// BatchMaxSize is how many alerts are buffered before a batch is
	// processed.
	// +kubebuilder:default=100
	BatchMaxSize int `json:"batchMaxSize,omitempty"`
	// BatchMaxWait is how long a batch that is not full waits.
	// +kubebuilder:default="1m"
	BatchMaxWait *metav1.Duration `json:"batchMaxWait,omitempty"`
	// +kubebuilder:default=All
	RoutePolicy RoutePolicy `json:"routePolicy,omitempty"`
	Template    *Template   `json:"template,omitempty"`
	// Annotations and Labels are added to the Deployment's pods.
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// Sidecar is a container added to the notification-manager pods; Type
// says what it is (kubesphere for KubeSphere's tenant sidecar).
type Sidecar struct {
	Type       string `json:"type"`
	*Container `json:",inline"`
}

// HistoryReceiver receives a record of every notification sent.
type HistoryReceiver struct {
	Webhook *WebhookReceiver `json:"webhook"`
}

// Template says where notification templates come from and in which
// language notifications are written.
type Template struct {
	// Text is a ConfigMap key holding template definitions.
	Text *ConfigmapKeySelector `json:"text,omitempty"`
	// ReloadCycle is how often template files are read again.
	// +kubebuilder:default="1m"
	ReloadCycle *metav1.Duration `json:"reloadCycle,omitempty"`
	// LanguagePack are ConfigMap keys holding translations.
	LanguagePack []*ConfigmapKeySelector `json:"languagePack,omitempty"`
	// +kubebuilder:default="English"
	Language string `json:"language,omitempty"`
}

// ReceiversSpec says how notification-manager finds receivers: tenants'
// by TenantReceiverSelector, keyed by the alert label TenantKey (namespace
// by default), and GlobalReceiverSelector's for every alert; with options
// per channel. The selectors are matchLabels in practice.
type ReceiversSpec struct {
	TenantKey              string             `json:"tenantKey"`
	GlobalReceiverSelector *KubeLabelSelector `json:"globalReceiverSelector"`
	TenantReceiverSelector *KubeLabelSelector `json:"tenantReceiverSelector"`
	Options                *ReceiverOptions   `json:"options,omitempty"`
}

// ReceiverOptions are defaults for the receivers of each channel.
// NotificationTimeout, in each, is a sending timeout in seconds; Template
// names the template that renders the channel's messages.
type ReceiverOptions struct {
	Global   *GlobalOptions   `json:"global,omitempty"`
	Email    *EmailOptions    `json:"email,omitempty"`
	Wechat   *WechatOptions   `json:"wechat,omitempty"`
	Slack    *SlackOptions    `json:"slack,omitempty"`
	Webhook  *WebhookOptions  `json:"webhook,omitempty"`
	DingTalk *DingTalkOptions `json:"dingtalk,omitempty"`
	Sms      *SmsOptions      `json:"sms,omitempty"`
	Pushover *PushoverOptions `json:"pushover,omitempty"`
	Feishu   *FeishuOptions   `json:"feishu,omitempty"`
	Discord  *DiscordOptions  `json:"discord,omitempty"`
	Telegram *TelegramOptions `json:"telegram,omitempty"`
}

// GlobalOptions apply to every channel.
type GlobalOptions struct {
	// TemplateFiles are template file paths; deprecated upstream in favour
	// of Template.
	TemplateFiles []string `json:"templateFile,omitempty"`
	Template      string   `json:"template,omitempty"`
	// Cluster names the cluster notification-manager runs in.
	Cluster string `json:"cluster,omitempty"`
}

// EmailOptions are defaults for email receivers.
type EmailOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	// DeliveryType is deprecated upstream.
	DeliveryType      string `json:"deliveryType,omitempty"`
	MaxEmailReceivers int    `json:"maxEmailReceivers,omitempty"`
	Template          string `json:"template,omitempty"`
	SubjectTemplate   string `json:"subjectTemplate,omitempty"`
	// TmplType is text or html.
	TmplType string `json:"tmplType,omitempty"`
}

// WechatOptions are defaults for WeCom receivers.
type WechatOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
	// TmplType is text or markdown.
	TmplType       string        `json:"tmplType,omitempty"`
	MessageMaxSize int           `json:"messageMaxSize,omitempty"`
	TokenExpires   time.Duration `json:"tokenExpires,omitempty"`
}

// SlackOptions are defaults for Slack receivers.
type SlackOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
}

// WebhookOptions are defaults for webhook receivers.
type WebhookOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
}

// Throttle limits calls to Threshold per Unit, waiting at most MaxWaitTime
// for a slot before failing (not waiting at all when zero). The durations
// are nanoseconds on the wire.
type Throttle struct {
	Threshold   int           `json:"threshold,omitempty"`
	Unit        time.Duration `json:"unit,omitempty"`
	MaxWaitTime time.Duration `json:"maxWaitTime,omitempty"`
}

// DingTalkOptions are defaults for DingTalk receivers.
type DingTalkOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
	TitleTemplate       string `json:"titleTemplate,omitempty"`
	// TmplType is text or markdown.
	TmplType                   string        `json:"tmplType,omitempty"`
	TokenExpires               time.Duration `json:"tokenExpires,omitempty"`
	ConversationMessageMaxSize int           `json:"conversationMessageMaxSize,omitempty"`
	ChatbotMessageMaxSize      int           `json:"chatbotMessageMaxSize,omitempty"`
	ChatBotThrottle            *Throttle     `json:"chatBotThrottle,omitempty"`
	ConversationThrottle       *Throttle     `json:"conversationThrottle,omitempty"`
}

// SmsOptions are defaults for SMS receivers.
type SmsOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
}

// PushoverOptions are defaults for Pushover receivers.
type PushoverOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
	TitleTemplate       string `json:"titleTemplate,omitempty"`
}

// FeishuOptions are defaults for Feishu receivers.
type FeishuOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
	// TmplType is text or post.
	TmplType     string        `json:"tmplType,omitempty"`
	TokenExpires time.Duration `json:"tokenExpires,omitempty"`
}

// DiscordOptions are defaults for Discord receivers.
type DiscordOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
}

// TelegramOptions are defaults for Telegram receivers.
type TelegramOptions struct {
	NotificationTimeout *int32 `json:"notificationTimeout,omitempty"`
	Template            string `json:"template,omitempty"`
}

// NotificationManagerStatus is empty, as notification-manager's is.
type NotificationManagerStatus struct{}

// NotificationManager is a notification-manager installation: the
// Deployment the notification-manager operator runs and the defaults of
// the notification service. See NotificationManagerSpec for why its pod
// fields are this package's types rather than core/v1's.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=nm,categories=notification-manager
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
type NotificationManager struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   NotificationManagerSpec   `json:"spec,omitempty"`
	Status NotificationManagerStatus `json:"status,omitempty"`
}

// NotificationManagerList is a list of NotificationManagers.
//
// +kubebuilder:object:root=true
type NotificationManagerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NotificationManager `json:"items"`
}
