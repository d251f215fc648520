package notification

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // Alibaba Cloud's RPC signature is HMAC-SHA1
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The request signatures of the SMS providers, each written from its
// vendor's public description: Alibaba Cloud's RPC signature (version
// 1.0, HMAC-SHA1), Tencent Cloud's TC3-HMAC-SHA256, Huawei Cloud's X-WSSE
// UsernameToken and AWS Signature Version 4.

// rfc3986Escape percent-encodes s as Alibaba Cloud's and AWS's canonical
// forms want it: everything but A-Z, a-z, 0-9, '-', '_', '.' and '~' as
// %XY with upper-case hex digits, a space as %20.
func rfc3986Escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0x0f])
		}
	}
	return b.String()
}

// canonicalQuery is params sorted by name (then value), each name and
// value escaped with rfc3986Escape, joined by '&'.
func canonicalQuery(params url.Values) string {
	type kv struct{ k, v string }
	var all []kv
	for k, vs := range params {
		for _, v := range vs {
			all = append(all, kv{rfc3986Escape(k), rfc3986Escape(v)})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].k != all[j].k {
			return all[i].k < all[j].k
		}
		return all[i].v < all[j].v
	})
	parts := make([]string, len(all))
	for i, p := range all {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// aliyunSignature is the Signature parameter of an Alibaba Cloud RPC
// request made with method whose parameters (Signature aside) are params:
// Base64(HMAC-SHA1(secret+"&", method&%2F&escape(canonical query))).
func aliyunSignature(method string, params url.Values, secret string) string {
	toSign := method + "&" + rfc3986Escape("/") + "&" + rfc3986Escape(canonicalQuery(params))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// signedHeader is one header a signature covers, its name in lower case.
type signedHeader struct{ name, value string }

// canonicalHeaders are headers sorted by name as "name:value\n" lines
// (values trimmed), and their names joined by ';'.
func canonicalHeaders(headers []signedHeader) (lines, names string) {
	hs := append([]signedHeader(nil), headers...)
	sort.Slice(hs, func(i, j int) bool { return hs[i].name < hs[j].name })
	var b strings.Builder
	ns := make([]string, len(hs))
	for i, h := range hs {
		b.WriteString(h.name + ":" + strings.Join(strings.Fields(h.value), " ") + "\n")
		ns[i] = h.name
	}
	return b.String(), strings.Join(ns, ";")
}

// tc3Authorization is the Authorization header of a Tencent Cloud API 3.0
// request to service, signed with TC3-HMAC-SHA256 at t over the headers
// (at least content-type and host) and the payload.
func tc3Authorization(secretID, secretKey, service, method, path, query string, headers []signedHeader, payload []byte, t time.Time) string {
	lines, names := canonicalHeaders(headers)
	request := strings.Join([]string{method, path, query, lines, names, sha256Hex(payload)}, "\n")
	date := t.UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(t.Unix(), 10) + "\n" + scope + "\n" + sha256Hex([]byte(request))
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	return "TC3-HMAC-SHA256 Credential=" + secretID + "/" + scope + ", SignedHeaders=" + names + ", Signature=" + signature
}

// sigV4Authorization is the Authorization header of an AWS request to
// service in region, signed with Signature Version 4 at t over the
// headers (at least host and x-amz-date, which must hold t), the query
// (already canonical) and the payload.
func sigV4Authorization(accessKeyID, secretKey, region, service, method, path, query string, headers []signedHeader, payload []byte, t time.Time) string {
	lines, names := canonicalHeaders(headers)
	request := strings.Join([]string{method, path, query, lines, names, sha256Hex(payload)}, "\n")
	date := t.UTC().Format("20060102")
	scope := date + "/" + region + "/" + service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + t.UTC().Format(amzDateFormat) + "\n" + scope + "\n" + sha256Hex([]byte(request))
	key := hmacSHA256([]byte("AWS4"+secretKey), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	return "AWS4-HMAC-SHA256 Credential=" + accessKeyID + "/" + scope + ", SignedHeaders=" + names + ", Signature=" + signature
}

// amzDateFormat is the X-Amz-Date header's format.
const amzDateFormat = "20060102T150405Z"

// utcSecondsFormat is the ISO 8601 UTC time Alibaba Cloud's Timestamp
// and Huawei Cloud's X-WSSE Created are written in.
const utcSecondsFormat = "2006-01-02T15:04:05Z"

// wsseHeader is Huawei Cloud's X-WSSE header for appKey and appSecret
// with nonce at t: PasswordDigest is Base64 of the lower-case hex SHA-256
// of nonce, created and the secret, as Huawei's description and samples
// compute it.
func wsseHeader(appKey, appSecret, nonce string, t time.Time) string {
	created := t.UTC().Format(utcSecondsFormat)
	digest := base64.StdEncoding.EncodeToString([]byte(sha256Hex([]byte(nonce + created + appSecret))))
	return `UsernameToken Username="` + appKey + `",PasswordDigest="` + digest + `",Nonce="` + nonce + `",Created="` + created + `"`
}

// newNonce is 16 random bytes in hex.
func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
