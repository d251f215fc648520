package notification_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Alibaba Cloud's RPC signature is HMAC-SHA1
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

// The SMS providers cannot be reached from the test machine. Each is
// faked by an HTTP server that checks a request against the provider's
// documented API (method, path, headers, parameters), recomputes its
// signature with code written here from the vendor's description (not
// the package's signer) using the fake's own secret, and answers as the
// provider does, its error answers included. The package's signers are
// checked separately against the vendors' published examples.

const (
	smsKeyID  = "test-key-id"
	smsSecret = "sms-secret-4f9d2c"
)

// smsFake is one fake provider: it accepts requests signed with id and
// secret and records what each asked to send.
type smsFake struct {
	id, secret string
	// check validates one request and returns what it sends, or the
	// status and answer of a refusal.
	check func(f *smsFake, r *http.Request, body []byte) (sent map[string]string, status int, answer string)

	mu   sync.Mutex
	sent []map[string]string
}

func (f *smsFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sent, status, answer := f.check(f, r, body)
	if sent != nil {
		f.mu.Lock()
		f.sent = append(f.sent, sent)
		f.mu.Unlock()
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (f *smsFake) requests() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]string(nil), f.sent...)
}

func mac256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// aliyunExpected is Alibaba Cloud's RPC signature (version 1.0) of form,
// written from the vendor's description: parameters sorted, URL-encoded
// with %20 for a space, joined, then HMAC-SHA1 with the secret and "&".
func aliyunExpected(method string, form url.Values, secret string) string {
	enc := func(s string) string {
		return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
	}
	var keys []string
	for k := range form {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, enc(k)+"="+enc(form.Get(k)))
	}
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(method + "&" + enc("/") + "&" + enc(strings.Join(pairs, "&"))))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// canonical builds the canonical request shared by TC3 and SigV4 from
// the request as received: the signed headers' values (host from the
// request line) and the payload's hash.
func canonical(r *http.Request, signed string, body []byte) string {
	var lines strings.Builder
	for _, name := range strings.Split(signed, ";") {
		v := r.Header.Get(name)
		if name == "host" {
			v = r.Host
		}
		lines.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
	}
	return r.Method + "\n" + r.URL.EscapedPath() + "\n" + r.URL.RawQuery + "\n" + lines.String() + "\n" + signed + "\n" + hexSHA256(body)
}

var tc3Auth = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/sms/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// tc3Expected is Tencent Cloud's TC3-HMAC-SHA256 signature for service
// sms, written from the vendor's description.
func tc3Expected(secret, date, timestamp, canonicalRequest string) string {
	toSign := "TC3-HMAC-SHA256\n" + timestamp + "\n" + date + "/sms/tc3_request\n" + hexSHA256([]byte(canonicalRequest))
	k := mac256([]byte("TC3"+secret), date)
	k = mac256(k, "sms")
	k = mac256(k, "tc3_request")
	return hex.EncodeToString(mac256(k, toSign))
}

var sigV4Auth = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/sns/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// sigV4Expected is AWS Signature Version 4 for service sns, written from
// AWS's description.
func sigV4Expected(secret, date, region, amzDate, canonicalRequest string) string {
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + date + "/" + region + "/sns/aws4_request\n" + hexSHA256([]byte(canonicalRequest))
	k := mac256([]byte("AWS4"+secret), date)
	k = mac256(k, region)
	k = mac256(k, "sns")
	k = mac256(k, "aws4_request")
	return hex.EncodeToString(mac256(k, toSign))
}

var wsse = regexp.MustCompile(`^UsernameToken Username="([^"]*)",PasswordDigest="([^"]*)",Nonce="([0-9A-Za-z]{1,128})",Created="([^"]*)"$`)

// wsseExpected is Huawei Cloud's PasswordDigest: Base64 of the hex
// SHA-256 of nonce, created and the app secret, as Huawei's samples
// compute it.
func wsseExpected(nonce, created, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(hexSHA256([]byte(nonce + created + secret))))
}

func recent(t time.Time) bool { return time.Since(t).Abs() < 15*time.Minute }

func jsonAnswer(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// aliyunFake checks SendSms (2017-05-25) posted as a form and answers as
// dysmsapi does: {"Code": "OK"} or a Code and Message.
func aliyunFake() *smsFake {
	return &smsFake{id: smsKeyID, secret: smsSecret, check: func(f *smsFake, r *http.Request, body []byte) (map[string]string, int, string) {
		form, err := url.ParseQuery(string(body))
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/" || err != nil ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
			return nil, http.StatusBadRequest, jsonAnswer(map[string]string{"Code": "MissingParameter", "Message": "not a form"})
		case form.Get("Action") != "SendSms" || form.Get("Version") != "2017-05-25" || form.Get("Format") != "JSON" ||
			form.Get("SignatureMethod") != "HMAC-SHA1" || form.Get("SignatureVersion") != "1.0" || form.Get("SignatureNonce") == "":
			return nil, http.StatusBadRequest, jsonAnswer(map[string]string{"Code": "InvalidParameter", "Message": "common parameters"})
		case form.Get("AccessKeyId") != f.id:
			return nil, http.StatusNotFound, jsonAnswer(map[string]string{"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."})
		}
		ts, err := time.Parse("2006-01-02T15:04:05Z", form.Get("Timestamp"))
		if err != nil || !recent(ts) {
			return nil, http.StatusBadRequest, jsonAnswer(map[string]string{"Code": "InvalidTimeStamp.Expired", "Message": "Specified time stamp or date value is expired."})
		}
		if form.Get("Signature") != aliyunExpected(http.MethodPost, form, f.secret) {
			return nil, http.StatusBadRequest, jsonAnswer(map[string]string{"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation."})
		}
		var param map[string]string
		if json.Unmarshal([]byte(form.Get("TemplateParam")), &param) != nil {
			return nil, http.StatusOK, jsonAnswer(map[string]string{"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法"})
		}
		if form.Get("SignName") == "unknown-sign" {
			return nil, http.StatusOK, jsonAnswer(map[string]string{"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "The signature is illegal"})
		}
		return map[string]string{"to": form.Get("PhoneNumbers"), "sign": form.Get("SignName"), "template": form.Get("TemplateCode"), "code": param["code"]},
			http.StatusOK, jsonAnswer(map[string]string{"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"})
	}}
}

// tencentFake checks SendSms (2021-01-11) signed with TC3-HMAC-SHA256
// and answers as Tencent Cloud API 3.0 does: a Response with an Error,
// or with each number's SendStatus (Code "Ok" when sent).
func tencentFake() *smsFake {
	fail := func(code, msg string) string {
		return jsonAnswer(map[string]any{"Response": map[string]any{"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": "req-1"}})
	}
	return &smsFake{id: smsKeyID, secret: smsSecret, check: func(f *smsFake, r *http.Request, body []byte) (map[string]string, int, string) {
		if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
			r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") != "ap-guangzhou" {
			return nil, http.StatusOK, fail("InvalidParameter", "action, version, region or content type")
		}
		m := tc3Auth.FindStringSubmatch(r.Header.Get("Authorization"))
		ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
		switch {
		case m == nil || !strings.Contains(";"+m[3]+";", ";content-type;") || !strings.Contains(";"+m[3]+";", ";host;"):
			return nil, http.StatusOK, fail("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256 over content-type and host")
		case err != nil || !recent(time.Unix(ts, 0)) || time.Unix(ts, 0).UTC().Format("2006-01-02") != m[2]:
			return nil, http.StatusOK, fail("AuthFailure.SignatureExpire", "Signature expired")
		case m[1] != f.id:
			return nil, http.StatusOK, fail("AuthFailure.SecretIdNotFound", "The SecretId is not found")
		case m[4] != tc3Expected(f.secret, m[2], r.Header.Get("X-TC-Timestamp"), canonical(r, m[3], body)):
			return nil, http.StatusOK, fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
		}
		var req struct {
			PhoneNumberSet, TemplateParamSet  []string
			SmsSdkAppId, SignName, TemplateId string
		}
		if json.Unmarshal(body, &req) != nil || req.SmsSdkAppId == "" || req.SignName == "" || req.TemplateId == "" || len(req.PhoneNumberSet) == 0 {
			return nil, http.StatusOK, fail("MissingParameter", "a required parameter is missing")
		}
		var statuses []map[string]string
		for _, n := range req.PhoneNumberSet {
			st := map[string]string{"PhoneNumber": n, "Code": "Ok", "Message": "send success", "SerialNo": "2028:1"}
			if strings.HasSuffix(n, "99") {
				st["Code"], st["Message"] = "LimitExceeded.PhoneNumberDailyLimit", "the number reached its daily limit"
			}
			statuses = append(statuses, st)
		}
		return map[string]string{"to": strings.Join(req.PhoneNumberSet, ","), "sign": req.SignName, "template": req.TemplateId, "app": req.SmsSdkAppId, "params": strings.Join(req.TemplateParamSet, "|")},
			http.StatusOK, jsonAnswer(map[string]any{"Response": map[string]any{"SendStatusSet": statuses, "RequestId": "req-2"}})
	}}
}

// huaweiFake checks batchSendSms posted as a form with X-WSSE and
// answers as Huawei Cloud's SMS does: a code (000000 when accepted), a
// description, and each number's status.
func huaweiFake() *smsFake {
	fail := func(status int, code, desc string) (map[string]string, int, string) {
		return nil, status, jsonAnswer(map[string]string{"code": code, "description": desc})
	}
	return &smsFake{id: smsKeyID, secret: smsSecret, check: func(f *smsFake, r *http.Request, body []byte) (map[string]string, int, string) {
		form, err := url.ParseQuery(string(body))
		if r.Method != http.MethodPost || r.URL.Path != "/sms/batchSendSms/v1" || err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			return fail(http.StatusBadRequest, "E000503", "Invalid request")
		}
		if r.Header.Get("Authorization") != `WSSE realm="SDP",profile="UsernameToken",type="Appkey"` {
			return fail(http.StatusUnauthorized, "E000002", "Authorization header is invalid")
		}
		m := wsse.FindStringSubmatch(r.Header.Get("X-WSSE"))
		if m == nil {
			return fail(http.StatusUnauthorized, "E000003", "X-WSSE is invalid")
		}
		created, err := time.Parse("2006-01-02T15:04:05Z", m[4])
		switch {
		case m[1] != f.id:
			return fail(http.StatusUnauthorized, "E000102", "Invalid app_key")
		case err != nil || !recent(created):
			return fail(http.StatusUnauthorized, "E000110", "Created is out of range")
		case m[2] != wsseExpected(m[3], m[4], f.secret):
			return fail(http.StatusUnauthorized, "E000101", "Authentication failed")
		}
		var params []string
		if json.Unmarshal([]byte(form.Get("templateParas")), &params) != nil {
			return fail(http.StatusBadRequest, "E000512", "Invalid templateParas")
		}
		if form.Get("from") == "" || form.Get("templateId") == "" || form.Get("to") == "" {
			return fail(http.StatusBadRequest, "E000500", "Parameter missing")
		}
		var results []map[string]string
		for _, n := range strings.Split(form.Get("to"), ",") {
			results = append(results, map[string]string{"originTo": n, "from": form.Get("from"), "smsMsgId": "m-1", "status": "000000"})
		}
		return map[string]string{"to": form.Get("to"), "from": form.Get("from"), "template": form.Get("templateId"), "sign": form.Get("signature"), "params": form.Get("templateParas")},
			http.StatusOK, jsonAnswer(map[string]any{"code": "000000", "description": "Success", "result": results})
	}}
}

// awsFake checks SNS Publish (2010-03-31) signed with Signature Version 4
// for region and answers as SNS does: a PublishResponse, or an
// ErrorResponse with a Code and Message.
func awsFake(region string) *smsFake {
	fail := func(status int, code, msg string) (map[string]string, int, string) {
		return nil, status, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>` + code +
			`</Code><Message>` + msg + `</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`
	}
	return &smsFake{id: smsKeyID, secret: smsSecret, check: func(f *smsFake, r *http.Request, body []byte) (map[string]string, int, string) {
		form, err := url.ParseQuery(string(body))
		if r.Method != http.MethodPost || r.URL.Path != "/" || err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			return fail(http.StatusBadRequest, "MalformedQueryString", "not a form")
		}
		m := sigV4Auth.FindStringSubmatch(r.Header.Get("Authorization"))
		amzDate, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		switch {
		case m == nil || !strings.Contains(";"+m[4]+";", ";host;") || !strings.Contains(";"+m[4]+";", ";x-amz-date;"):
			return fail(http.StatusBadRequest, "IncompleteSignature", "Authorization header requires host and x-amz-date to be signed")
		case err != nil || !recent(amzDate) || amzDate.Format("20060102") != m[2]:
			return fail(http.StatusBadRequest, "RequestExpired", "Request has expired")
		case m[1] != f.id:
			return fail(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		case m[3] != region:
			return fail(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region.")
		case m[5] != sigV4Expected(f.secret, m[2], m[3], r.Header.Get("X-Amz-Date"), canonical(r, m[4], body)):
			return fail(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		case form.Get("Action") != "Publish" || form.Get("Version") != "2010-03-31":
			return fail(http.StatusBadRequest, "InvalidAction", "The action or operation requested is invalid.")
		case !regexp.MustCompile(`^\+[1-9]\d{1,14}$`).MatchString(form.Get("PhoneNumber")):
			return fail(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: PhoneNumber Reason: "+form.Get("PhoneNumber")+" is not valid to publish to")
		}
		return map[string]string{"to": form.Get("PhoneNumber"), "message": form.Get("Message")}, http.StatusOK,
			`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></PublishResponse>`
	}}
}

func inline(v string) *notificationv2beta2.Credential {
	return &notificationv2beta2.Credential{Value: v}
}

// smsProviders are the four providers, configured with the fakes' key id
// and secret.
func smsProviders(secret string) *notificationv2beta2.Providers {
	return &notificationv2beta2.Providers{
		Aliyun:  &notificationv2beta2.AliyunSMS{SignName: "Ops", TemplateCode: "SMS_123", AccessKeyId: inline(smsKeyID), AccessKeySecret: inline(secret)},
		Tencent: &notificationv2beta2.TencentSMS{Sign: "Ops", TemplateID: "1001", SmsSdkAppid: "1400000000", SecretId: inline(smsKeyID), SecretKey: inline(secret)},
		Huawei:  &notificationv2beta2.HuaweiSMS{Signature: "Ops", TemplateId: "tpl-1", Sender: "csms1234", AppKey: inline(smsKeyID), AppSecret: inline(secret)},
		AWS:     &notificationv2beta2.AWSSMS{Region: "us-east-1", AccessKeyId: inline(smsKeyID), SecretAccessKey: inline(secret)},
	}
}

type smsFakes struct {
	aliyun, tencent, huawei, aws *smsFake
	endpoints                    notification.SMSEndpoints
}

func startSMSFakes(t *testing.T) *smsFakes {
	f := &smsFakes{aliyun: aliyunFake(), tencent: tencentFake(), huawei: huaweiFake(), aws: awsFake("us-east-1")}
	serve := func(h http.Handler) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	f.endpoints = notification.SMSEndpoints{
		Aliyun:  serve(f.aliyun) + "/",
		Tencent: serve(f.tencent),
		Huawei:  serve(f.huawei) + "/sms/batchSendSms/v1",
		AWS:     serve(f.aws) + "/",
	}
	return f
}

// TestSendSMS sends through each provider's fake (see above: the real
// services are not reachable here; each fake checks the documented
// request and recomputes its signature independently), and checks what
// each was asked to send, that its error answers (a refused signature
// among them, by a fake holding another secret) surface with the
// provider's code and message, and that the secret never appears in an
// error.
func TestSendSMS(t *testing.T) {
	ctx := context.Background()
	fakes := startSMSFakes(t)
	text := "[firing] alertname=PodCrash\n\nfiring: PodCrash\n  alertname=PodCrash\n  namespace=demo\n  pod=web-0\n  severity=critical\n"
	with := func(provider string, edit func(p *notificationv2beta2.Providers)) *notificationv2beta2.SmsConfig {
		p := smsProviders(smsSecret)
		if edit != nil {
			edit(p)
		}
		return &notificationv2beta2.SmsConfig{DefaultProvider: provider, Providers: p}
	}
	tests := []struct {
		name    string
		cfg     *notificationv2beta2.SmsConfig
		numbers []string
		fake    *smsFake
		want    []map[string]string
		wantErr string
	}{{
		name: "aliyun", cfg: with("aliyun", nil), numbers: []string{"13800000000", "+8613900000000"}, fake: fakes.aliyun,
		want: []map[string]string{{"to": "13800000000,+8613900000000", "sign": "Ops", "template": "SMS_123", "code": text}},
	}, {
		name: "aliyun refuses the sign name", cfg: with("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun.SignName = "unknown-sign" }),
		numbers: []string{"13800000000"}, fake: fakes.aliyun, wantErr: "sms aliyun: send to 13800000000: isv.SMS_SIGNATURE_ILLEGAL: The signature is illegal",
	}, {
		name: "aliyun refuses the signature", cfg: with("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun.AccessKeySecret = inline("wrong-secret-aliyun") }),
		numbers: []string{"13800000000"}, fake: fakes.aliyun, wantErr: "SignatureDoesNotMatch: Specified signature is not matched with our calculation.",
	}, {
		name: "tencent", cfg: with("tencent", nil), numbers: []string{"13800000000", "+447700900000"}, fake: fakes.tencent,
		want: []map[string]string{{"to": "+8613800000000,+447700900000", "sign": "Ops", "template": "1001", "app": "1400000000", "params": text}},
	}, {
		name: "tencent refuses one number", cfg: with("tencent", nil), numbers: []string{"13800000000", "13800000099"}, fake: fakes.tencent,
		wantErr: "not sent to +8613800000099 (LimitExceeded.PhoneNumberDailyLimit: the number reached its daily limit)",
	}, {
		name: "tencent refuses the signature", cfg: with("tencent", func(p *notificationv2beta2.Providers) { p.Tencent.SecretKey = inline("wrong-secret-tencent") }),
		numbers: []string{"13800000000"}, fake: fakes.tencent, wantErr: "AuthFailure.SignatureFailure: The provided credentials could not be validated.",
	}, {
		name: "huawei", cfg: with("huawei", nil), numbers: []string{"13800000000", "+8613900000000"}, fake: fakes.huawei,
		want: []map[string]string{{"to": "+8613800000000,+8613900000000", "from": "csms1234", "template": "tpl-1", "sign": "Ops",
			"params": `["PodCrash","critical","","","","","","demo","","web-0"]`}},
	}, {
		name: "huawei refuses the digest", cfg: with("huawei", func(p *notificationv2beta2.Providers) { p.Huawei.AppSecret = inline("wrong-secret-huawei") }),
		numbers: []string{"13800000000"}, fake: fakes.huawei, wantErr: "sms huawei: send to +8613800000000: E000101: Authentication failed",
	}, {
		name: "aws, one message per number", cfg: with("aws", nil), numbers: []string{"+14155550100", "+447700900000"}, fake: fakes.aws,
		want: []map[string]string{{"to": "+14155550100", "message": text}, {"to": "+447700900000", "message": text}},
	}, {
		name: "aws refuses a number without a country code", cfg: with("aws", nil), numbers: []string{"4155550100"}, fake: fakes.aws,
		wantErr: "sms aws: send to 4155550100: InvalidParameter: Invalid parameter: PhoneNumber",
	}, {
		name: "aws refuses the signature", cfg: with("aws", func(p *notificationv2beta2.Providers) { p.AWS.SecretAccessKey = inline("wrong-secret-aws") }),
		numbers: []string{"+14155550100"}, fake: fakes.aws, wantErr: "SignatureDoesNotMatch: The request signature we calculated does not match",
	}, {
		name: "the first configured provider without a default", numbers: []string{"+14155550100"}, fake: fakes.huawei,
		cfg: &notificationv2beta2.SmsConfig{Providers: &notificationv2beta2.Providers{Huawei: smsProviders(smsSecret).Huawei, AWS: smsProviders(smsSecret).AWS}},
		want: []map[string]string{{"to": "+14155550100", "from": "csms1234", "template": "tpl-1", "sign": "Ops",
			"params": `["PodCrash","critical","","","","","","demo","","web-0"]`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tt.fake.requests())
			err := notification.SendSMS(ctx, notification.Secrets{}, tt.cfg, &notificationv2beta2.SmsReceiver{PhoneNumbers: tt.numbers}, text, fakes.endpoints, 0)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				for _, secret := range []string{"wrong-secret-aliyun", "wrong-secret-tencent", "wrong-secret-huawei", "wrong-secret-aws", smsSecret} {
					assert.NotContains(t, err.Error(), secret, "secrets stay out of errors")
				}
				var invalid *notification.InvalidError
				assert.False(t, errors.As(err, &invalid), "a provider's refusal is not a configuration error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, tt.fake.requests()[before:])
		})
	}
}

// TestSendSMSInvalid checks that what SendSMS cannot send with is an
// *InvalidError naming the field, before any provider is asked (the
// fakes record nothing).
func TestSendSMSInvalid(t *testing.T) {
	ctx := context.Background()
	fakes := startSMSFakes(t)
	cfg := func(provider string, edit func(p *notificationv2beta2.Providers)) *notificationv2beta2.SmsConfig {
		p := smsProviders(smsSecret)
		if edit != nil {
			edit(p)
		}
		return &notificationv2beta2.SmsConfig{DefaultProvider: provider, Providers: p}
	}
	phones := &notificationv2beta2.SmsReceiver{PhoneNumbers: []string{"13800000000"}}
	missingSecret := &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: "sms", Key: "secret"}}}
	tests := []struct {
		name  string
		cfg   *notificationv2beta2.SmsConfig
		r     *notificationv2beta2.SmsReceiver
		field string
	}{
		{"no config", nil, phones, "config.spec.sms"},
		{"no numbers", cfg("aliyun", nil), &notificationv2beta2.SmsReceiver{}, "spec.sms.phoneNumbers"},
		{"not a number", cfg("aliyun", nil), &notificationv2beta2.SmsReceiver{PhoneNumbers: []string{"13800000000", "138-0000"}}, "spec.sms.phoneNumbers[1]"},
		{"unknown default provider", cfg("twilio", nil), phones, "config.spec.sms.defaultProvider"},
		{"default provider not configured", cfg("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun = nil }), phones, "config.spec.sms.defaultProvider"},
		{"no provider", &notificationv2beta2.SmsConfig{Providers: &notificationv2beta2.Providers{}}, phones, "config.spec.sms.providers"},
		{"aliyun accessKeyId", cfg("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun.AccessKeyId = nil }), phones, "config.spec.sms.providers.aliyun.accessKeyId"},
		{"aliyun accessKeySecret", cfg("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun.AccessKeySecret = &notificationv2beta2.Credential{} }), phones, "config.spec.sms.providers.aliyun.accessKeySecret"},
		{"aliyun signName", cfg("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun.SignName = "" }), phones, "config.spec.sms.providers.aliyun.signName"},
		{"aliyun templateCode", cfg("aliyun", func(p *notificationv2beta2.Providers) { p.Aliyun.TemplateCode = "" }), phones, "config.spec.sms.providers.aliyun.templateCode"},
		{"tencent secretKey from a Secret without a reader", cfg("tencent", func(p *notificationv2beta2.Providers) { p.Tencent.SecretKey = missingSecret }), phones, "Secrets.Reader"},
		{"tencent secretId", cfg("tencent", func(p *notificationv2beta2.Providers) { p.Tencent.SecretId = nil }), phones, "config.spec.sms.providers.tencent.secretId"},
		{"tencent sign", cfg("tencent", func(p *notificationv2beta2.Providers) { p.Tencent.Sign = "" }), phones, "config.spec.sms.providers.tencent.sign"},
		{"tencent templateID", cfg("tencent", func(p *notificationv2beta2.Providers) { p.Tencent.TemplateID = "" }), phones, "config.spec.sms.providers.tencent.templateID"},
		{"tencent smsSdkAppid", cfg("tencent", func(p *notificationv2beta2.Providers) { p.Tencent.SmsSdkAppid = "" }), phones, "config.spec.sms.providers.tencent.smsSdkAppid"},
		{"huawei appKey", cfg("huawei", func(p *notificationv2beta2.Providers) { p.Huawei.AppKey = nil }), phones, "config.spec.sms.providers.huawei.appKey"},
		{"huawei appSecret", cfg("huawei", func(p *notificationv2beta2.Providers) { p.Huawei.AppSecret = nil }), phones, "config.spec.sms.providers.huawei.appSecret"},
		{"huawei templateId", cfg("huawei", func(p *notificationv2beta2.Providers) { p.Huawei.TemplateId = "" }), phones, "config.spec.sms.providers.huawei.templateId"},
		{"huawei sender", cfg("huawei", func(p *notificationv2beta2.Providers) { p.Huawei.Sender = "" }), phones, "config.spec.sms.providers.huawei.sender"},
		{"aws region", cfg("aws", func(p *notificationv2beta2.Providers) { p.AWS.Region = "" }), phones, "config.spec.sms.providers.aws.region"},
		{"aws region that is not one", cfg("aws", func(p *notificationv2beta2.Providers) { p.AWS.Region = "evil.example.com/x" }), phones, "config.spec.sms.providers.aws.region"},
		{"aws secretAccessKey", cfg("aws", func(p *notificationv2beta2.Providers) { p.AWS.SecretAccessKey = nil }), phones, "config.spec.sms.providers.aws.secretAccessKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notification.SendSMS(ctx, notification.Secrets{}, tt.cfg, tt.r, "x", fakes.endpoints, 0)
			var invalid *notification.InvalidError
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tt.field, invalid.Field)
		})
	}
	for _, f := range []*smsFake{fakes.aliyun, fakes.tencent, fakes.huawei, fakes.aws} {
		assert.Empty(t, f.requests(), "nothing is sent with an invalid configuration")
	}
}

// TestSendSMSSecretRef reads Tencent's secretKey from a Secret in the
// test API server and sends through the Tencent fake (the service is not
// reachable here; the fake checks the TC3 signature with the Secret's
// value).
func TestSendSMSSecretRef(t *testing.T) {
	ctx := context.Background()
	fakes := startSMSFakes(t)
	ns := env.NewNamespace(t)
	require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sms"}, Data: map[string][]byte{"secretKey": []byte(smsSecret)}}))
	p := smsProviders(smsSecret)
	p.Tencent.SecretKey = &notificationv2beta2.Credential{ValueFrom: &notificationv2beta2.ValueSource{SecretKeyRef: &notificationv2beta2.SecretKeySelector{Name: "sms", Key: "secretKey"}}}
	cfg := &notificationv2beta2.SmsConfig{DefaultProvider: "tencent", Providers: p}
	require.NoError(t, notification.SendSMS(ctx, notification.Secrets{Reader: env.Client, Namespace: ns}, cfg, &notificationv2beta2.SmsReceiver{PhoneNumbers: []string{"13800000000"}}, "PodCrash", fakes.endpoints, 0))
	require.Len(t, fakes.tencent.requests(), 1)
	assert.Equal(t, "+8613800000000", fakes.tencent.requests()[0]["to"])

	p.Tencent.SecretKey.ValueFrom.SecretKeyRef.Key = "missing"
	err := notification.SendSMS(ctx, notification.Secrets{Reader: env.Client, Namespace: ns}, cfg, &notificationv2beta2.SmsReceiver{PhoneNumbers: []string{"13800000000"}}, "PodCrash", fakes.endpoints, 0)
	var invalid *notification.InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "config.spec.sms.providers.tencent.secretKey", invalid.Field)
}

// TestSMSSignatureVectors checks the package's signers against the
// examples the vendors publish (inputs and expected signature): Alibaba
// Cloud's RPC signature example (DescribeRegions, testid/testsecret) and
// cases of AWS's Signature Version 4 test suite (get-vanilla,
// post-vanilla, post-vanilla-query, post-header-key-sort). The test's own
// signature code, which the fakes use, must agree with them too. Tencent
// Cloud and Huawei Cloud publish no complete example (their keys are
// masked), so their signers are checked against the independent code
// only, and Huawei's digest encoding (Base64 of the hex digest) against
// the shape of the digest in Huawei's example header.
func TestSMSSignatureVectors(t *testing.T) {
	t.Run("alibaba cloud RPC", func(t *testing.T) {
		params := url.Values{
			"TimeStamp": {"2016-02-23T12:46:24Z"}, "Format": {"XML"}, "AccessKeyId": {"testid"}, "Action": {"DescribeRegions"},
			"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"}, "Version": {"2014-05-26"}, "SignatureVersion": {"1.0"},
		}
		assert.Equal(t, "CT9X0VtwR86fNWSnsc6v8YGOjuE=", notification.AliyunSignature(http.MethodGet, params, "testsecret"))
		assert.Equal(t, "CT9X0VtwR86fNWSnsc6v8YGOjuE=", aliyunExpected(http.MethodGet, params, "testsecret"))
	})
	t.Run("aws signature version 4 test suite", func(t *testing.T) {
		const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
		at, err := time.Parse("20060102T150405Z", "20150830T123600Z")
		require.NoError(t, err)
		base := [][2]string{{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}}
		for _, v := range []struct {
			name, method, query string
			headers             [][2]string
			signed, signature   string
		}{
			{"get-vanilla", http.MethodGet, "", base, "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
			{"post-vanilla", http.MethodPost, "", base, "host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
			{"post-vanilla-query", http.MethodPost, "Param1=value1", base, "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
			{"post-header-key-sort", http.MethodPost, "", append([][2]string{{"my-header1", "value1"}}, base...), "host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
		} {
			got := notification.SigV4Authorization("AKIDEXAMPLE", secret, "us-east-1", "service", v.method, "/", v.query, v.headers, nil, at)
			assert.Equal(t, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="+v.signed+", Signature="+v.signature, got, v.name)
		}
		// The fake's code, for service sns, agrees with the package's.
		body := []byte("Action=Publish&Message=hi")
		headers := [][2]string{{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}, {"host", "sns.eu-west-1.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}}
		r := httptest.NewRequest(http.MethodPost, "https://sns.eu-west-1.amazonaws.com/", nil)
		r.Header.Set("Content-Type", headers[0][1])
		r.Header.Set("X-Amz-Date", headers[2][1])
		want := sigV4Expected(secret, "20150830", "eu-west-1", "20150830T123600Z", canonical(r, "content-type;host;x-amz-date", body))
		assert.True(t, strings.HasSuffix(notification.SigV4Authorization("AKIDEXAMPLE", secret, "eu-west-1", "sns", http.MethodPost, "/", "", headers, body, at), "Signature="+want))
	})
	t.Run("tencent cloud TC3", func(t *testing.T) {
		at := time.Unix(1551113065, 0)
		body := []byte(`{"PhoneNumberSet":["+8613800000000"]}`)
		headers := [][2]string{{"content-type", "application/json; charset=utf-8"}, {"host", "sms.tencentcloudapi.com"}}
		r := httptest.NewRequest(http.MethodPost, "https://sms.tencentcloudapi.com/", nil)
		r.Header.Set("Content-Type", headers[0][1])
		want := tc3Expected("tencent-secret", "2019-02-25", "1551113065", canonical(r, "content-type;host", body))
		assert.Equal(t, "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/sms/tc3_request, SignedHeaders=content-type;host, Signature="+want,
			notification.TC3Authorization("AKIDEXAMPLE", "tencent-secret", "sms", http.MethodPost, "/", "", headers, body, at))
	})
	t.Run("huawei cloud X-WSSE", func(t *testing.T) {
		at := time.Date(2018, 5, 26, 0, 35, 30, 0, time.UTC)
		header := notification.WSSEHeader("app-key", "app-secret", "ac1c911c4792492687f8f6b2264a491e", at)
		m := wsse.FindStringSubmatch(header)
		require.NotNil(t, m, header)
		assert.Equal(t, []string{"app-key", wsseExpected("ac1c911c4792492687f8f6b2264a491e", "2018-05-26T00:35:30Z", "app-secret"), "ac1c911c4792492687f8f6b2264a491e", "2018-05-26T00:35:30Z"}, m[1:])
		// Huawei's example header carries a digest that is Base64 of 64
		// hex digits; so is ours.
		for _, digest := range []string{"NDA1MWIwNjI2ZTkyNWFlM2FhMTE5NDE1YTk5NjU1YWE4NjNlZTY1MmRhYzkxZGViNzczZjdjMjkzZWQ4ZjAwNA==", m[2]} {
			raw, err := base64.StdEncoding.DecodeString(digest)
			require.NoError(t, err)
			assert.Regexp(t, `^[0-9a-f]{64}$`, string(raw))
		}
	})
}

// TestHuaweiTemplateParams checks the parameters Huawei's template gets
// from rendered text, notification-manager's way.
func TestHuaweiTemplateParams(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{{
		name: "spherekit's text",
		text: "[firing] alertname=PodCrash\n\nfiring: PodCrash\n  alertname=PodCrash\n  cluster=host\n  deployment=web\n  node=node-1\n  severity=critical\n  since 2024-01-01 00:00:00 UTC\n",
		want: []string{"PodCrash", "critical", "", "", "", "host", "node-1", "", "web", ""},
	}, {
		name: "notification-manager's text",
		text: "1 alert for alertname=test\nAlerts Firing:\nLabels:\n- alertname = test\n- alerttype = metric\n- daemonset = agent\nAnnotations:\n- message = test message\n- summary = node node1 memory utilization is high\n",
		want: []string{"test", "", "test message", "node node1 memory ut", "metric", "", "", "", "agent", ""},
	}, {
		name: "a later value wins and values are cut to 20 characters",
		text: "  pod=web-0\n  pod=一二三四五六七八九十一二三四五六七八九十一二三\n",
		want: []string{"", "", "", "", "", "", "", "", "", "一二三四五六七八九十一二三四五六七八九十"},
	}, {
		name: "no name=value line: the text, cut",
		text: "Disk almost full on node-1, act now",
		want: []string{"Disk almost full on "},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, notification.HuaweiTemplateParams(tt.text))
		})
	}
}

// FuzzHuaweiTemplateParams checks that any text gives one parameter (a
// prefix of valid text) or ten, none longer than Huawei's limit, and
// that they always encode as the JSON array Huawei reads.
func FuzzHuaweiTemplateParams(f *testing.F) {
	f.Add("firing: PodCrash\n  alertname=PodCrash\n  pod=web-0\n")
	f.Add("- alertname = test\n- message = a = b\n")
	f.Add("no pairs here")
	f.Add("=\n_=\x00\n\xff=\xfe")
	f.Fuzz(func(t *testing.T, text string) {
		params := notification.HuaweiTemplateParams(text)
		if len(params) != 1 && len(params) != 10 {
			t.Fatalf("%d parameters", len(params))
		}
		for _, p := range params {
			if !utf8.ValidString(p) || utf8.RuneCountInString(p) > notification.HuaweiTemplateParamLimit {
				t.Fatalf("parameter %q", p)
			}
		}
		if len(params) == 1 && utf8.ValidString(text) && !strings.HasPrefix(text, params[0]) {
			t.Fatalf("%q is not a prefix of the text", params[0])
		}
		b, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		var back []string
		if err := json.Unmarshal(b, &back); err != nil || len(back) != len(params) {
			t.Fatalf("%s does not read back: %v", b, err)
		}
	})
}

// TestDeliverSMS delivers a routed alert on sms through a Deliverer whose
// SMSEndpoints point at the Aliyun fake (the service is not reachable
// here; the fake checks the request and its signature), and checks the
// rendered text is the template parameter; a receiver whose Config has no
// sms is reported without a retry.
func TestDeliverSMS(t *testing.T) {
	ctx := context.Background()
	fakes := startSMSFakes(t)
	cfg := &notificationv2beta2.Config{ObjectMeta: meta("sms", "type", "default"),
		Spec: notificationv2beta2.ConfigSpec{Sms: &notificationv2beta2.SmsConfig{DefaultProvider: "aliyun", Providers: smsProviders(smsSecret)}}}
	objs := notification.Objects{
		Receivers: []notificationv2beta2.Receiver{{ObjectMeta: meta("oncall", "type", "global"),
			Spec: notificationv2beta2.ReceiverSpec{Sms: &notificationv2beta2.SmsReceiver{PhoneNumbers: []string{"13800000000"}}}}},
		Configs: []notificationv2beta2.Config{*cfg},
	}
	a := alert("PodCrash", "namespace", "demo", "pod", "web-0")
	d := &notification.Deliverer{RetryWait: time.Millisecond, SMSEndpoints: fakes.endpoints}
	results := d.Deliver(ctx, []notification.Delivery{
		{Target: notification.Target{Receiver: "oncall", Channel: "sms", Config: cfg}, Alerts: []notification.Alert{a}},
		{Target: notification.Target{Receiver: "oncall", Channel: "sms"}, Alerts: []notification.Alert{a}},
	}, objs)
	require.Len(t, results, 2)
	require.NoError(t, results[0].Err)
	assert.Equal(t, 1, results[0].Attempts)
	sent := fakes.aliyun.requests()
	require.Len(t, sent, 1)
	want, err := notification.RenderText(notification.NewData([]notification.Alert{a}, nil))
	require.NoError(t, err)
	assert.Equal(t, want, sent[0]["code"])
	assert.Contains(t, sent[0]["code"], "pod=web-0")

	var invalid *notification.InvalidError
	require.ErrorAs(t, results[1].Err, &invalid)
	assert.Equal(t, "receiver oncall spec.sms.smsConfigSelector", invalid.Field)
	assert.Equal(t, 1, results[1].Attempts, "no retry for a configuration error")
}
