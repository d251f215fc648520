package v2beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DingTalkApplicationConfig is a DingTalk application's credentials.
type DingTalkApplicationConfig struct {
	AppKey    *Credential `json:"appkey"`
	AppSecret *Credential `json:"appsecret"`
}

// DingTalkConfig is the DingTalk channel's configuration.
type DingTalkConfig struct {
	Labels       map[string]string          `json:"labels,omitempty"`
	Conversation *DingTalkApplicationConfig `json:"conversation,omitempty"`
}

// ClientCertificate is a TLS client certificate and its key.
type ClientCertificate struct {
	Cert *Credential `json:"cert"`
	Key  *Credential `json:"key"`
}

// TLSConfig configures a TLS connection.
type TLSConfig struct {
	RootCA             *Credential        `json:"rootCA,omitempty"`
	ClientCertificate  *ClientCertificate `json:"clientCertificate,omitempty"`
	ServerName         string             `json:"serverName,omitempty"`
	InsecureSkipVerify bool               `json:"insecureSkipVerify,omitempty"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string      `json:"username"`
	Password *Credential `json:"password,omitempty"`
}

// HTTPClientConfig configures an HTTP client: its authentication, proxy
// and TLS.
type HTTPClientConfig struct {
	BasicAuth   *BasicAuth  `json:"basicAuth,omitempty"`
	BearerToken *Credential `json:"bearerToken,omitempty"`
	ProxyURL    string      `json:"proxyUrl,omitempty"`
	TLSConfig   *TLSConfig  `json:"tlsConfig,omitempty"`
}

// HostPort is a host and a port.
type HostPort struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

// EmailConfig is the email channel's configuration: the SMTP server and
// how to authenticate to it.
type EmailConfig struct {
	Labels       map[string]string `json:"labels,omitempty"`
	From         string            `json:"from"`
	SmartHost    HostPort          `json:"smartHost"`
	Hello        *string           `json:"hello,omitempty"`
	AuthUsername *string           `json:"authUsername,omitempty"`
	AuthIdentify *string           `json:"authIdentify,omitempty"`
	AuthPassword *Credential       `json:"authPassword,omitempty"`
	AuthSecret   *Credential       `json:"authSecret,omitempty"`
	RequireTLS   *bool             `json:"requireTLS,omitempty"`
	TLS          *TLSConfig        `json:"tls,omitempty"`
}

// SlackConfig is the Slack channel's configuration.
type SlackConfig struct {
	Labels           map[string]string `json:"labels,omitempty"`
	SlackTokenSecret *Credential       `json:"slackTokenSecret"`
}

// WebhookConfig is the webhook channel's configuration.
type WebhookConfig struct {
	Labels map[string]string `json:"labels,omitempty"`
}

// WechatConfig is the WeCom channel's configuration.
type WechatConfig struct {
	Labels           map[string]string `json:"labels,omitempty"`
	WechatApiUrl     string            `json:"wechatApiUrl,omitempty"`
	WechatApiCorpId  string            `json:"wechatApiCorpId"`
	WechatApiAgentId string            `json:"wechatApiAgentId"`
	WechatApiSecret  *Credential       `json:"wechatApiSecret"`
}

// AliyunSMS is Alibaba Cloud's SMS service.
type AliyunSMS struct {
	SignName        string      `json:"signName"`
	TemplateCode    string      `json:"templateCode,omitempty"`
	AccessKeyId     *Credential `json:"accessKeyId"`
	AccessKeySecret *Credential `json:"accessKeySecret"`
}

// TencentSMS is Tencent Cloud's SMS service.
type TencentSMS struct {
	Sign        string      `json:"sign"`
	TemplateID  string      `json:"templateID"`
	SmsSdkAppid string      `json:"smsSdkAppid"`
	SecretId    *Credential `json:"secretId"`
	SecretKey   *Credential `json:"secretKey"`
}

// HuaweiSMS is Huawei Cloud's SMS service.
type HuaweiSMS struct {
	Url        string      `json:"url,omitempty"`
	Signature  string      `json:"signature"`
	TemplateId string      `json:"templateId"`
	Sender     string      `json:"sender"`
	AppSecret  *Credential `json:"appSecret"`
	AppKey     *Credential `json:"appKey"`
}

// AWSSMS is Amazon SNS's SMS.
type AWSSMS struct {
	Region          string      `json:"region,omitempty"`
	AccessKeyId     *Credential `json:"accessKeyId"`
	SecretAccessKey *Credential `json:"secretAccessKey"`
}

// Providers are the SMS providers a configuration offers.
type Providers struct {
	Aliyun  *AliyunSMS  `json:"aliyun,omitempty"`
	Tencent *TencentSMS `json:"tencent,omitempty"`
	Huawei  *HuaweiSMS  `json:"huawei,omitempty"`
	AWS     *AWSSMS     `json:"aws,omitempty"`
}

// SmsConfig is the SMS channel's configuration.
type SmsConfig struct {
	DefaultProvider string     `json:"defaultProvider,omitempty"`
	Providers       *Providers `json:"providers"`
}

// PushoverConfig is the Pushover channel's configuration.
type PushoverConfig struct {
	Labels              map[string]string `json:"labels,omitempty"`
	PushoverTokenSecret *Credential       `json:"pushoverTokenSecret"`
}

// FeishuConfig is the Feishu channel's configuration.
type FeishuConfig struct {
	AppID     *Credential `json:"appID"`
	AppSecret *Credential `json:"appSecret"`
}

// TelegramConfig is the Telegram channel's configuration.
type TelegramConfig struct {
	Labels              map[string]string `json:"labels,omitempty"`
	TelegramTokenSecret *Credential       `json:"telegramTokenSecret"`
}

// ConfigSpec configures one or more channels; a receiver selects configs
// of its channel by label.
type ConfigSpec struct {
	DingTalk *DingTalkConfig `json:"dingtalk,omitempty"`
	Email    *EmailConfig    `json:"email,omitempty"`
	Slack    *SlackConfig    `json:"slack,omitempty"`
	Webhook  *WebhookConfig  `json:"webhook,omitempty"`
	Wechat   *WechatConfig   `json:"wechat,omitempty"`
	Sms      *SmsConfig      `json:"sms,omitempty"`
	Pushover *PushoverConfig `json:"pushover,omitempty"`
	Feishu   *FeishuConfig   `json:"feishu,omitempty"`
	Telegram *TelegramConfig `json:"telegram,omitempty"`
}

// ConfigStatus is empty, as notification-manager's is.
type ConfigStatus struct{}

// Config is how to reach a channel's service (an SMTP server, a chat
// service's credentials).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=nc,categories=notification-manager
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
type Config struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ConfigSpec   `json:"spec,omitempty"`
	Status ConfigStatus `json:"status,omitempty"`
}

// ConfigList is a list of Configs.
//
// +kubebuilder:object:root=true
type ConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Config `json:"items"`
}
