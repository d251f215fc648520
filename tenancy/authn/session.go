package authn

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// Sessions. Every token belongs to a session, recorded as a Secret of type
// SessionSecretType in Options.SessionNamespace, named "session-<sid>" and
// labelled with the user (iam.kubesphere.io/user-ref) and the session kind.
// A token is valid only while its session exists, as KubeSphere keeps a
// token valid only while its cache entry exists; the Secret holds no token,
// only when the session ends.
const (
	// SessionSecretType is the type of session Secrets.
	SessionSecretType corev1.SecretType = "authn.spherekit.io/session"
	// SessionKindLabel says what made the session: SessionLogin or
	// SessionKubeconfig.
	SessionKindLabel  = "authn.spherekit.io/session-kind"
	SessionLogin      = "login"
	SessionKubeconfig = "kubeconfig"
	// SessionExpiresAnnotation is when the session's last token expires
	// (RFC 3339); PruneSessions deletes sessions past it.
	SessionExpiresAnnotation = "authn.spherekit.io/expires"
)

func sessionName(sid string) string { return "session-" + sid }

// Tokens is what a login or a refresh returns, in the token endpoint's JSON
// shape (RFC 6749 section 5.1, as KubeSphere answers).
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int `json:"expires_in,omitempty"`
	// Expiry is when the access token expires.
	Expiry time.Time `json:"-"`
}

// Login authenticates a password login (Authenticate) and issues a pair of
// tokens for a new session.
func (a *Authenticator) Login(ctx context.Context, login, password string, opts LoginOptions) (*Tokens, error) {
	u, err := a.Authenticate(ctx, login, password, opts)
	if err != nil {
		return nil, err
	}
	return a.IssueTokens(ctx, u.Name)
}

// IssueTokens starts a session for user and returns its access and refresh
// tokens, without checking a password: for a host that authenticated the
// user another way. Unless Options.MultipleLogin, the user's other login
// sessions end.
func (a *Authenticator) IssueTokens(ctx context.Context, user string) (*Tokens, error) {
	u, err := a.enabledUser(ctx, user)
	if err != nil {
		return nil, err
	}
	if !a.o.MultipleLogin {
		if err := a.deleteSessions(ctx, user, SessionLogin); err != nil {
			return nil, err
		}
	}
	ks, err := a.o.Keys.KeySet(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	refreshExpiry := now.Add(a.o.AccessTokenMaxAge + a.o.AccessTokenInactivityTimeout)
	sid, err := a.createSession(ctx, u.Name, SessionLogin, refreshExpiry)
	if err != nil {
		return nil, err
	}
	access, err := ks.sign(a.claims(u, sid, AccessToken, a.o.Audience, now, now.Add(a.o.AccessTokenMaxAge)))
	if err != nil {
		return nil, err
	}
	refresh, err := ks.sign(a.claims(u, sid, RefreshToken, a.o.Audience, now, refreshExpiry))
	if err != nil {
		return nil, err
	}
	return &Tokens{
		AccessToken:  access,
		TokenType:    "Bearer",
		RefreshToken: refresh,
		ExpiresIn:    int(a.o.AccessTokenMaxAge / time.Second),
		Expiry:       now.Add(a.o.AccessTokenMaxAge),
	}, nil
}

// enabledUser reads user (from the cache, else the API server) for minting
// its credentials: a *NotFoundError if it does not exist,
// ErrAccountDisabled if it is disabled.
func (a *Authenticator) enabledUser(ctx context.Context, user string) (*iamv1beta1.User, error) {
	u := &iamv1beta1.User{}
	if err := a.get(ctx, client.ObjectKey{Name: user}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{Field: "user", Kind: "User", Name: user, Err: err}
		}
		return nil, fmt.Errorf("get user %q: %w", user, err)
	}
	if u.Status.State == iamv1beta1.UserDisabled {
		return nil, ErrAccountDisabled
	}
	return u, nil
}

func (a *Authenticator) claims(u *iamv1beta1.User, sid string, typ TokenType, aud string, now, exp time.Time) *Claims {
	return &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    a.o.Issuer,
			Subject:   u.Name,
			Audience:  jwt.ClaimStrings{aud},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        newID(),
		},
		TokenType: typ,
		Username:  u.Name,
		Groups:    u.Spec.Groups,
		Email:     u.Spec.Email,
		SessionID: sid,
	}
}

// createSession records a new session of user and returns its ID.
func (a *Authenticator) createSession(ctx context.Context, user, kind string, expires time.Time) (string, error) {
	sid := newID()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   a.o.SessionNamespace,
			Name:        sessionName(sid),
			Labels:      map[string]string{iamv1beta1.UserReferenceLabel: user, SessionKindLabel: kind},
			Annotations: map[string]string{SessionExpiresAnnotation: expires.UTC().Format(time.RFC3339)},
		},
		Type: SessionSecretType,
	}
	if err := a.c.Create(ctx, s); err != nil {
		return "", fmt.Errorf("record session of %q: %w", user, err)
	}
	return sid, nil
}

// deleteSessions ends user's sessions of kind (every kind if empty).
func (a *Authenticator) deleteSessions(ctx context.Context, user, kind string) error {
	labels := client.MatchingLabels{iamv1beta1.UserReferenceLabel: user}
	if kind != "" {
		labels[SessionKindLabel] = kind
	}
	err := a.c.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(a.o.SessionNamespace), labels,
		client.MatchingFields{"type": string(SessionSecretType)})
	if err != nil {
		return fmt.Errorf("end sessions of %q: %w", user, err)
	}
	return nil
}

// Refresh exchanges a refresh token for a new pair. The old session ends,
// so a refresh token works once: a second use (a stolen copy) is refused,
// and so are the old session's access tokens. A disabled user gets
// ErrAccountDisabled.
func (a *Authenticator) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	c, err := a.verifyClaims(ctx, refreshToken, RefreshToken)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.Audience, a.o.Audience) {
		return nil, &TokenError{Reason: "not a login session's token"}
	}
	// The session is read from the API server, not a cache, and deleted
	// on the UID read: of two concurrent refreshes one wins.
	sess := &corev1.Secret{}
	key := client.ObjectKey{Namespace: a.o.SessionNamespace, Name: sessionName(c.SessionID)}
	if err := a.c.Get(ctx, key, sess); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &TokenError{Reason: "revoked"}
		}
		return nil, fmt.Errorf("get session: %w", err)
	}
	if sess.Labels[iamv1beta1.UserReferenceLabel] != c.Subject || sess.Type != SessionSecretType {
		return nil, &TokenError{Reason: "the session is not the token's"}
	}
	if err := a.c.Delete(ctx, sess, client.Preconditions{UID: &sess.UID}); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil, &TokenError{Reason: "revoked"}
		}
		return nil, fmt.Errorf("end session: %w", err)
	}
	return a.IssueTokens(ctx, c.Subject)
}

// Revoke ends the session of token (an access or a refresh token), as
// KubeSphere's logout does: every token of that session stops working. An
// expired token can be revoked; one not signed by the issuer cannot.
func (a *Authenticator) Revoke(ctx context.Context, token string) error {
	ks, err := a.o.Keys.KeySet(ctx)
	if err != nil {
		return err
	}
	c, err := ks.parse(token)
	if err != nil {
		return err
	}
	if c.Issuer != a.o.Issuer || c.SessionID == "" {
		return &TokenError{Reason: "not issued by this issuer"}
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: a.o.SessionNamespace, Name: sessionName(c.SessionID)}}
	if err := a.c.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// RevokeAll ends every session of user, kubeconfig sessions included.
// kube-apiserver verifies kubeconfig tokens by signature alone, so it
// accepts them until they expire (KubeconfigOptions.TTL).
func (a *Authenticator) RevokeAll(ctx context.Context, user string) error {
	return a.deleteSessions(ctx, user, "")
}

// PruneSessions deletes the sessions whose tokens have all expired and
// returns how many. Run it periodically; a session left behind costs only
// its Secret, since its tokens have expired.
func (a *Authenticator) PruneSessions(ctx context.Context) (int, error) {
	var list corev1.SecretList
	if err := a.c.List(ctx, &list, client.InNamespace(a.o.SessionNamespace), client.HasLabels{SessionKindLabel}); err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	now := a.now()
	n := 0
	for i := range list.Items {
		s := &list.Items[i]
		exp, err := time.Parse(time.RFC3339, s.Annotations[SessionExpiresAnnotation])
		if s.Type != SessionSecretType || (err == nil && now.Before(exp.Add(a.o.MaximumClockSkew))) {
			continue
		}
		if err := a.c.Delete(ctx, s, client.Preconditions{UID: &s.UID}); err != nil && !apierrors.IsNotFound(err) {
			return n, fmt.Errorf("delete session %s: %w", s.Name, err)
		}
		n++
	}
	return n, nil
}
