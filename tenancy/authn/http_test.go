package authn

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postToken posts form to the issuer's token endpoint and decodes the answer.
func postToken(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := issuer.Client().PostForm(issuer.URL+PathToken, form)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestTokenEndpoint(t *testing.T) {
	ivy := newUser(t, password)
	disabled := newUser(t, password)
	require.NoError(t, tc.DisableUser(t.Context(), disabled))
	waitState(t, disabled, "Disabled")
	client := url.Values{"client_id": {"kubesphere"}, "client_secret": {"kubesphere"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range client {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name       string
		form       url.Values
		status     int
		errCode    string
		errDescrip string
	}{
		{"password grant", with("grant_type", "password", "username", ivy, "password", password), 200, "", ""},
		{"wrong password", with("grant_type", "password", "username", ivy, "password", "Wrong-passw0rd"), 400, "invalid_grant", "Invalid username or password."},
		{"unknown user", with("grant_type", "password", "username", "nobody", "password", password), 400, "invalid_grant", "Invalid username or password."},
		{"disabled user", with("grant_type", "password", "username", disabled, "password", password), 400, "invalid_grant", "Account suspended."},
		{"unsupported grant", with("grant_type", "client_credentials"), 400, "unsupported_grant_type", "The provided grant_type is not supported."},
		{"unknown client", url.Values{"grant_type": {"password"}, "client_id": {"x"}, "client_secret": {"y"}}, 400, "invalid_client", ""},
		{"wrong client secret", url.Values{"grant_type": {"password"}, "client_id": {"kubesphere"}, "client_secret": {"y"}}, 401, "unauthorized_client", "Invalid client credential."},
		{"bad refresh token", with("grant_type", "refresh_token", "refresh_token", "x.y.z"), 400, "invalid_grant", "The refresh token is invalid or expired."},
		{"unknown provider", with("grant_type", "password", "username", ivy, "password", password, "provider", "nope"), 400, "invalid_request", ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postToken(t, tt.form)
			assert.Equal(t, tt.status, status, "%v", body)
			if tt.errCode == "" {
				assert.NotEmpty(t, body["access_token"])
				assert.NotEmpty(t, body["refresh_token"])
				assert.Equal(t, "Bearer", body["token_type"])
				assert.EqualValues(t, 7200, body["expires_in"])
				return
			}
			assert.Equal(t, tt.errCode, body["error"])
			if tt.errDescrip != "" {
				assert.Equal(t, tt.errDescrip, body["error_description"])
			}
		})
	}

	t.Run("refresh grant, then userinfo and logout", func(t *testing.T) {
		_, first := postToken(t, with("grant_type", "password", "username", ivy, "password", password))
		status, second := postToken(t, with("grant_type", "refresh_token", "refresh_token", first["refresh_token"].(string)))
		require.Equal(t, 200, status, "%v", second)
		access := second["access_token"].(string)

		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, issuer.URL+PathUserInfo, nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, err := issuer.Client().Do(req)
		require.NoError(t, err)
		var info map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&info))
		_ = resp.Body.Close()
		assert.Equal(t, ivy, info["sub"])
		assert.Equal(t, ivy+"@Example.test", info["email"])

		req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, issuer.URL+PathLogout, nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, err = issuer.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		eventuallyRefused(t, access)
	})
	t.Run("client credentials by basic auth", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, issuer.URL+PathToken,
			strings.NewReader(url.Values{"grant_type": {"password"}, "username": {ivy}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("kubesphere", "kubesphere")
		resp, err := issuer.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
	})
}

// TestDiscoveryWithAnOIDCClient checks the discovery document and the key
// set with an independent OIDC library (coreos/go-oidc, which
// kube-apiserver's JWT authenticator also uses): it verifies a spherekit
// token from the published keys alone.
func TestDiscoveryWithAnOIDCClient(t *testing.T) {
	jack := newUser(t, password)
	tok, err := auth.Login(t.Context(), jack, password, LoginOptions{})
	require.NoError(t, err)
	ctx := oidc.ClientContext(t.Context(), issuer.Client())
	p, err := oidc.NewProvider(ctx, issuer.URL)
	require.NoError(t, err)
	var claims struct {
		TokenEndpoint string `json:"token_endpoint"`
		JWKS          string `json:"jwks_uri"`
	}
	require.NoError(t, p.Claims(&claims))
	assert.Equal(t, issuer.URL+PathToken, claims.TokenEndpoint)
	idt, err := p.Verifier(&oidc.Config{ClientID: DefaultAudience}).Verify(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, jack, idt.Subject)
	_, err = p.Verifier(&oidc.Config{ClientID: "someone-else"}).Verify(ctx, tok.AccessToken)
	require.Error(t, err, "the audience is checked")
}

func TestMiddleware(t *testing.T) {
	kim := newUser(t, password)
	tok, err := auth.Login(t.Context(), kim, password, LoginOptions{})
	require.NoError(t, err)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := Caller(r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, _ = io.WriteString(w, u.Name+" "+strings.Join(u.Groups, ","))
	})
	h := auth.Middleware(inner)
	basic := *auth
	basic.o.BasicAuth = true
	hBasic := basic.Middleware(inner)
	cases := []struct {
		name    string
		handler http.Handler
		auth    func(r *http.Request)
		status  int
		body    string
	}{
		{"bearer", h, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.AccessToken) }, 200, kim + " " + AuthenticatedGroup},
		{"lower-case scheme", h, func(r *http.Request) { r.Header.Set("Authorization", "bearer "+tok.AccessToken) }, 200, kim},
		{"no credentials", h, func(*http.Request) {}, 401, ""},
		{"bad token", h, func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, 401, ""},
		{"basic, not enabled", h, func(r *http.Request) { r.SetBasicAuth(kim, password) }, 401, ""},
		{"basic, enabled", hBasic, func(r *http.Request) { r.SetBasicAuth(kim, password) }, 200, kim},
		{"basic, wrong password", hBasic, func(r *http.Request) { r.SetBasicAuth(kim, "Wrong-passw0rd") }, 401, ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "/anything", nil)
			tt.auth(req)
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == 401 {
				assert.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
				assert.Contains(t, rec.Body.String(), `"kind":"Status"`)
				return
			}
			assert.Contains(t, rec.Body.String(), tt.body)
		})
	}
}
