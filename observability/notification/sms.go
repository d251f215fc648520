package notification

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// The SMS providers, as a Config's spec.sms.defaultProvider names them.
const (
	SMSProviderAliyun  = "aliyun"
	SMSProviderTencent = "tencent"
	SMSProviderHuawei  = "huawei"
	SMSProviderAWS     = "aws"
)

// Where SendSMS reaches the providers unless SMSEndpoints says otherwise.
// AWS's is https://sns.<region>.amazonaws.com/ (amazonaws.com.cn in the
// cn- regions).
const (
	AliyunSMSEndpoint  = "https://dysmsapi.aliyuncs.com/"
	TencentSMSEndpoint = "https://sms.tencentcloudapi.com/"
	HuaweiSMSURL       = "https://rtcsms.cn-north-1.myhuaweicloud.com:10743/sms/batchSendSms/v1"
)

// DefaultSMSTimeout bounds one request to an SMS provider, as
// notification-manager's default.
const DefaultSMSTimeout = 5 * time.Second

// HuaweiTemplateParamLimit is the most characters notification-manager
// puts in one of Huawei Cloud's template parameters.
const HuaweiTemplateParamLimit = 20

// How many phone numbers one request of each provider carries, as
// notification-manager sends them; SendSMS sends longer lists in batches.
const (
	aliyunMaxPhoneNumbers  = 1000
	tencentMaxPhoneNumbers = 200
	huaweiMaxPhoneNumbers  = 200
)

// Provider API versions and the Tencent Cloud region notification-manager
// sends from.
const (
	aliyunSMSVersion  = "2017-05-25"
	tencentSMSVersion = "2021-01-11"
	tencentSMSRegion  = "ap-guangzhou"
	snsVersion        = "2010-03-31"
)

// huaweiTemplateKeys are the labels and annotations notification-manager
// fills Huawei Cloud's ten template parameters with, in order.
var huaweiTemplateKeys = [...]string{"alertname", "severity", "message", "summary", "alerttype", "cluster", "node", "namespace", "workload", "pod"}

// SMSEndpoints are where SendSMS reaches each provider, for tests and
// private endpoints; an empty one means the provider's service
// (AliyunSMSEndpoint, TencentSMSEndpoint, the Huawei config's url else
// HuaweiSMSURL, and Amazon SNS in the AWS config's region).
type SMSEndpoints struct {
	Aliyun, Tencent, Huawei, AWS string
}

// SendSMS sends text to the receiver's phone numbers through the config's
// provider, as notification-manager does: its defaultProvider, else the
// first configured of aliyun, tencent, huawei and aws. Each provider is
// called through its HTTP API, signed with the config's credentials:
//
//   - aliyun: SendSms (2017-05-25), the numbers comma-separated, its
//     signName and templateCode, and TemplateParam {"code": text}; an
//     answer whose Code is not OK is the failure;
//   - tencent: SendSms (2021-01-11, region ap-guangzhou) with its
//     smsSdkAppid, sign, templateID and text as the one template
//     parameter; an Error, or a number whose status is not Ok, is the
//     failure;
//   - huawei: batchSendSms (X-WSSE) from its sender with its templateId
//     and signature, the ten template parameters taken from text's
//     "name=value" lines (alertname, severity, message, summary,
//     alerttype, cluster, node, namespace, workload, pod; each cut to
//     HuaweiTemplateParamLimit characters, or text cut so when it has no
//     such line); a code other than 000000 is the failure;
//   - aws: Amazon SNS Publish (Signature Version 4) in its region, one
//     message per number.
//
// Tencent and Huawei want numbers with their country code: one without a
// leading + gets +86, as notification-manager gives it. Numbers go in
// batches of what each provider takes at once; the first batch that
// fails stops the delivery, its error carrying the provider's code and
// message. A missing credential, sign name or template, or a number that
// is not one, is an *InvalidError naming the field. timeout bounds each
// request (DefaultSMSTimeout when zero). Credentials never appear in
// errors.
func SendSMS(ctx context.Context, secrets Secrets, cfg *notificationv2beta2.SmsConfig, r *notificationv2beta2.SmsReceiver, text string, endpoints SMSEndpoints, timeout time.Duration) error {
	switch {
	case cfg == nil:
		return &InvalidError{Field: "config.spec.sms", Reason: "required"}
	case r == nil || len(r.PhoneNumbers) == 0:
		return &InvalidError{Field: "spec.sms.phoneNumbers", Reason: "required"}
	}
	for i, n := range r.PhoneNumbers {
		if !isPhoneNumber(n) {
			return &InvalidError{Field: fmt.Sprintf("spec.sms.phoneNumbers[%d]", i), Reason: fmt.Sprintf("%q is not a phone number (digits, after an optional +)", n)}
		}
	}
	provider, err := smsProvider(cfg)
	if err != nil {
		return err
	}
	if timeout == 0 {
		timeout = DefaultSMSTimeout
	}
	s := smsSender{secrets: secrets, timeout: timeout}
	p := cfg.Providers
	switch provider {
	case SMSProviderAliyun:
		return s.aliyun(ctx, p.Aliyun, r.PhoneNumbers, text, endpoints.Aliyun)
	case SMSProviderTencent:
		return s.tencent(ctx, p.Tencent, r.PhoneNumbers, text, endpoints.Tencent)
	case SMSProviderHuawei:
		return s.huawei(ctx, p.Huawei, r.PhoneNumbers, text, endpoints.Huawei)
	default:
		return s.aws(ctx, p.AWS, r.PhoneNumbers, text, endpoints.AWS)
	}
}

// smsProvider is the provider cfg sends through: its defaultProvider,
// which must be configured, else the first configured one.
func smsProvider(cfg *notificationv2beta2.SmsConfig) (string, error) {
	p := cfg.Providers
	if p == nil {
		p = &notificationv2beta2.Providers{}
	}
	configured := map[string]bool{
		SMSProviderAliyun:  p.Aliyun != nil,
		SMSProviderTencent: p.Tencent != nil,
		SMSProviderHuawei:  p.Huawei != nil,
		SMSProviderAWS:     p.AWS != nil,
	}
	if d := cfg.DefaultProvider; d != "" {
		known, ok := configured[d]
		switch {
		case !ok:
			return "", &InvalidError{Field: "config.spec.sms.defaultProvider", Reason: fmt.Sprintf("%q is not one of aliyun, tencent, huawei, aws", d)}
		case !known:
			return "", &InvalidError{Field: "config.spec.sms.defaultProvider", Reason: fmt.Sprintf("%q is not a configured provider", d)}
		}
		return d, nil
	}
	for _, name := range []string{SMSProviderAliyun, SMSProviderTencent, SMSProviderHuawei, SMSProviderAWS} {
		if configured[name] {
			return name, nil
		}
	}
	return "", &InvalidError{Field: "config.spec.sms.providers", Reason: "no provider is configured"}
}

func isPhoneNumber(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// withCountryCode gives a number without a leading + China's code.
func withCountryCode(numbers []string) []string {
	out := make([]string, len(numbers))
	for i, n := range numbers {
		if !strings.HasPrefix(n, "+") {
			n = "+86" + n
		}
		out[i] = n
	}
	return out
}

// batches splits numbers into runs of at most size.
func batches(numbers []string, size int) [][]string {
	var out [][]string
	for len(numbers) > size {
		out = append(out, numbers[:size])
		numbers = numbers[size:]
	}
	return append(out, numbers)
}

// smsSender sends one provider's requests.
type smsSender struct {
	secrets Secrets
	timeout time.Duration
}

// credentials reads the named credentials of a provider; each must have a
// value.
func (s smsSender) credentials(ctx context.Context, field string, creds map[string]*notificationv2beta2.Credential, names ...string) ([]string, error) {
	values := make([]string, len(names))
	for i, name := range names {
		v, err := s.secrets.Value(ctx, creds[name])
		if err != nil {
			var invalid *InvalidError
			if errors.As(err, &invalid) && invalid.Field == "credential" {
				return nil, &InvalidError{Field: field + "." + name, Reason: invalid.Reason, Err: err}
			}
			return nil, fmt.Errorf("%s.%s: %w", field, name, err)
		}
		if v == "" {
			return nil, &InvalidError{Field: field + "." + name, Reason: "required"}
		}
		values[i] = v
	}
	return values, nil
}

// post sends body to target with header within the sender's timeout and
// returns the status and the start of the answer.
func (s smsSender) post(ctx context.Context, target string, header http.Header, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, &InvalidError{Field: "endpoint", Reason: err.Error(), Err: err}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read the answer: %w", err)
	}
	return resp.StatusCode, answer, nil
}

// statusError is a failure answered without the provider's own error.
func statusError(status int, answer []byte) error {
	return fmt.Errorf("%d %s: %s", status, http.StatusText(status), bytes.TrimSpace(answer))
}

// parseEndpoint checks an endpoint URL and returns its host and path
// ("/" when empty), as a signature covers them.
func parseEndpoint(field, endpoint string) (host, path string, err error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		reason := "not an http(s) URL"
		if err != nil {
			reason = err.Error()
		}
		return "", "", &InvalidError{Field: field, Reason: reason, Err: err}
	}
	path = u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return u.Host, path, nil
}

func (s smsSender) aliyun(ctx context.Context, p *notificationv2beta2.AliyunSMS, numbers []string, text, endpoint string) error {
	const field = "config.spec.sms.providers.aliyun"
	switch {
	case p.SignName == "":
		return &InvalidError{Field: field + ".signName", Reason: "required"}
	case p.TemplateCode == "":
		return &InvalidError{Field: field + ".templateCode", Reason: "required"}
	}
	creds, err := s.credentials(ctx, field, map[string]*notificationv2beta2.Credential{"accessKeyId": p.AccessKeyId, "accessKeySecret": p.AccessKeySecret}, "accessKeyId", "accessKeySecret")
	if err != nil {
		return err
	}
	id, secret := creds[0], creds[1]
	if endpoint == "" {
		endpoint = AliyunSMSEndpoint
	}
	if _, _, err := parseEndpoint("SMSEndpoints.Aliyun", endpoint); err != nil {
		return err
	}
	param, err := json.Marshal(map[string]string{"code": text})
	if err != nil {
		return fmt.Errorf("sms aliyun: %w", err)
	}
	for _, batch := range batches(numbers, aliyunMaxPhoneNumbers) {
		to := strings.Join(batch, ",")
		if err := s.aliyunSend(ctx, endpoint, id, secret, p, to, string(param)); err != nil {
			return redact(fmt.Errorf("sms aliyun: send to %s: %w", to, err), secret)
		}
	}
	return nil
}

func (s smsSender) aliyunSend(ctx context.Context, endpoint, id, secret string, p *notificationv2beta2.AliyunSMS, to, param string) error {
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	params := url.Values{
		"Action":           {"SendSms"},
		"Version":          {aliyunSMSVersion},
		"Format":           {"JSON"},
		"AccessKeyId":      {id},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"},
		"SignatureNonce":   {nonce},
		"Timestamp":        {time.Now().UTC().Format(utcSecondsFormat)},
		"PhoneNumbers":     {to},
		"SignName":         {p.SignName},
		"TemplateCode":     {p.TemplateCode},
		"TemplateParam":    {param},
	}
	body := canonicalQuery(params) + "&Signature=" + rfc3986Escape(aliyunSignature(http.MethodPost, params, secret))
	header := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	status, answer, err := s.post(ctx, endpoint, header, []byte(body))
	if err != nil {
		return err
	}
	var a struct {
		Code, Message string
	}
	if json.Unmarshal(answer, &a) != nil || a.Code == "" {
		return statusError(status, answer)
	}
	if a.Code != "OK" {
		return fmt.Errorf("%s: %s", a.Code, a.Message)
	}
	return nil
}

func (s smsSender) tencent(ctx context.Context, p *notificationv2beta2.TencentSMS, numbers []string, text, endpoint string) error {
	const field = "config.spec.sms.providers.tencent"
	switch {
	case p.Sign == "":
		return &InvalidError{Field: field + ".sign", Reason: "required"}
	case p.TemplateID == "":
		return &InvalidError{Field: field + ".templateID", Reason: "required"}
	case p.SmsSdkAppid == "":
		return &InvalidError{Field: field + ".smsSdkAppid", Reason: "required"}
	}
	creds, err := s.credentials(ctx, field, map[string]*notificationv2beta2.Credential{"secretId": p.SecretId, "secretKey": p.SecretKey}, "secretId", "secretKey")
	if err != nil {
		return err
	}
	id, secret := creds[0], creds[1]
	if endpoint == "" {
		endpoint = TencentSMSEndpoint
	}
	host, path, err := parseEndpoint("SMSEndpoints.Tencent", endpoint)
	if err != nil {
		return err
	}
	for _, batch := range batches(withCountryCode(numbers), tencentMaxPhoneNumbers) {
		if err := s.tencentSend(ctx, endpoint, host, path, id, secret, p, batch, text); err != nil {
			return redact(fmt.Errorf("sms tencent: send to %s: %w", strings.Join(batch, ","), err), secret)
		}
	}
	return nil
}

func (s smsSender) tencentSend(ctx context.Context, endpoint, host, path, id, secret string, p *notificationv2beta2.TencentSMS, to []string, text string) error {
	body, err := json.Marshal(map[string]any{
		"PhoneNumberSet":   to,
		"SmsSdkAppId":      p.SmsSdkAppid,
		"SignName":         p.Sign,
		"TemplateId":       p.TemplateID,
		"TemplateParamSet": []string{text},
	})
	if err != nil {
		return err
	}
	const contentType = "application/json; charset=utf-8"
	now := time.Now()
	auth := tc3Authorization(id, secret, "sms", http.MethodPost, path, "", []signedHeader{{"content-type", contentType}, {"host", host}}, body, now)
	header := http.Header{
		"Content-Type":   {contentType},
		"Authorization":  {auth},
		"X-TC-Action":    {"SendSms"},
		"X-TC-Version":   {tencentSMSVersion},
		"X-TC-Region":    {tencentSMSRegion},
		"X-TC-Timestamp": {fmt.Sprint(now.Unix())},
	}
	status, answer, err := s.post(ctx, endpoint, header, body)
	if err != nil {
		return err
	}
	var a struct {
		Response *struct {
			Error *struct {
				Code, Message string
			}
			SendStatusSet []struct {
				PhoneNumber, Code, Message string
			}
		}
	}
	if json.Unmarshal(answer, &a) != nil || a.Response == nil {
		return statusError(status, answer)
	}
	if e := a.Response.Error; e != nil {
		return fmt.Errorf("%s: %s", e.Code, e.Message)
	}
	var failed []string
	for _, st := range a.Response.SendStatusSet {
		if !strings.EqualFold(st.Code, "Ok") {
			failed = append(failed, fmt.Sprintf("%s (%s: %s)", st.PhoneNumber, st.Code, st.Message))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("not sent to %s", strings.Join(failed, ", "))
	}
	return nil
}

func (s smsSender) huawei(ctx context.Context, p *notificationv2beta2.HuaweiSMS, numbers []string, text, endpoint string) error {
	const field = "config.spec.sms.providers.huawei"
	switch {
	case p.Sender == "":
		return &InvalidError{Field: field + ".sender", Reason: "required"}
	case p.TemplateId == "":
		return &InvalidError{Field: field + ".templateId", Reason: "required"}
	}
	creds, err := s.credentials(ctx, field, map[string]*notificationv2beta2.Credential{"appKey": p.AppKey, "appSecret": p.AppSecret}, "appKey", "appSecret")
	if err != nil {
		return err
	}
	key, secret := creds[0], creds[1]
	if endpoint == "" {
		endpoint = HuaweiSMSURL
		if u, err := url.ParseRequestURI(p.Url); err == nil && u.Host != "" {
			endpoint = p.Url
		}
	}
	if _, _, err := parseEndpoint("SMSEndpoints.Huawei", endpoint); err != nil {
		return err
	}
	params, err := json.Marshal(HuaweiTemplateParams(text))
	if err != nil {
		return fmt.Errorf("sms huawei: %w", err)
	}
	for _, batch := range batches(withCountryCode(numbers), huaweiMaxPhoneNumbers) {
		to := strings.Join(batch, ",")
		form := url.Values{"from": {p.Sender}, "to": {to}, "templateId": {p.TemplateId}, "templateParas": {string(params)}}
		if p.Signature != "" {
			form.Set("signature", p.Signature)
		}
		if err := s.huaweiSend(ctx, endpoint, key, secret, form); err != nil {
			return redact(fmt.Errorf("sms huawei: send to %s: %w", to, err), secret)
		}
	}
	return nil
}

func (s smsSender) huaweiSend(ctx context.Context, endpoint, key, secret string, form url.Values) error {
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	header := http.Header{
		"Content-Type":  {"application/x-www-form-urlencoded"},
		"Accept":        {"application/json"},
		"Authorization": {`WSSE realm="SDP",profile="UsernameToken",type="Appkey"`},
		"X-Wsse":        {wsseHeader(key, secret, nonce, time.Now())},
	}
	status, answer, err := s.post(ctx, endpoint, header, []byte(form.Encode()))
	if err != nil {
		return err
	}
	var a struct {
		Code        string `json:"code"`
		Description string `json:"description"`
		Result      []struct {
			OriginTo string `json:"originTo"`
			Status   string `json:"status"`
		} `json:"result"`
	}
	if json.Unmarshal(answer, &a) != nil || a.Code == "" {
		return statusError(status, answer)
	}
	if a.Code != "000000" {
		return fmt.Errorf("%s: %s", a.Code, a.Description)
	}
	var failed []string
	for _, r := range a.Result {
		if r.Status != "000000" {
			failed = append(failed, r.OriginTo+" ("+r.Status+")")
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("not sent to %s", strings.Join(failed, ", "))
	}
	return nil
}

// HuaweiTemplateParams are the template parameters SendSMS gives Huawei
// Cloud for text, as notification-manager derives them: the values of
// huaweiTemplateKeys (alertname, severity, message, summary, alerttype,
// cluster, node, namespace, workload, pod; deployment, statefulset and
// daemonset count as workload) from text's "name=value" or
// "- name = value" lines, a later line replacing an earlier one and a
// missing one empty, each cut to HuaweiTemplateParamLimit characters; or,
// when no line is one, text itself cut so, as the only parameter.
func HuaweiTemplateParams(text string) []string {
	found := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		name, value, ok := nameValueLine(line)
		if !ok {
			continue
		}
		switch name {
		case "deployment", "statefulset", "statfulset", "daemonset":
			name = "workload"
		}
		found[name] = value
	}
	if len(found) == 0 {
		return []string{truncateRunes(text, HuaweiTemplateParamLimit)}
	}
	params := make([]string, len(huaweiTemplateKeys))
	for i, k := range huaweiTemplateKeys {
		params[i] = truncateRunes(found[k], HuaweiTemplateParamLimit)
	}
	return params
}

// nameValueLine reads a line "name=value", optionally indented, after
// "- ", with blanks around "=": name is letters, digits and underscores.
func nameValueLine(line string) (name, value string, ok bool) {
	s := strings.TrimSpace(line)
	s = strings.TrimSpace(strings.TrimPrefix(s, "- "))
	end := 0
	for end < len(s) {
		c := s[end]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			break
		}
		end++
	}
	if end == 0 {
		return "", "", false
	}
	rest := strings.TrimLeft(s[end:], " \t")
	if !strings.HasPrefix(rest, "=") {
		return "", "", false
	}
	return s[:end], strings.TrimSpace(rest[1:]), true
}

// truncateRunes cuts s to at most n characters; invalid UTF-8 becomes
// U+FFFD.
func truncateRunes(s string, n int) string {
	if utf8.ValidString(s) && utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

func (s smsSender) aws(ctx context.Context, p *notificationv2beta2.AWSSMS, numbers []string, text, endpoint string) error {
	const field = "config.spec.sms.providers.aws"
	if !isRegion(p.Region) {
		return &InvalidError{Field: field + ".region", Reason: fmt.Sprintf("%q is not an AWS region", p.Region)}
	}
	creds, err := s.credentials(ctx, field, map[string]*notificationv2beta2.Credential{"accessKeyId": p.AccessKeyId, "secretAccessKey": p.SecretAccessKey}, "accessKeyId", "secretAccessKey")
	if err != nil {
		return err
	}
	id, secret := creds[0], creds[1]
	if endpoint == "" {
		endpoint = "https://sns." + p.Region + ".amazonaws.com/"
		if strings.HasPrefix(p.Region, "cn-") {
			endpoint = "https://sns." + p.Region + ".amazonaws.com.cn/"
		}
	}
	host, path, err := parseEndpoint("SMSEndpoints.AWS", endpoint)
	if err != nil {
		return err
	}
	for _, n := range numbers {
		if err := s.awsPublish(ctx, endpoint, host, path, id, secret, p.Region, n, text); err != nil {
			return redact(fmt.Errorf("sms aws: send to %s: %w", n, err), secret)
		}
	}
	return nil
}

func isRegion(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c != '-' && (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func (s smsSender) awsPublish(ctx context.Context, endpoint, host, path, id, secret, region, number, text string) error {
	body := []byte(url.Values{"Action": {"Publish"}, "Version": {snsVersion}, "PhoneNumber": {number}, "Message": {text}}.Encode())
	const contentType = "application/x-www-form-urlencoded; charset=utf-8"
	now := time.Now().UTC()
	amzDate := now.Format(amzDateFormat)
	auth := sigV4Authorization(id, secret, region, "sns", http.MethodPost, path, "",
		[]signedHeader{{"content-type", contentType}, {"host", host}, {"x-amz-date", amzDate}}, body, now)
	header := http.Header{"Content-Type": {contentType}, "X-Amz-Date": {amzDate}, "Authorization": {auth}}
	status, answer, err := s.post(ctx, endpoint, header, body)
	if err != nil {
		return err
	}
	if status >= 200 && status <= 299 {
		return nil
	}
	var a struct {
		Error struct {
			Code, Message string
		}
	}
	if xml.Unmarshal(answer, &a) != nil || a.Error.Code == "" {
		return statusError(status, answer)
	}
	return fmt.Errorf("%s: %s", a.Error.Code, a.Error.Message)
}
