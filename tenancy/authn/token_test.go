package authn

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv"
)

// forge returns a JWT with the given header and claims, signed by sign.
func forge(t *testing.T, header, claims map[string]any, sign func(signingInput string) []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	require.NoError(t, err)
	c, err := json.Marshal(claims)
	require.NoError(t, err)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return in + "." + base64.RawURLEncoding.EncodeToString(sign(in))
}

// claimsOf decodes a token's claims without checking it.
func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	dave := newUser(t, password)
	tok, err := auth.Login(t.Context(), dave, password, LoginOptions{})
	require.NoError(t, err)
	good := claimsOf(t, tok.AccessToken)
	parts := strings.Split(tok.AccessToken, ".")

	otherKey, err := GenerateSigningKey()
	require.NoError(t, err)
	otherKeys, err := NewKeySet(otherKey)
	require.NoError(t, err)
	withClaims := func(change func(c *Claims)) string {
		c := auth.claims(mustUser(t, dave), good["sid"].(string), AccessToken, auth.o.Audience, time.Now(), time.Now().Add(time.Hour))
		change(c)
		s, err := keys.sign(c)
		require.NoError(t, err)
		return s
	}
	// Another user's live session.
	other := newUser(t, password)
	otherTok, err := auth.Login(t.Context(), other, password, LoginOptions{})
	require.NoError(t, err)
	otherSID := claimsOf(t, otherTok.AccessToken)["sid"].(string)
	pubDER, err := x509.MarshalPKIXPublicKey(keys.signing.PrivateKey.Public())
	require.NoError(t, err)

	cases := []struct {
		name, token, reason string
	}{
		{"empty", "", "malformed"},
		{"garbage", "not.a.jwt", "malformed"},
		{"too long", strings.Repeat("a", maxTokenBytes+1), "longer than"},
		{"tampered claims", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin","username":"admin"}`)) + "." + parts[2], "bad signature"},
		{"alg none", forge(t, map[string]any{"alg": "none", "kid": keys.SigningKeyID()}, good, func(string) []byte { return nil }), "signing method none is invalid"},
		{"HS256 keyed with the public key", forge(t, map[string]any{"alg": "HS256", "kid": keys.SigningKeyID()}, good, func(in string) []byte {
			m := hmac.New(sha256.New, pubDER)
			m.Write([]byte(in))
			return m.Sum(nil)
		}), "signing method HS256 is invalid"},
		{"signed by an unknown key", func() string {
			c := auth.claims(mustUser(t, dave), good["sid"].(string), AccessToken, auth.o.Audience, time.Now(), time.Now().Add(time.Hour))
			s, err := otherKeys.sign(c)
			require.NoError(t, err)
			return s
		}(), "unknown key"},
		{"expired", withClaims(func(c *Claims) {
			c.IssuedAt, c.NotBefore = jwt.NewNumericDate(time.Now().Add(-2*time.Hour)), jwt.NewNumericDate(time.Now().Add(-2*time.Hour))
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		}), "expired at"},
		{"not yet valid", withClaims(func(c *Claims) { c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour)) }), "nbf"},
		{"no expiry", withClaims(func(c *Claims) { c.ExpiresAt = nil }), "no expiry"},
		{"other issuer", withClaims(func(c *Claims) { c.Issuer = "https://evil.example" }), "issuer"},
		{"other audience", withClaims(func(c *Claims) { c.Audience = []string{"someone-else"} }), "audience"},
		{"refresh token", tok.RefreshToken, "token_type"},
		{"sub and username differ", withClaims(func(c *Claims) { c.Username = "admin" }), "same user"},
		{"no session", withClaims(func(c *Claims) { c.SessionID = "" }), "no session"},
		{"unknown session", withClaims(func(c *Claims) { c.SessionID = newID() }), "revoked"},
		{"another user's session", withClaims(func(c *Claims) { c.SessionID = otherSID }), "not the token's"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth.Verify(t.Context(), tt.token)
			require.ErrorIs(t, err, ErrInvalidToken)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}

	t.Run("expired by the clock", func(t *testing.T) {
		later := *auth
		later.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
		_, err := later.Verify(t.Context(), tok.AccessToken)
		require.ErrorIs(t, err, ErrInvalidToken)
		assert.Contains(t, err.Error(), "expired")
	})
	t.Run("disabled user", func(t *testing.T) {
		eve := newUser(t, password)
		tok, err := auth.Login(t.Context(), eve, password, LoginOptions{})
		require.NoError(t, err)
		require.NoError(t, tc.DisableUser(t.Context(), eve))
		testenv.Eventually(t, func() (bool, error) {
			_, err := auth.Verify(t.Context(), tok.AccessToken)
			return err != nil && strings.Contains(err.Error(), "disabled"), nil
		}, "token of a disabled user refused")
	})
	// The good token still works after all that.
	u, err := auth.Verify(t.Context(), tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, dave, u.Name)
}

func TestRefreshWorksOnceAndEndsTheOldSession(t *testing.T) {
	frank := newUser(t, password)
	first, err := auth.Login(t.Context(), frank, password, LoginOptions{})
	require.NoError(t, err)
	second, err := auth.Refresh(t.Context(), first.RefreshToken)
	require.NoError(t, err)
	_, err = auth.Verify(t.Context(), second.AccessToken)
	require.NoError(t, err)

	_, err = auth.Refresh(t.Context(), first.RefreshToken)
	require.ErrorIs(t, err, ErrInvalidToken, "a refresh token works once")
	_, err = auth.Refresh(t.Context(), first.AccessToken)
	require.ErrorIs(t, err, ErrInvalidToken, "an access token is no refresh token")
	eventuallyRefused(t, first.AccessToken)
}

func TestRevokeAndMultipleLogin(t *testing.T) {
	gina := newUser(t, password)
	first, err := auth.Login(t.Context(), gina, password, LoginOptions{})
	require.NoError(t, err)
	kubeconfig, err := auth.KubeconfigFor(t.Context(), gina, KubeconfigOptions{Server: "https://127.0.0.1:6443"})
	require.NoError(t, err)
	kubeToken := tokenOfKubeconfig(t, kubeconfig)

	// Without MultipleLogin a login ends the user's earlier login sessions,
	// not their kubeconfig sessions.
	second, err := auth.Login(t.Context(), gina, password, LoginOptions{})
	require.NoError(t, err)
	eventuallyRefused(t, first.AccessToken)
	_, err = auth.Verify(t.Context(), kubeToken)
	require.NoError(t, err)

	// With it, sessions coexist.
	multi := *auth
	multi.o.MultipleLogin = true
	third, err := multi.Login(t.Context(), gina, password, LoginOptions{})
	require.NoError(t, err)
	for _, tok := range []string{second.AccessToken, third.AccessToken} {
		_, err = auth.Verify(t.Context(), tok)
		require.NoError(t, err)
	}

	// Logout ends one session; RevokeAll ends every one.
	require.NoError(t, auth.Revoke(t.Context(), second.RefreshToken))
	eventuallyRefused(t, second.AccessToken)
	_, err = auth.Verify(t.Context(), third.AccessToken)
	require.NoError(t, err)
	require.NoError(t, auth.RevokeAll(t.Context(), gina))
	eventuallyRefused(t, third.AccessToken)
	eventuallyRefused(t, kubeToken)

	// A token of another issuer's keys cannot be revoked (or used to probe).
	otherKey, err := GenerateSigningKey()
	require.NoError(t, err)
	otherKeys, err := NewKeySet(otherKey)
	require.NoError(t, err)
	forged, err := otherKeys.sign(auth.claims(mustUser(t, gina), newID(), AccessToken, auth.o.Audience, time.Now(), time.Now().Add(time.Hour)))
	require.NoError(t, err)
	require.ErrorIs(t, auth.Revoke(t.Context(), forged), ErrInvalidToken)
}

func TestPruneSessions(t *testing.T) {
	hal := newUser(t, password)
	_, err := auth.Login(t.Context(), hal, password, LoginOptions{})
	require.NoError(t, err)
	n, err := auth.PruneSessions(t.Context())
	require.NoError(t, err)
	later := *auth
	later.now = func() time.Time { return time.Now().Add(5 * time.Hour) }
	m, err := later.PruneSessions(t.Context())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, m, 1, "the session of hal (expired 4h after login) is pruned")
	assert.GreaterOrEqual(t, m, n)
}

func eventuallyRefused(t *testing.T, token string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		_, err := auth.Verify(t.Context(), token)
		return err != nil && strings.Contains(err.Error(), "revoked"), nil
	}, "token refused as revoked")
}
