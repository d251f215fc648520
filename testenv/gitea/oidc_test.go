package gitea_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/spherekit/spherekit/testenv/gitea"
)

// callback is a redirect URI nothing listens on: AuthorizeCode returns the
// redirect to it without following it.
const callback = "http://127.0.0.1:1/oidc/callback"

func TestServerAnswers(t *testing.T) {
	var v struct{ Version string }
	getJSON(t, srv.URL()+"/api/v1/version", &v)
	assert.Equal(t, gitea.Version, v.Version)

	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/user", nil)
	require.NoError(t, err)
	req.SetBasicAuth(srv.AdminUser(), srv.AdminPassword())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var me struct {
		Login   string `json:"login"`
		IsAdmin bool   `json:"is_admin"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, gitea.DefaultAdminUser, me.Login)
	assert.True(t, me.IsAdmin)
}

func TestDiscovery(t *testing.T) {
	var doc struct {
		Issuer                string   `json:"issuer"`
		AuthorizationEndpoint string   `json:"authorization_endpoint"`
		TokenEndpoint         string   `json:"token_endpoint"`
		JWKSURI               string   `json:"jwks_uri"`
		SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
		Scopes                []string `json:"scopes_supported"`
	}
	getJSON(t, srv.URL()+"/.well-known/openid-configuration", &doc)
	assert.Equal(t, srv.URL(), doc.Issuer, "the issuer is URL()")
	assert.Equal(t, srv.URL()+"/login/oauth/authorize", doc.AuthorizationEndpoint)
	assert.Equal(t, srv.URL()+"/login/oauth/access_token", doc.TokenEndpoint)
	assert.Equal(t, srv.URL()+"/login/oauth/keys", doc.JWKSURI)
	assert.Equal(t, []string{"RS256"}, doc.SigningAlgs)
	assert.Contains(t, doc.Scopes, "groups")

	var jwks struct {
		Keys []struct {
			Kty, Alg, Use, Kid, N, E string
		} `json:"keys"`
	}
	getJSON(t, doc.JWKSURI, &jwks)
	require.Len(t, jwks.Keys, 1)
	k := jwks.Keys[0]
	assert.Equal(t, "RSA", k.Kty)
	assert.Equal(t, "RS256", k.Alg)
	assert.Equal(t, "sig", k.Use)
	assert.NotEmpty(t, k.Kid)
	assert.NotEmpty(t, k.N)
}

// idClaims are the id_token claims the tests check.
type idClaims struct {
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Groups            []string `json:"groups"`
	Nonce             string   `json:"nonce"`
}

// TestAuthorizationCodeLogin does a whole OpenID Connect login against
// Gitea: register a client, let a user authorize it, exchange the code at
// the token endpoint with a plain form POST, and verify the id_token's
// signature against the JWKS and its claims, groups included.
func TestAuthorizationCodeLogin(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, srv.CreateUser(ctx, "alice", "alice@example.com", "alice-password"))
	require.NoError(t, srv.CreateOrg(ctx, "platform"))
	team, err := srv.CreateTeam(ctx, "platform", "Operators")
	require.NoError(t, err)
	require.NoError(t, srv.AddTeamMember(ctx, team, "alice"))

	provider, err := oidc.NewProvider(ctx, srv.URL())
	require.NoError(t, err, "go-oidc accepts the discovery document")

	clientID, secret, err := srv.CreateOAuth2App(ctx, "console", []string{callback}, true)
	require.NoError(t, err)
	require.NotEmpty(t, clientID)
	require.NotEmpty(t, secret)
	conf := oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: callback, Endpoint: provider.Endpoint(),
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", "groups"},
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: clientID})

	// The first login asks alice to grant the client access; the second,
	// for a confidential client she has granted, redirects at once.
	for i, nonce := range []string{"nonce-first", "nonce-second"} {
		state := "state-" + nonce
		cb, err := srv.AuthorizeCode(ctx, "alice", "alice-password", conf.AuthCodeURL(state, oidc.Nonce(nonce)))
		require.NoError(t, err, "login %d", i)
		assert.Equal(t, "/oidc/callback", cb.Path)
		assert.Equal(t, state, cb.Query().Get("state"))
		code := cb.Query().Get("code")
		require.NotEmpty(t, code, "login %d: %s", i, cb)

		tok := exchange(t, conf.Endpoint.TokenURL, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback},
			"client_id": {clientID}, "client_secret": {secret},
		})
		idToken, err := verifier.Verify(ctx, tok.IDToken)
		require.NoError(t, err, "the id_token's RS256 signature verifies against the JWKS")
		assert.Equal(t, srv.URL(), idToken.Issuer)
		var c idClaims
		require.NoError(t, idToken.Claims(&c))
		assert.Equal(t, "alice", c.Name)
		assert.Equal(t, "alice", c.PreferredUsername)
		assert.Equal(t, "alice@example.com", c.Email)
		assert.True(t, c.EmailVerified)
		assert.Equal(t, nonce, c.Nonce)
		assert.ElementsMatch(t, []string{"platform", "platform:operators"}, c.Groups, "org and org:team, team in lower case")
		assert.NotEmpty(t, tok.AccessToken)
	}

	// Without the groups scope there is no groups claim.
	plainID, plainSecret, err := srv.CreateOAuth2App(ctx, "no-groups", []string{callback}, true)
	require.NoError(t, err)
	plain := conf
	plain.ClientID, plain.ClientSecret = plainID, plainSecret
	plain.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	cb, err := srv.AuthorizeCode(ctx, "alice", "alice-password", plain.AuthCodeURL("s", oidc.Nonce("n")))
	require.NoError(t, err)
	tok := exchange(t, conf.Endpoint.TokenURL, url.Values{
		"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {callback},
		"client_id": {plainID}, "client_secret": {plainSecret},
	})
	idToken, err := provider.Verifier(&oidc.Config{ClientID: plainID}).Verify(ctx, tok.IDToken)
	require.NoError(t, err)
	var c idClaims
	require.NoError(t, idToken.Claims(&c))
	assert.Equal(t, "alice@example.com", c.Email)
	assert.Nil(t, c.Groups)
}

// TestPublicClientWithPKCE logs in through a public client, which Gitea
// asks the user to authorize every time and which proves itself with PKCE
// instead of a secret.
func TestPublicClientWithPKCE(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, srv.CreateUser(ctx, "bob", "bob@example.com", "bob-password"))
	clientID, _, err := srv.CreateOAuth2App(ctx, "cli", []string{callback}, false)
	require.NoError(t, err)
	provider, err := oidc.NewProvider(ctx, srv.URL())
	require.NoError(t, err)
	conf := oauth2.Config{ClientID: clientID, RedirectURL: callback, Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email"}}
	for i := range 2 {
		pkce := oauth2.GenerateVerifier()
		cb, err := srv.AuthorizeCode(ctx, "bob", "bob-password", conf.AuthCodeURL("st", oauth2.S256ChallengeOption(pkce)))
		require.NoError(t, err, "login %d", i)
		tok := exchange(t, conf.Endpoint.TokenURL, url.Values{
			"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")}, "redirect_uri": {callback},
			"client_id": {clientID}, "code_verifier": {pkce},
		})
		idToken, err := provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(ctx, tok.IDToken)
		require.NoError(t, err)
		var c idClaims
		require.NoError(t, idToken.Claims(&c))
		assert.Equal(t, "bob@example.com", c.Email)
	}
}

func TestAuthorizeCodeWrongPassword(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, srv.CreateUser(ctx, "carol", "carol@example.com", "carol-password"))
	clientID, secret, err := srv.CreateOAuth2App(ctx, "wrong-password", []string{callback}, true)
	require.NoError(t, err)
	conf := oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: callback,
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/login/oauth/authorize"}, Scopes: []string{oidc.ScopeOpenID}}
	cb, err := srv.AuthorizeCode(ctx, "carol", "not-her-password", conf.AuthCodeURL("st"))
	require.ErrorIs(t, err, gitea.ErrSignIn)
	t.Log(err)
	assert.Nil(t, cb)
	assert.Contains(t, err.Error(), `"carol"`)
	assert.Contains(t, err.Error(), "Username or password is incorrect", "Gitea's own message")

	_, err = srv.AuthorizeCode(ctx, "nobody", "carol-password", conf.AuthCodeURL("st"))
	assert.ErrorIs(t, err, gitea.ErrSignIn, "an unknown user too")
}

func TestAuthorizeCodeUnregisteredRedirect(t *testing.T) {
	ctx := context.Background()
	clientID, secret, err := srv.CreateOAuth2App(ctx, "unregistered-redirect", []string{callback}, true)
	require.NoError(t, err)
	conf := oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: "http://127.0.0.1:1/elsewhere",
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/login/oauth/authorize"}, Scopes: []string{oidc.ScopeOpenID}}
	_, err = srv.AuthorizeCode(ctx, srv.AdminUser(), srv.AdminPassword(), conf.AuthCodeURL("st"))
	require.Error(t, err, "Gitea does not redirect to a URI the client did not register")
	t.Log(err)
	assert.NotErrorIs(t, err, gitea.ErrSignIn)
	assert.Contains(t, err.Error(), "Unregistered Redirect URI", "Gitea's message")
}

func TestAPIErrors(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, srv.CreateOrg(ctx, "twice"))
	err := srv.CreateOrg(ctx, "twice")
	var apiErr *gitea.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnprocessableEntity, apiErr.StatusCode)
	assert.Contains(t, err.Error(), `create organization "twice"`)

	err = srv.AddTeamMember(ctx, 999999, gitea.DefaultAdminUser)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
}

// token is the token endpoint's answer.
type token struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
}

// exchange posts form to the token endpoint, as RFC 6749 section 4.1.3 says.
func exchange(t *testing.T, tokenURL string, form url.Values) token {
	t.Helper()
	resp, err := http.Post(tokenURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var tok token
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, tok.IDToken, "an id_token for the openid scope")
	assert.Equal(t, "bearer", strings.ToLower(tok.TokenType))
	return tok
}

func getJSON(t *testing.T, u string, out any) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode, u)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out), u)
}
