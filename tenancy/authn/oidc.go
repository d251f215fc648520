package authn

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-logr/logr"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// OIDCProvider is an OpenID Connect provider people log in through with
// the authorization-code flow: Handler's /oauth/login/{provider} sends the
// browser to the provider, whose answer comes back to
// /oauth/callback/{provider} (KubeSphere's callback path), where the code is
// exchanged, the ID token verified (signature, issuer, audience, expiry and
// the nonce of this login), the identity mapped to a user (MappingMethod)
// and a session started.
type OIDCProvider struct {
	// ProviderName names the provider (Name); Mapping is its mapping method
	// (empty: MappingAuto).
	ProviderName string
	Mapping      MappingMethod

	// Issuer is the provider's issuer URL; its discovery document is read
	// on first use. ClientID and ClientSecret are this portal's client at
	// the provider, whose redirect URI must be RedirectURL (normally
	// Options.Issuer + "/oauth/callback/" + ProviderName).
	Issuer, ClientID, ClientSecret, RedirectURL string
	// Scopes requested besides "openid"; empty means profile and email.
	Scopes []string
	// UsernameClaim names the claim that is the identity's username (empty:
	// preferred_username, else the subject); GroupsClaim the claim listing
	// its groups (empty: groups).
	UsernameClaim, GroupsClaim string
	// HTTPClient talks to the provider (nil: http.DefaultClient).
	HTTPClient *http.Client
	// GroupsWorkspace, when set, makes every login synchronize the
	// person's groups claim into that workspace's Groups: a Group per
	// claimed group (SyncedGroupName, labelled SyncedFromLabel), the user a
	// member of those and of no other Group synchronized from this
	// provider there. The workspace must exist.
	GroupsWorkspace string

	once     sync.Mutex
	provider *oidc.Provider
}

var _ IdentityProvider = (*OIDCProvider)(nil)

// Name implements IdentityProvider.
func (p *OIDCProvider) Name() string { return p.ProviderName }

// MappingMethod implements IdentityProvider.
func (p *OIDCProvider) MappingMethod() MappingMethod {
	if p.Mapping == "" {
		return MappingAuto
	}
	return p.Mapping
}

func (p *OIDCProvider) ctx(ctx context.Context) context.Context {
	if p.HTTPClient != nil {
		return oidc.ClientContext(ctx, p.HTTPClient)
	}
	return ctx
}

// discover reads the provider's discovery document once it succeeds.
func (p *OIDCProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.once.Lock()
	defer p.once.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	pr, err := oidc.NewProvider(p.ctx(ctx), p.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OIDC provider %q: %w", p.ProviderName, err)
	}
	p.provider = pr
	return pr, nil
}

func (p *OIDCProvider) config(pr *oidc.Provider) *oauth2.Config {
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = []string{"profile", "email"}
	}
	return &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret, RedirectURL: p.RedirectURL,
		Endpoint: pr.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, scopes...),
	}
}

// loginStateCookie carries a login's state and nonce from
// /oauth/login/{provider} to the callback, as a token this issuer signed
// (so any replica can check it), lasting loginStateTTL.
const (
	loginStateCookie = "spherekit-oidc-state"
	loginStateTTL    = 10 * time.Minute
	loginStateType   = TokenType("oidc_login_state")
)

type loginState struct {
	jwt.RegisteredClaims
	TokenType TokenType `json:"token_type"`
	Provider  string    `json:"provider"`
	State     string    `json:"state"`
	Nonce     string    `json:"nonce"`
}

func (a *Authenticator) oidcProvider(name string) (*OIDCProvider, bool) {
	p, ok := a.providers[name].(*OIDCProvider)
	return p, ok
}

// serveOIDCLogin starts a login through an OIDC provider: a state and a
// nonce in a signed cookie, and a redirect to the provider.
func (a *Authenticator) serveOIDCLogin(w http.ResponseWriter, r *http.Request) {
	p, ok := a.oidcProvider(r.PathValue("provider"))
	if !ok {
		writeJSON(w, http.StatusNotFound, oauthError{"invalid_request", "Unknown identity provider."})
		return
	}
	pr, err := p.discover(r.Context())
	if err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "OIDC discovery failed")
		writeJSON(w, http.StatusBadGateway, oauthError{"temporarily_unavailable", "The identity provider is unavailable."})
		return
	}
	ks, err := a.o.Keys.KeySet(r.Context())
	if err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "key set unavailable")
		writeJSON(w, http.StatusServiceUnavailable, oauthError{"server_error", "The key set is unavailable."})
		return
	}
	now := a.now()
	st := &loginState{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: a.o.Issuer, ExpiresAt: jwt.NewNumericDate(now.Add(loginStateTTL)), IssuedAt: jwt.NewNumericDate(now)},
		TokenType:        loginStateType, Provider: p.ProviderName, State: newID(), Nonce: newID(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, st)
	t.Header["kid"] = ks.signing.ID
	cookie, err := t.SignedString(ks.signing.PrivateKey)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "An internal server error occurred while processing the request."})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: loginStateCookie, Value: cookie, Path: "/oauth/callback/" + p.ProviderName,
		MaxAge: int(loginStateTTL / time.Second), HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, p.config(pr).AuthCodeURL(st.State, oidc.Nonce(st.Nonce)), http.StatusFound)
}

// errLoginState is a callback whose state does not match its login.
var errLoginState = errors.New("the login state is missing, expired or does not match")

// serveOIDCCallback completes a login: state checked against the cookie,
// code exchanged, ID token and nonce verified, identity mapped, session
// started; the answer is the token endpoint's JSON.
func (a *Authenticator) serveOIDCCallback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	p, ok := a.oidcProvider(name)
	if !ok {
		writeJSON(w, http.StatusNotFound, oauthError{"invalid_request", "Unknown identity provider."})
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		writeJSON(w, http.StatusBadRequest, oauthError{"access_denied", "The identity provider refused: " + e})
		return
	}
	u, err := a.completeOIDCLogin(r, p)
	var reg *RegistrationRequiredError
	switch {
	case err == nil:
	case errors.Is(err, errLoginState):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "The login state is missing, expired or does not match."})
		return
	case errors.Is(err, ErrInvalidCredentials):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "The identity provider's answer does not verify."})
		return
	case errors.Is(err, ErrAccountDisabled):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "Account suspended."})
		return
	case errors.Is(err, ErrNotMapped), errors.As(err, &reg):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "Authenticated user does not exist."})
		return
	default:
		logr.FromContextOrDiscard(r.Context()).Error(err, "OIDC login failed")
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "An internal server error occurred while processing the request."})
		return
	}
	tokens, err := a.IssueTokens(r.Context(), u.Name)
	if err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "issue tokens")
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "An internal server error occurred while processing the request."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginStateCookie, Path: "/oauth/callback/" + p.ProviderName, MaxAge: -1, HttpOnly: true, Secure: true})
	writeJSON(w, http.StatusOK, tokens)
}

func (a *Authenticator) completeOIDCLogin(r *http.Request, p *OIDCProvider) (*iamv1beta1.User, error) {
	ctx := r.Context()
	c, err := r.Cookie(loginStateCookie)
	if err != nil {
		return nil, errLoginState
	}
	ks, err := a.o.Keys.KeySet(ctx)
	if err != nil {
		return nil, err
	}
	st := &loginState{}
	if _, err := parser.ParseWithClaims(c.Value, st, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := ks.verify[kid]; ok {
			return key, nil
		}
		return nil, errLoginState
	}); err != nil {
		return nil, errLoginState
	}
	now := a.now()
	if st.TokenType != loginStateType || st.Issuer != a.o.Issuer || st.Provider != p.ProviderName || st.ExpiresAt == nil || now.After(st.ExpiresAt.Time) ||
		subtle.ConstantTimeCompare([]byte(st.State), []byte(r.URL.Query().Get("state"))) != 1 {
		return nil, errLoginState
	}
	pr, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := p.config(pr).Exchange(p.ctx(ctx), r.URL.Query().Get("code"))
	if err != nil {
		return nil, fmt.Errorf("%w: exchange the code: %w", ErrInvalidCredentials, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: no id_token in the answer", ErrInvalidCredentials)
	}
	idt, err := pr.Verifier(&oidc.Config{ClientID: p.ClientID, Now: a.now}).Verify(p.ctx(ctx), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return nil, fmt.Errorf("%w: the nonce is not this login's", ErrInvalidCredentials)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	id := Identity{UID: idt.Subject, Username: stringClaim(claims, or(p.UsernameClaim, "preferred_username")), Email: stringClaim(claims, "email"), DisplayName: stringClaim(claims, "name")}
	if id.Username == "" {
		id.Username = idt.Subject
	}
	if gs, ok := claims[or(p.GroupsClaim, "groups")].([]any); ok {
		for _, g := range gs {
			if s, ok := g.(string); ok {
				id.Groups = append(id.Groups, s)
			}
		}
		slices.Sort(id.Groups)
	}
	u, err := a.mapIdentity(ctx, p, id)
	if err != nil {
		return nil, err
	}
	opts := LoginOptions{SourceIP: sourceIP(r), UserAgent: r.UserAgent(), Provider: p.ProviderName}
	if u.Status.State == iamv1beta1.UserDisabled {
		if err := a.record(ctx, u.Name, iamv1beta1.LoginOAuth, false, "account suspended", opts); err != nil {
			return nil, err
		}
		return nil, ErrAccountDisabled
	}
	if p.GroupsWorkspace != "" {
		if err := a.syncUserGroups(ctx, p.ProviderName, p.GroupsWorkspace, u.Name, id.Groups); err != nil {
			return nil, err
		}
	}
	if err := a.record(ctx, u.Name, iamv1beta1.LoginOAuth, true, "", opts); err != nil {
		return nil, err
	}
	return u, nil
}

func stringClaim(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}
