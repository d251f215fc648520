package notification

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
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

// What the DingTalk, WeCom, Feishu and Pushover channels share: one HTTP
// exchange with a JSON answer, keeping credentials out of errors, cutting
// text to a service's limit, and HMAC-SHA256 signatures.

// callJSON sends a request within timeout (DefaultWebhookTimeout when
// zero): a GET when body is nil, else a POST of body as JSON. It decodes a
// JSON answer into out whatever the status, so that a service's own error
// code can be read from a 4xx answer too; a status other than 2xx is then
// still returned as an error, after out was filled where it could be. The
// caller reports the service's error code first, and this error otherwise.
func callJSON(ctx context.Context, u string, header http.Header, body, out any, timeout time.Duration) error {
	if timeout == 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method, reader := http.MethodGet, io.Reader(nil)
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode the request: %w", err)
		}
		method, reader = http.MethodPost, bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, reader)
	if err != nil {
		err = withoutURL(err)
		return &InvalidError{Field: "url", Reason: err.Error(), Err: err}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return withoutURL(err)
	}
	defer func() { _ = resp.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	decodeErr := json.Unmarshal(answer, out)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(answer))
	}
	if decodeErr != nil {
		return fmt.Errorf("the answer is not JSON: %w", decodeErr)
	}
	return nil
}

// withoutURL drops the URL a *url.Error quotes, whose path or query may
// hold a token (a webhook's key, an access token), keeping the scheme and
// host and the error beneath.
func withoutURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	if p, perr := url.Parse(ue.URL); perr == nil && p.Host != "" {
		return fmt.Errorf("%s %s://%s: %w", ue.Op, p.Scheme, p.Host, ue.Err)
	}
	return fmt.Errorf("%s: %w", ue.Op, ue.Err)
}

// secretList is the credentials one send handles: any of them found in an
// error's text, as is or escaped for a URL, is replaced (see redact).
type secretList []string

func (s *secretList) add(values ...string) {
	for _, v := range values {
		if v != "" {
			*s = append(*s, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
}

func (s secretList) redact(err error) error {
	if err == nil {
		return nil
	}
	for _, v := range s {
		err = redact(err, v)
	}
	return err
}

// joinSends runs every send, all of them even when one fails, and joins
// their failures: notification-manager tries each of a receiver's
// destinations.
func joinSends(sends ...func() error) error {
	var errs []error
	for _, send := range sends {
		if send == nil {
			continue
		}
		if err := send(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// jsonLen is the length of s once encoded as a JSON string, without the
// quotes: how notification-manager measures a message against a service's
// limit (an escaped character counts as its escape). It never counts less
// than len(s).
func jsonLen(s string) int {
	n := 0
	for _, r := range s {
		n += jsonRuneLen(r)
	}
	return n
}

func jsonRuneLen(r rune) int {
	switch {
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t' || r == '\b' || r == '\f':
		return 2
	case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' || r == utf8.RuneError:
		return 6
	}
	return utf8.RuneLen(r)
}

// cutJSON cuts s, on a character boundary, so that jsonLen(s) <= limit.
func cutJSON(s string, limit int) string {
	if jsonLen(s) <= limit {
		return s
	}
	n := 0
	for i, r := range s {
		if n+jsonRuneLen(r) > limit {
			return s[:i]
		}
		n += jsonRuneLen(r)
	}
	return s
}

// cutRunes cuts s to at most limit characters.
func cutRunes(s string, limit int) string {
	i := 0
	for j := range s {
		if i == limit {
			return s[:j]
		}
		i++
	}
	return s
}

// hmacBase64 is the base64 (standard, padded) HMAC-SHA256 of message under
// key.
func hmacBase64(key, message string) string {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(message))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// withQuery is u with the parameters set in its query.
func withQuery(u string, params url.Values) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", withoutURL(err)
	}
	q := parsed.Query()
	for k, vs := range params {
		q[k] = vs
	}
	parsed.RawQuery = q.Encode()
	return parsed.String(), nil
}

// chatEndpoint joins an API base and a path.
func chatEndpoint(base, path string) string {
	return strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
}

// titleOf is text's first line, the subject in RenderText's text.
func titleOf(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return line
}

// targetConfig is the spec of the Config t sends through, empty when it has
// none (chatbots need none).
func targetConfig(t Target) notificationv2beta2.ConfigSpec {
	if t.Config == nil {
		return notificationv2beta2.ConfigSpec{}
	}
	return t.Config.Spec
}

// textOrMarkdown is a receiver's tmplType: text when unset, else text or
// markdown, refused as an *InvalidError naming field.
func textOrMarkdown(tmplType *string, field string) (string, error) {
	switch t := deref(tmplType); t {
	case "":
		return "text", nil
	case "text", "markdown":
		return t, nil
	default:
		return "", &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not text or markdown", t)}
	}
}
