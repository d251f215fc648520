package authn

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// signingAlgorithm is the one algorithm tokens are signed and accepted
// with. It is asymmetric so that kube-apiserver (and any OIDC relying party)
// verifies tokens from the published keys alone.
const signingAlgorithm = jose.RS256

// rsaBits is the size of generated signing keys.
const rsaBits = 2048

// SigningKey is one RSA key that signs tokens. Its ID (the JWT "kid") is the
// key's RFC 7638 thumbprint, so the same key always has the same ID.
type SigningKey struct {
	ID         string
	PrivateKey *rsa.PrivateKey
	// Created is when the key was made; Retired, when another key replaced
	// it as the signing key (zero while it signs).
	Created time.Time
	Retired time.Time
}

// GenerateSigningKey returns a new 2048-bit RSA signing key.
func GenerateSigningKey() (*SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	return newSigningKey(priv, time.Now())
}

func newSigningKey(priv *rsa.PrivateKey, created time.Time) (*SigningKey, error) {
	tp, err := (&jose.JSONWebKey{Key: priv.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("thumbprint of signing key: %w", err)
	}
	return &SigningKey{ID: base64.RawURLEncoding.EncodeToString(tp), PrivateKey: priv, Created: created.UTC().Truncate(time.Second)}, nil
}

// KeySet is the key that signs new tokens and the keys that still verify
// tokens signed before a rotation. It is immutable and safe for concurrent
// use.
type KeySet struct {
	signing *SigningKey
	signer  jose.Signer
	verify  map[string]*rsa.PublicKey
	keys    []*SigningKey
	jwks    []byte
}

// NewKeySet returns a key set that signs with signing and verifies with it
// and with retired.
func NewKeySet(signing *SigningKey, retired ...*SigningKey) (*KeySet, error) {
	if signing == nil || signing.PrivateKey == nil {
		return nil, &InvalidError{Field: "signing", Reason: "a signing key is required"}
	}
	ks := &KeySet{signing: signing, verify: map[string]*rsa.PublicKey{}}
	var pub jose.JSONWebKeySet
	for i, k := range append([]*SigningKey{signing}, retired...) {
		if k == nil || k.PrivateKey == nil || k.ID == "" {
			return nil, &InvalidError{Field: "retired", Reason: fmt.Sprintf("key %d has no private key or ID", i)}
		}
		if k.PrivateKey.N.BitLen() < rsaBits {
			return nil, &InvalidError{Field: "retired", Reason: fmt.Sprintf("key %q has %d bits; at least %d are required", k.ID, k.PrivateKey.N.BitLen(), rsaBits)}
		}
		if _, dup := ks.verify[k.ID]; dup {
			continue
		}
		ks.verify[k.ID] = &k.PrivateKey.PublicKey
		ks.keys = append(ks.keys, k)
		pub.Keys = append(pub.Keys, jose.JSONWebKey{Key: &k.PrivateKey.PublicKey, KeyID: k.ID, Algorithm: string(signingAlgorithm), Use: "sig"})
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: signingAlgorithm, Key: jose.JSONWebKey{Key: signing.PrivateKey, KeyID: signing.ID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	ks.signer = signer
	if ks.jwks, err = json.Marshal(pub); err != nil {
		return nil, fmt.Errorf("encode key set: %w", err)
	}
	return ks, nil
}

// SigningKeyID is the ID of the key that signs new tokens.
func (ks *KeySet) SigningKeyID() string { return ks.signing.ID }

// KeyIDs lists the IDs of every key that verifies, the signing key first.
func (ks *KeySet) KeyIDs() []string {
	ids := make([]string, len(ks.keys))
	for i, k := range ks.keys {
		ids[i] = k.ID
	}
	return ids
}

// JWKS is the JSON Web Key Set of the public keys, as the issuer's
// jwks_uri serves it.
func (ks *KeySet) JWKS() []byte { return ks.jwks }

// KeySource gives the key set in force. Two implementations exist:
// StaticKeys, for keys the host manages itself, and SecretKeys, for keys
// kept in a Secret that several replicas share and RotateKeys replaces.
type KeySource interface {
	KeySet(ctx context.Context) (*KeySet, error)
}

// StaticKeys is a KeySource that always gives ks.
func StaticKeys(ks *KeySet) KeySource { return staticKeys{ks} }

type staticKeys struct{ ks *KeySet }

func (s staticKeys) KeySet(context.Context) (*KeySet, error) { return s.ks, nil }

// keysDataKey is the key of the Secret's data holding the keys.
const keysDataKey = "keys.json"

// SecretKeys keeps the key set in a Secret, so every replica of a portal
// signs and verifies with the same keys. EnsureKeys creates it; RotateKeys
// puts a new signing key in force and keeps the replaced ones for
// verification until the tokens they signed have expired. KeySet reads
// through Reader (a cache, typically) and parses the keys again only when
// the Secret changes.
type SecretKeys struct {
	// Client writes the Secret; Reader, when set, reads it (else Client).
	Client client.Client
	Reader client.Reader
	// Namespace and Name locate the Secret.
	Namespace, Name string

	mu     sync.Mutex
	parsed *KeySet
	ver    string
}

type storedKey struct {
	ID      string    `json:"kid"`
	Created time.Time `json:"created"`
	Retired time.Time `json:"retired,omitzero"`
	PEM     string    `json:"privateKey"`
}

type storedKeys struct {
	Keys []storedKey `json:"keys"`
}

func (s *SecretKeys) key() types.NamespacedName {
	return types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
}

func (s *SecretKeys) check() error {
	switch {
	case s.Client == nil:
		return &InvalidError{Field: "SecretKeys.Client", Reason: "required"}
	case s.Namespace == "" || s.Name == "":
		return &InvalidError{Field: "SecretKeys.Name", Reason: "the Secret's namespace and name are required"}
	}
	return nil
}

// EnsureKeys creates the Secret with one new signing key, unless it exists.
// Concurrent callers agree on one Secret.
func (s *SecretKeys) EnsureKeys(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	sec := &corev1.Secret{}
	err := s.Client.Get(ctx, s.key(), sec)
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("get signing keys: %w", err)
	}
	k, err := GenerateSigningKey()
	if err != nil {
		return err
	}
	data, err := encodeKeys([]*SigningKey{k})
	if err != nil {
		return err
	}
	sec = &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: s.Name},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{keysDataKey: data},
	}
	if err := s.Client.Create(ctx, sec); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create signing keys: %w", err)
	}
	return nil
}

// RotateKeys makes a new key the signing key. The replaced key keeps
// verifying; keys retired more than keep ago are dropped. keep must be at
// least the refresh-token lifetime (Options.AccessTokenMaxAge plus
// AccessTokenInactivityTimeout) and the longest kubeconfig TTL in use, or
// tokens signed by a dropped key stop working before they expire.
func (s *SecretKeys) RotateKeys(ctx context.Context, keep time.Duration) error {
	if err := s.check(); err != nil {
		return err
	}
	if keep <= 0 {
		return &InvalidError{Field: "keep", Reason: "must be positive"}
	}
	next, err := GenerateSigningKey()
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sec := &corev1.Secret{}
		if err := s.Client.Get(ctx, s.key(), sec); err != nil {
			return fmt.Errorf("get signing keys: %w", err)
		}
		keys, err := decodeKeys(sec.Data[keysDataKey])
		if err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Second)
		kept := []*SigningKey{next}
		for _, k := range keys {
			if k.Retired.IsZero() {
				k.Retired = now
			}
			if now.Sub(k.Retired) <= keep {
				kept = append(kept, k)
			}
		}
		data, err := encodeKeys(kept)
		if err != nil {
			return err
		}
		sec.Data = map[string][]byte{keysDataKey: data}
		return s.Client.Update(ctx, sec)
	})
}

// KeySet implements KeySource.
func (s *SecretKeys) KeySet(ctx context.Context) (*KeySet, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	r := s.Reader
	if r == nil {
		r = s.Client
	}
	sec := &corev1.Secret{}
	if err := r.Get(ctx, s.key(), sec); err != nil {
		return nil, fmt.Errorf("get signing keys %s: %w", s.key(), err)
	}
	ver := string(sec.UID) + "/" + sec.ResourceVersion
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parsed != nil && s.ver == ver {
		return s.parsed, nil
	}
	keys, err := decodeKeys(sec.Data[keysDataKey])
	if err != nil {
		return nil, fmt.Errorf("signing keys %s: %w", s.key(), err)
	}
	ks, err := NewKeySet(keys[0], keys[1:]...)
	if err != nil {
		return nil, fmt.Errorf("signing keys %s: %w", s.key(), err)
	}
	s.parsed, s.ver = ks, ver
	return ks, nil
}

func encodeKeys(keys []*SigningKey) ([]byte, error) {
	var st storedKeys
	for _, k := range keys {
		p := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.PrivateKey)})
		st.Keys = append(st.Keys, storedKey{ID: k.ID, Created: k.Created, Retired: k.Retired, PEM: string(p)})
	}
	return json.Marshal(st)
}

func decodeKeys(data []byte) ([]*SigningKey, error) {
	var st storedKeys
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode %s: %w", keysDataKey, err)
	}
	if len(st.Keys) == 0 {
		return nil, errors.New(keysDataKey + " holds no key")
	}
	keys := make([]*SigningKey, 0, len(st.Keys))
	for _, sk := range st.Keys {
		block, _ := pem.Decode([]byte(sk.PEM))
		if block == nil {
			return nil, fmt.Errorf("key %q is not PEM", sk.ID)
		}
		priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", sk.ID, err)
		}
		k, err := newSigningKey(priv, sk.Created)
		if err != nil {
			return nil, err
		}
		if k.ID != sk.ID {
			return nil, fmt.Errorf("key %q: its thumbprint is %q", sk.ID, k.ID)
		}
		k.Retired = sk.Retired
		keys = append(keys, k)
	}
	return keys, nil
}
