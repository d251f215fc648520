package v2beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The receivers of each channel share these fields: Enabled (false turns
// the receiver off), a selector of the channel's Configs, AlertSelector
// (which alerts the receiver takes), and the template (by name) or the
// template file (TmplText) that renders a notification; TmplType is text,
// markdown or html where the channel offers several.

// DingTalkChatBot is a DingTalk group robot.
type DingTalkChatBot struct {
	Webhook   *Credential `json:"webhook"`
	Keywords  []string    `json:"keywords,omitempty"`
	Secret    *Credential `json:"secret,omitempty"`
	AtMobiles []string    `json:"atMobiles,omitempty"`
	AtUsers   []string    `json:"atUsers,omitempty"`
	AtAll     bool        `json:"atAll,omitempty"`
}

// DingTalkConversation is DingTalk group chats, by ID.
type DingTalkConversation struct {
	ChatIDs []string `json:"chatids"`
}

// DingTalkReceiver sends to DingTalk.
type DingTalkReceiver struct {
	Enabled                *bool                 `json:"enabled,omitempty"`
	DingTalkConfigSelector *LabelSelector        `json:"dingtalkConfigSelector,omitempty"`
	AlertSelector          *LabelSelector        `json:"alertSelector,omitempty"`
	ChatBot                *DingTalkChatBot      `json:"chatbot,omitempty"`
	Conversation           *DingTalkConversation `json:"conversation,omitempty"`
	Template               *string               `json:"template,omitempty"`
	TitleTemplate          *string               `json:"titleTemplate,omitempty"`
	TmplType               *string               `json:"tmplType,omitempty"`
	TmplText               *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// EmailReceiver sends email.
type EmailReceiver struct {
	Enabled             *bool                 `json:"enabled,omitempty"`
	To                  []string              `json:"to"`
	EmailConfigSelector *LabelSelector        `json:"emailConfigSelector,omitempty"`
	AlertSelector       *LabelSelector        `json:"alertSelector,omitempty"`
	Template            *string               `json:"template,omitempty"`
	SubjectTemplate     *string               `json:"subjectTemplate,omitempty"`
	TmplType            *string               `json:"tmplType,omitempty"`
	TmplText            *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// SlackReceiver sends to Slack channels.
type SlackReceiver struct {
	Enabled             *bool                 `json:"enabled,omitempty"`
	SlackConfigSelector *LabelSelector        `json:"slackConfigSelector,omitempty"`
	AlertSelector       *LabelSelector        `json:"alertSelector,omitempty"`
	Channels            []string              `json:"channels"`
	Template            *string               `json:"template,omitempty"`
	TmplText            *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// ServiceReference is a Service in the cluster a webhook posts to.
type ServiceReference struct {
	Namespace string  `json:"namespace"`
	Name      string  `json:"name"`
	Path      *string `json:"path,omitempty"`
	Port      *int32  `json:"port,omitempty"`
	Scheme    *string `json:"scheme,omitempty"`
}

// WebhookReceiver posts to a URL or a Service.
type WebhookReceiver struct {
	Enabled               *bool                 `json:"enabled,omitempty"`
	WebhookConfigSelector *LabelSelector        `json:"webhookConfigSelector,omitempty"`
	AlertSelector         *LabelSelector        `json:"alertSelector,omitempty"`
	URL                   *string               `json:"url,omitempty"`
	Service               *ServiceReference     `json:"service,omitempty"`
	HTTPConfig            *HTTPClientConfig     `json:"httpConfig,omitempty"`
	Template              *string               `json:"template,omitempty"`
	TmplText              *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// WechatReceiver sends to WeCom users, parties and tags, or a group robot.
type WechatReceiver struct {
	Enabled              *bool                 `json:"enabled,omitempty"`
	WechatConfigSelector *LabelSelector        `json:"wechatConfigSelector,omitempty"`
	AlertSelector        *LabelSelector        `json:"alertSelector,omitempty"`
	ToUser               []string              `json:"toUser,omitempty"`
	ToParty              []string              `json:"toParty,omitempty"`
	ToTag                []string              `json:"toTag,omitempty"`
	Template             *string               `json:"template,omitempty"`
	TmplType             *string               `json:"tmplType,omitempty"`
	TmplText             *ConfigmapKeySelector `json:"tmplText,omitempty"`
	ChatBot              *WechatChatBot        `json:"chatbot,omitempty"`
}

// WechatChatBot is a WeCom group robot.
type WechatChatBot struct {
	Webhook   *Credential `json:"webhook"`
	AtUsers   []string    `json:"atUsers,omitempty"`
	AtMobiles []string    `json:"atMobiles,omitempty"`
}

// DiscordReceiver posts to a Discord webhook.
type DiscordReceiver struct {
	Enabled        *bool                 `json:"enabled,omitempty"`
	Webhook        *Credential           `json:"webhook"`
	Template       *string               `json:"template,omitempty"`
	TmplText       *ConfigmapKeySelector `json:"tmplText,omitempty"`
	Type           *string               `json:"type,omitempty"`
	MentionedUsers []string              `json:"mentionedUsers,omitempty"`
	MentionedRoles []string              `json:"mentionedRoles,omitempty"`
	AlertSelector  *LabelSelector        `json:"alertSelector,omitempty"`
}

// SmsReceiver sends text messages.
type SmsReceiver struct {
	Enabled           *bool                 `json:"enabled,omitempty"`
	SmsConfigSelector *LabelSelector        `json:"smsConfigSelector,omitempty"`
	AlertSelector     *LabelSelector        `json:"alertSelector,omitempty"`
	PhoneNumbers      []string              `json:"phoneNumbers"`
	Template          *string               `json:"template,omitempty"`
	TmplText          *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// PushoverUserProfile is a Pushover user and their preferences.
type PushoverUserProfile struct {
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]{30}$`
	UserKey *string  `json:"userKey"`
	Devices []string `json:"devices,omitempty"`
	// Title is deprecated: the title template makes the title.
	Title *string `json:"title,omitempty"`
	Sound *string `json:"sound,omitempty"`
}

// PushoverReceiver sends to Pushover users.
type PushoverReceiver struct {
	Enabled                *bool                  `json:"enabled,omitempty"`
	PushoverConfigSelector *LabelSelector         `json:"pushoverConfigSelector,omitempty"`
	AlertSelector          *LabelSelector         `json:"alertSelector,omitempty"`
	Template               *string                `json:"template,omitempty"`
	TitleTemplate          *string                `json:"titleTemplate,omitempty"`
	Profiles               []*PushoverUserProfile `json:"profiles"`
	TmplText               *ConfigmapKeySelector  `json:"tmplText,omitempty"`
}

// FeishuChatBot is a Feishu group robot.
type FeishuChatBot struct {
	Webhook  *Credential `json:"webhook"`
	Keywords []string    `json:"keywords,omitempty"`
	Secret   *Credential `json:"secret,omitempty"`
}

// FeishuReceiver sends to Feishu users and departments, or a group robot.
type FeishuReceiver struct {
	Enabled              *bool          `json:"enabled,omitempty"`
	FeishuConfigSelector *LabelSelector `json:"feishuConfigSelector,omitempty"`
	AlertSelector        *LabelSelector `json:"alertSelector,omitempty"`
	// +kubebuilder:validation:MaxItems=200
	User []string `json:"user,omitempty"`
	// +kubebuilder:validation:MaxItems=200
	Department []string              `json:"department,omitempty"`
	ChatBot    *FeishuChatBot        `json:"chatbot,omitempty"`
	Template   *string               `json:"template,omitempty"`
	TmplType   *string               `json:"tmplType,omitempty"`
	TmplText   *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// TelegramReceiver sends to Telegram channels.
type TelegramReceiver struct {
	Enabled                *bool                 `json:"enabled,omitempty"`
	TelegramConfigSelector *LabelSelector        `json:"telegramConfigSelector,omitempty"`
	AlertSelector          *LabelSelector        `json:"alertSelector,omitempty"`
	Channels               []string              `json:"channels"`
	MentionedUsers         []string              `json:"mentionedUsers,omitempty"`
	Template               *string               `json:"template,omitempty"`
	TmplText               *ConfigmapKeySelector `json:"tmplText,omitempty"`
}

// ReceiverSpec is where notifications go, on one or more channels.
type ReceiverSpec struct {
	DingTalk *DingTalkReceiver `json:"dingtalk,omitempty"`
	Email    *EmailReceiver    `json:"email,omitempty"`
	Slack    *SlackReceiver    `json:"slack,omitempty"`
	Webhook  *WebhookReceiver  `json:"webhook,omitempty"`
	Wechat   *WechatReceiver   `json:"wechat,omitempty"`
	Sms      *SmsReceiver      `json:"sms,omitempty"`
	Pushover *PushoverReceiver `json:"pushover,omitempty"`
	Feishu   *FeishuReceiver   `json:"feishu,omitempty"`
	Discord  *DiscordReceiver  `json:"discord,omitempty"`
	Telegram *TelegramReceiver `json:"telegram,omitempty"`
}

// ReceiverStatus is empty, as notification-manager's is.
type ReceiverStatus struct{}

// Receiver is a destination of notifications: global, or a tenant's.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=nr,categories=notification-manager
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
type Receiver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ReceiverSpec   `json:"spec,omitempty"`
	Status ReceiverStatus `json:"status,omitempty"`
}

// ReceiverList is a list of Receivers.
//
// +kubebuilder:object:root=true
type ReceiverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Receiver `json:"items"`
}
