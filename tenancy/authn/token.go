package authn

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TokenType is the token_type claim: what a token may be used for.
type TokenType string

// The token types spherekit issues; the values are KubeSphere's.
const (
	// AccessToken authenticates requests.
	AccessToken TokenType = "access_token"
	// RefreshToken buys a new pair at the token endpoint, once.
	RefreshToken TokenType = "refresh_token"
)

// maxTokenBytes bounds what the parser accepts: spherekit's tokens are
// about 1 KiB, and a bigger input is refused before any decoding.
const maxTokenBytes = 16 << 10

// Claims are the claims of spherekit's tokens: the registered ones, plus
// KubeSphere's token_type and username, the user's KubeSphere groups (for
// kube-apiserver's claim mapping) and the session the token belongs to.
type Claims struct {
	jwt.Claims
	TokenType TokenType `json:"token_type,omitempty"`
	Username  string    `json:"username,omitempty"`
	Groups    []string  `json:"groups,omitempty"`
	Email     string    `json:"email,omitempty"`
	// SessionID names the session (login) the token belongs to; revoking
	// the session revokes every token of it.
	SessionID string `json:"sid,omitempty"`
}

// newID returns 128 random bits in lower-case base32, usable in object
// names.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// sign serializes c signed with ks's signing key.
func (ks *KeySet) sign(c *Claims) (string, error) {
	s, err := jwt.Signed(ks.signer).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// parse checks raw's signature with ks and decodes its claims. It checks
// no claim: see validate.
func (ks *KeySet) parse(raw string) (*Claims, error) {
	if len(raw) > maxTokenBytes {
		return nil, &TokenError{Reason: fmt.Sprintf("longer than %d bytes", maxTokenBytes)}
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{signingAlgorithm})
	if err != nil {
		return nil, &TokenError{Reason: "malformed or not signed with " + string(signingAlgorithm), Err: err}
	}
	if len(tok.Headers) != 1 {
		return nil, &TokenError{Reason: "not exactly one signature"}
	}
	key, ok := ks.verify[tok.Headers[0].KeyID]
	if !ok {
		return nil, &TokenError{Reason: fmt.Sprintf("signed by unknown key %q", tok.Headers[0].KeyID)}
	}
	c := &Claims{}
	if err := tok.Claims(key, c); err != nil {
		return nil, &TokenError{Reason: "bad signature", Err: err}
	}
	return c, nil
}

// validate checks the registered claims and the type of c at now.
func validate(c *Claims, issuer string, audiences []string, typ TokenType, now time.Time, leeway time.Duration) error {
	if c.Expiry == nil {
		return &TokenError{Reason: "no expiry"}
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: issuer, Time: now}, leeway); err != nil {
		return &TokenError{Reason: "claims", Err: err}
	}
	if c.TokenType != typ {
		return &TokenError{Reason: fmt.Sprintf("token_type is %q, not %q", c.TokenType, typ)}
	}
	if !slices.ContainsFunc(audiences, c.Audience.Contains) {
		return &TokenError{Reason: fmt.Sprintf("audience %v is not one of %v", []string(c.Audience), audiences)}
	}
	if c.Subject == "" || c.Username != c.Subject {
		return &TokenError{Reason: "sub and username must name the same user"}
	}
	if c.SessionID == "" {
		return &TokenError{Reason: "no session"}
	}
	return nil
}
