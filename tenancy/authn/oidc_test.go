package authn

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// browser is an HTTP client for the issuer that keeps cookies and does not
// follow redirects, so a test sees each step of a login.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := *issuer.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// startLogin asks the issuer to start a login through Gitea and returns
// where it sends the browser.
func startLogin(t *testing.T, b *http.Client) string {
	t.Helper()
	resp, err := b.Get(issuer.URL + "/oauth/login/gitea")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, oidcServer.URL()), loc)
	return loc
}

func getJSON(t *testing.T, b *http.Client, u string) (int, map[string]any) {
	t.Helper()
	resp, err := b.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

// TestOIDCLoginThroughGitea logs a person in through a real OpenID Connect
// provider with the authorization-code flow, and tries the ways a callback
// can be forged or replayed.
func TestOIDCLoginThroughGitea(t *testing.T) {
	ctx := t.Context()
	suffix := newID()[:6]
	person, pw := "Oidc-"+suffix, "Gitea-passw0rd"
	require.NoError(t, oidcServer.CreateUser(ctx, person, person+"@gitea.test", pw))
	org := "corp-" + suffix
	require.NoError(t, oidcServer.CreateOrg(ctx, org))
	team, err := oidcServer.CreateTeam(ctx, org, "devs")
	require.NoError(t, err)
	require.NoError(t, oidcServer.AddTeamMember(ctx, team, person))

	b := browser(t)
	cb, err := oidcServer.AuthorizeCode(ctx, person, pw, startLogin(t, b))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(cb.String(), issuer.URL+"/oauth/callback/gitea?"), cb.String())

	status, body := getJSON(t, b, cb.String())
	require.Equal(t, http.StatusOK, status, "%v", body)
	u, err := auth.Verify(ctx, body["access_token"].(string))
	require.NoError(t, err)
	name := strings.ToLower(person)
	assert.Equal(t, name, u.Name, "auto mapping names the user after preferred_username, lower-cased")
	user := mustUser(t, name)
	assert.NotEmpty(t, user.Annotations[IdentityProviderAnnotationPrefix+"gitea"], "mapped by the provider's subject")
	assert.Equal(t, person+"@gitea.test", user.Spec.Email)
	recs := loginRecords(t, name)
	require.Len(t, recs, 1)
	assert.Equal(t, iamv1beta1.LoginOAuth, recs[0].Spec.Type)
	assert.Equal(t, "gitea", recs[0].Spec.Provider)

	t.Run("replayed callback", func(t *testing.T) {
		status, body := getJSON(t, b, cb.String())
		assert.Equal(t, http.StatusBadRequest, status, "%v", body)
	})
	t.Run("state that is not the login's", func(t *testing.T) {
		b := browser(t)
		cb, err := oidcServer.AuthorizeCode(ctx, person, pw, startLogin(t, b))
		require.NoError(t, err)
		q := cb.Query()
		q.Set("state", newID())
		cb.RawQuery = q.Encode()
		status, body := getJSON(t, b, cb.String())
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "invalid_request", body["error"])
	})
	t.Run("callback without the login's cookie", func(t *testing.T) {
		b := browser(t)
		cb, err := oidcServer.AuthorizeCode(ctx, person, pw, startLogin(t, b))
		require.NoError(t, err)
		status, body := getJSON(t, browser(t), cb.String())
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "invalid_request", body["error"])
	})
	t.Run("the cookie of another login", func(t *testing.T) {
		b := browser(t)
		first := startLogin(t, b)
		_ = startLogin(t, b) // replaces the cookie
		cb, err := oidcServer.AuthorizeCode(ctx, person, pw, first)
		require.NoError(t, err)
		status, _ := getJSON(t, b, cb.String())
		assert.Equal(t, http.StatusBadRequest, status)
	})
	t.Run("forged code", func(t *testing.T) {
		b := browser(t)
		cb, err := oidcServer.AuthorizeCode(ctx, person, pw, startLogin(t, b))
		require.NoError(t, err)
		q := cb.Query()
		q.Set("code", "forged")
		cb.RawQuery = q.Encode()
		status, body := getJSON(t, b, cb.String())
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "invalid_grant", body["error"])
	})
	t.Run("unknown provider", func(t *testing.T) {
		status, _ := getJSON(t, browser(t), issuer.URL+"/oauth/login/"+url.PathEscape("nope"))
		assert.Equal(t, http.StatusNotFound, status)
	})
}

// TestOIDCGroupsClaimSync: with GroupsWorkspace, each login puts the user
// in the workspace's Groups named by the ID token's groups claim (Gitea
// claims the organization and "organization:team") and takes them out of
// the provider's other Groups there.
func TestOIDCGroupsClaimSync(t *testing.T) {
	ctx := t.Context()
	suffix := newID()[:6]
	ws := "oidc-" + suffix
	_, err := tc.CreateWorkspace(ctx, ws, tenancy.CreateWorkspaceOptions{})
	require.NoError(t, err)
	_, err = tc.WaitForWorkspace(ctx, ws)
	require.NoError(t, err)

	// An Authenticator of its own, served at its own URL, registered at
	// Gitea as another client.
	var h atomic.Pointer[http.Handler]
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) }))
	defer srv.Close()
	id, secret, err := oidcServer.CreateOAuth2App(ctx, "groups-"+suffix, []string{srv.URL + "/oauth/callback/gitea-groups"}, true)
	require.NoError(t, err)
	a, err := New(env.Client, Options{Issuer: srv.URL, Keys: StaticKeys(keys), Cache: env.Manager.GetCache(), BcryptCost: testBcryptCost,
		Providers: []IdentityProvider{&OIDCProvider{
			ProviderName: "gitea-groups", Issuer: oidcServer.URL(), ClientID: id, ClientSecret: secret,
			RedirectURL: srv.URL + "/oauth/callback/gitea-groups", Scopes: []string{"profile", "email", "groups"}, GroupsWorkspace: ws,
		}}})
	require.NoError(t, err)
	handler := a.Handler()
	h.Store(&handler)

	person, pw := "grp-"+suffix, "Gitea-passw0rd"
	require.NoError(t, oidcServer.CreateUser(ctx, person, person+"@gitea.test", pw))
	org := "org-" + suffix
	require.NoError(t, oidcServer.CreateOrg(ctx, org))
	team, err := oidcServer.CreateTeam(ctx, org, "Devs")
	require.NoError(t, err)
	require.NoError(t, oidcServer.AddTeamMember(ctx, team, person))

	login := func() {
		t.Helper()
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		b := *srv.Client()
		b.Jar = jar
		b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := b.Get(srv.URL + "/oauth/login/gitea-groups")
		require.NoError(t, err)
		_ = resp.Body.Close()
		cb, err := oidcServer.AuthorizeCode(ctx, person, pw, resp.Header.Get("Location"))
		require.NoError(t, err)
		status, body := getJSON(t, &b, cb.String())
		require.Equal(t, http.StatusOK, status, "%v", body)
	}
	login()
	orgGroup, teamGroup := SyncedGroupName(ws, org), SyncedGroupName(ws, org+":devs")
	for _, g := range []string{orgGroup, teamGroup} {
		members, err := tc.ListGroupMembers(ctx, g)
		require.NoError(t, err, g)
		assert.Equal(t, []string{person}, members, g)
	}

	// A Group of the provider the claim no longer names: left at the next
	// login. A Group of the workspace not synchronized: kept.
	stale := ws + "-stale"
	require.NoError(t, a.ensureSyncedGroup(ctx, tc, "gitea-groups", ws, stale, "gone"))
	local := ws + "-local"
	_, err = tc.CreateGroup(ctx, ws, local, tenancy.CreateGroupOptions{})
	require.NoError(t, err)
	require.NoError(t, tc.AddGroupMembers(ctx, stale, person))
	require.NoError(t, tc.AddGroupMembers(ctx, local, person))
	login()
	members, err := tc.ListGroupMembers(ctx, stale)
	require.NoError(t, err)
	assert.Empty(t, members)
	members, err = tc.ListGroupMembers(ctx, local)
	require.NoError(t, err)
	assert.Equal(t, []string{person}, members)
	members, err = tc.ListGroupMembers(ctx, teamGroup)
	require.NoError(t, err)
	assert.Equal(t, []string{person}, members)
}
