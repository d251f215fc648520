package authn

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
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
	jwt.RegisteredClaims
	TokenType TokenType `json:"token_type,omitempty"`
	Username  string    `json:"username,omitempty"`
	Groups    []string  `json:"groups,omitempty"`
	Email     string    `json:"email,omitempty"`
	// SessionID names the session (login) the token belongs to; revoking
	// the session revokes every token of it.
	SessionID string `json:"sid,omitempty"`

	// signedBy is the ID of the key whose signature verified.
	signedBy string
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
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = ks.signing.ID
	s, err := t.SignedString(ks.signing.PrivateKey)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// parser accepts RS256 only: "none", HMAC (keyed with a public key, the
// classic confusion) and every other algorithm are refused before any key
// is looked up. Claims are checked by validate.
var parser = jwt.NewParser(jwt.WithValidMethods([]string{string(signingAlgorithm)}), jwt.WithoutClaimsValidation())

// parse checks raw's signature with ks and decodes its claims. It checks
// no claim: see validate.
func (ks *KeySet) parse(raw string) (*Claims, error) {
	if len(raw) > maxTokenBytes {
		return nil, &TokenError{Reason: fmt.Sprintf("longer than %d bytes", maxTokenBytes)}
	}
	c := &Claims{}
	_, err := parser.ParseWithClaims(raw, c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := ks.verify[kid]
		c.signedBy = kid
		if !ok {
			return nil, &TokenError{Reason: fmt.Sprintf("signed by unknown key %q", kid)}
		}
		return key, nil
	})
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, ErrInvalidToken):
		var te *TokenError
		errors.As(err, &te)
		return nil, te
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, &TokenError{Reason: "bad signature", Err: err}
	default:
		return nil, &TokenError{Reason: "malformed or not signed with " + string(signingAlgorithm), Err: err}
	}
}

// validate checks the registered claims and the type of c at now.
func validate(c *Claims, issuer string, audiences []string, typ TokenType, now time.Time, leeway time.Duration) error {
	switch {
	case c.ExpiresAt == nil:
		return &TokenError{Reason: "no expiry"}
	case now.After(c.ExpiresAt.Add(leeway)):
		return &TokenError{Reason: fmt.Sprintf("expired at %s", c.ExpiresAt.UTC().Format(time.RFC3339))}
	case c.NotBefore != nil && now.Add(leeway).Before(c.NotBefore.Time):
		return &TokenError{Reason: "not valid yet (nbf)"}
	case c.IssuedAt != nil && now.Add(leeway).Before(c.IssuedAt.Time):
		return &TokenError{Reason: "issued in the future (iat)"}
	case c.Issuer != issuer:
		return &TokenError{Reason: fmt.Sprintf("issuer %q is not %q", c.Issuer, issuer)}
	case c.TokenType != typ:
		return &TokenError{Reason: fmt.Sprintf("token_type is %q, not %q", c.TokenType, typ)}
	case !slices.ContainsFunc(audiences, func(a string) bool { return slices.Contains(c.Audience, a) }):
		return &TokenError{Reason: fmt.Sprintf("audience %v is not one of %v", []string(c.Audience), audiences)}
	case c.Subject == "" || c.Username != c.Subject:
		return &TokenError{Reason: "sub and username must name the same user"}
	case c.SessionID == "":
		return &TokenError{Reason: "no session"}
	}
	return nil
}

// verifiedCacheSize bounds the cache of verified signatures.
const verifiedCacheSize = 8192

// verifiedCache remembers tokens whose signature verified, with their
// claims and key, so that a token presented again (a portal's every
// request) costs no RSA verification. The claims and the session are
// checked on every use all the same; an entry is used only while its key
// is still in the key set. When full it is emptied.
type verifiedCache struct {
	mu sync.RWMutex
	m  map[string]verifiedEntry
}

type verifiedEntry struct {
	c   *Claims
	kid string
}

func (vc *verifiedCache) parse(ks *KeySet, raw string) (*Claims, error) {
	if vc == nil {
		return ks.parse(raw)
	}
	vc.mu.RLock()
	e, ok := vc.m[raw]
	vc.mu.RUnlock()
	if ok {
		if _, still := ks.verify[e.kid]; still {
			return e.c, nil
		}
	}
	c, err := ks.parse(raw)
	if err != nil {
		return nil, err
	}
	vc.mu.Lock()
	if len(vc.m) >= verifiedCacheSize || vc.m == nil {
		vc.m = make(map[string]verifiedEntry, verifiedCacheSize)
	}
	vc.m[raw] = verifiedEntry{c: c, kid: c.signedBy}
	vc.mu.Unlock()
	return c, nil
}
