package notification

import (
	"net/url"
	"time"
)

// The SMS signers, for sms_test.go's checks against the vendors'
// published examples.

// AliyunSignature is aliyunSignature.
func AliyunSignature(method string, params url.Values, secret string) string {
	return aliyunSignature(method, params, secret)
}

// SigV4Authorization is sigV4Authorization with headers as name/value
// pairs.
func SigV4Authorization(accessKeyID, secretKey, region, service, method, path, query string, headers [][2]string, payload []byte, t time.Time) string {
	return sigV4Authorization(accessKeyID, secretKey, region, service, method, path, query, toSignedHeaders(headers), payload, t)
}

// TC3Authorization is tc3Authorization with headers as name/value pairs.
func TC3Authorization(secretID, secretKey, service, method, path, query string, headers [][2]string, payload []byte, t time.Time) string {
	return tc3Authorization(secretID, secretKey, service, method, path, query, toSignedHeaders(headers), payload, t)
}

// WSSEHeader is wsseHeader.
func WSSEHeader(appKey, appSecret, nonce string, t time.Time) string {
	return wsseHeader(appKey, appSecret, nonce, t)
}

func toSignedHeaders(headers [][2]string) []signedHeader {
	out := make([]signedHeader, len(headers))
	for i, h := range headers {
		out[i] = signedHeader{h[0], h[1]}
	}
	return out
}
