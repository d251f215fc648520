package authn

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv"
)

// TestSecretKeysRotation rotates the keys of an Authenticator that keeps
// them in a Secret: tokens signed before a rotation keep working while
// their key is kept, new tokens use the new key, and once the old key is
// dropped its tokens are refused.
func TestSecretKeysRotation(t *testing.T) {
	ctx := t.Context()
	ns := env.NewNamespace(t)
	sk := &SecretKeys{Client: env.Client, Namespace: ns, Name: "oauth-keys"}
	require.NoError(t, sk.EnsureKeys(ctx))
	require.NoError(t, sk.EnsureKeys(ctx), "EnsureKeys is idempotent")
	ks0, err := sk.KeySet(ctx)
	require.NoError(t, err)
	require.Len(t, ks0.KeyIDs(), 1)

	a, err := New(env.Client, Options{Issuer: issuer.URL, Keys: sk, Cache: env.Manager.GetCache(), BcryptCost: testBcryptCost, MultipleLogin: true})
	require.NoError(t, err)
	nick := newUser(t, password)
	before, err := a.Login(ctx, nick, password, LoginOptions{})
	require.NoError(t, err)

	require.NoError(t, sk.RotateKeys(ctx, time.Hour))
	ks1, err := sk.KeySet(ctx)
	require.NoError(t, err)
	require.Len(t, ks1.KeyIDs(), 2)
	assert.Equal(t, ks0.SigningKeyID(), ks1.KeyIDs()[1], "the old key still verifies")
	assert.NotEqual(t, ks0.SigningKeyID(), ks1.SigningKeyID())

	var jwks struct {
		Keys []struct {
			KID string `json:"kid"`
			Alg string `json:"alg"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(ks1.JWKS(), &jwks))
	require.Len(t, jwks.Keys, 2)
	for _, k := range jwks.Keys {
		assert.Equal(t, "RS256", k.Alg)
		assert.Empty(t, k.D, "the key set publishes no private part")
	}

	_, err = a.Verify(ctx, before.AccessToken)
	require.NoError(t, err, "a token signed before the rotation")
	after, err := a.Login(ctx, nick, password, LoginOptions{})
	require.NoError(t, err)
	assert.Equal(t, ks1.SigningKeyID(), headerKID(t, after.AccessToken))

	// Keep retired keys for almost no time: the first key goes (the one
	// replaced just now stays, retired this second).
	time.Sleep(1100 * time.Millisecond)
	require.NoError(t, sk.RotateKeys(ctx, time.Nanosecond))
	ks2, err := sk.KeySet(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{ks2.SigningKeyID(), ks1.SigningKeyID()}, ks2.KeyIDs())
	_, err = a.Verify(ctx, before.AccessToken)
	require.ErrorIs(t, err, ErrInvalidToken)
	assert.Contains(t, err.Error(), "unknown key")

	// A Secret that holds garbage is an error, not a panic.
	sec := &corev1.Secret{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "oauth-keys"}, sec))
	sec.Data[keysDataKey] = []byte(`{"keys":[{"kid":"x","privateKey":"nope"}]}`)
	require.NoError(t, env.Client.Update(ctx, sec))
	testenv.Eventually(t, func() (bool, error) {
		_, err := sk.KeySet(ctx)
		return err != nil, nil
	}, "a broken key Secret is reported")
}

func headerKID(t *testing.T, tok string) string {
	t.Helper()
	var h struct {
		KID string `json:"kid"`
	}
	require.NoError(t, json.Unmarshal(mustB64(t, tok[:indexByte(tok, '.')]), &h))
	return h.KID
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return len(s)
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}
