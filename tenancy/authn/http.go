package authn

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Paths Handler serves, KubeSphere's.
const (
	PathToken     = "/oauth/token"
	PathKeys      = "/oauth/keys"
	PathUserInfo  = "/oauth/userinfo"
	PathLogout    = "/oauth/logout"
	PathDiscovery = "/.well-known/openid-configuration"
)

// maxFormBytes bounds a token request's body.
const maxFormBytes = 64 << 10

// Handler serves the issuer's endpoints, at KubeSphere's paths; mount it at
// the root of Options.Issuer:
//
//   - POST /oauth/token: the password and refresh_token grants (RFC 6749),
//     the client authenticated by client_id and client_secret in the form or
//     by HTTP basic authentication. Errors are RFC 6749 JSON, with
//     KubeSphere's status codes and descriptions.
//   - GET /oauth/keys: the JSON Web Key Set (every key that verifies).
//   - GET /.well-known/openid-configuration: the discovery document
//     kube-apiserver and OIDC relying parties read.
//   - GET /oauth/userinfo: the bearer's claims (sub, name, email,
//     preferred_username).
//   - GET or POST /oauth/logout: ends the bearer's session (Revoke).
//   - GET /oauth/login/{provider}: starts a login through an OIDCProvider
//     (a redirect to it, the login's state and nonce in a signed cookie);
//     GET /oauth/callback/{provider}: its end, answering the token
//     endpoint's JSON.
func (a *Authenticator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathToken, a.serveToken)
	mux.HandleFunc("GET "+PathKeys, a.serveKeys)
	mux.HandleFunc("GET "+PathDiscovery, a.serveDiscovery)
	mux.HandleFunc("GET "+PathUserInfo, a.serveUserInfo)
	mux.HandleFunc("GET "+PathLogout, a.serveLogout)
	mux.HandleFunc("POST "+PathLogout, a.serveLogout)
	mux.HandleFunc("GET /oauth/login/{provider}", a.serveOIDCLogin)
	mux.HandleFunc("GET /oauth/callback/{provider}", a.serveOIDCCallback)
	return mux
}

// oauthError is an RFC 6749 error answer.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}

func (a *Authenticator) client(r *http.Request) (*OAuthClient, *oauthError, int) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	for i := range a.o.Clients {
		c := &a.o.Clients[i]
		if c.ID == id {
			if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
				return nil, &oauthError{"unauthorized_client", "Invalid client credential."}, http.StatusUnauthorized
			}
			return c, nil, 0
		}
	}
	return nil, &oauthError{"invalid_client", "The provided client_id is invalid or does not exist."}, http.StatusBadRequest
}

func (a *Authenticator) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "The request body is not a form."})
		return
	}
	if _, oerr, status := a.client(r); oerr != nil {
		writeJSON(w, status, oerr)
		return
	}
	var (
		tokens *Tokens
		err    error
	)
	switch r.PostForm.Get("grant_type") {
	case "password":
		tokens, err = a.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), LoginOptions{
			SourceIP:  sourceIP(r),
			UserAgent: r.UserAgent(),
			Provider:  r.PostForm.Get("provider"),
		})
	case "refresh_token":
		tokens, err = a.Refresh(r.Context(), r.PostForm.Get("refresh_token"))
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "The provided grant_type is not supported."})
		return
	}
	var reg *RegistrationRequiredError
	var invalid *InvalidError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, tokens)
	case errors.Is(err, ErrInvalidCredentials):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "Invalid username or password."})
	case errors.Is(err, ErrAccountDisabled):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "Account suspended."})
	case errors.Is(err, ErrTooManyFailedLogins):
		writeJSON(w, http.StatusTooManyRequests, oauthError{"invalid_grant", "Rate limit exceeded."})
	case errors.Is(err, ErrInvalidToken):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "The refresh token is invalid or expired."})
	case errors.Is(err, ErrNotMapped), errors.As(err, &reg):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "Authenticated user does not exist."})
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", invalid.Error()})
	default:
		logr.FromContextOrDiscard(r.Context()).Error(err, "token request failed")
		writeJSON(w, http.StatusInternalServerError, oauthError{"server_error", "An internal server error occurred while processing the request."})
	}
}

// sourceIP is the request's peer address without the port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (a *Authenticator) serveKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := a.o.Keys.KeySet(r.Context())
	if err != nil {
		logr.FromContextOrDiscard(r.Context()).Error(err, "key set unavailable")
		writeJSON(w, http.StatusServiceUnavailable, oauthError{"server_error", "The key set is unavailable."})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(ks.JWKS())
}

// discovery is the OpenID Connect discovery document.
type discovery struct {
	Issuer           string   `json:"issuer"`
	TokenEndpoint    string   `json:"token_endpoint"`
	UserInfoEndpoint string   `json:"userinfo_endpoint"`
	JWKSURI          string   `json:"jwks_uri"`
	EndSession       string   `json:"end_session_endpoint"`
	GrantTypes       []string `json:"grant_types_supported"`
	ResponseTypes    []string `json:"response_types_supported"`
	SubjectTypes     []string `json:"subject_types_supported"`
	SigningAlgs      []string `json:"id_token_signing_alg_values_supported"`
	AuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	Claims           []string `json:"claims_supported"`
}

func (a *Authenticator) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	base := strings.TrimSuffix(a.o.Issuer, "/")
	writeJSON(w, http.StatusOK, discovery{
		Issuer:           a.o.Issuer,
		TokenEndpoint:    base + PathToken,
		UserInfoEndpoint: base + PathUserInfo,
		JWKSURI:          base + PathKeys,
		EndSession:       base + PathLogout,
		GrantTypes:       []string{"password", "refresh_token"},
		ResponseTypes:    []string{"token"},
		SubjectTypes:     []string{"public"},
		SigningAlgs:      []string{string(signingAlgorithm)},
		AuthMethods:      []string{"client_secret_post", "client_secret_basic"},
		Claims:           []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "username", "groups", "email", "token_type", "sid"},
	})
}

type userInfo struct {
	Subject           string `json:"sub"`
	Name              string `json:"name,omitempty"`
	Email             string `json:"email,omitempty"`
	PreferredUsername string `json:"preferred_username"`
	Locale            string `json:"locale,omitempty"`
}

func (a *Authenticator) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	u, err := a.AuthenticateRequest(r)
	if err != nil {
		a.unauthorized(w, r, err)
		return
	}
	user := &iamv1beta1.User{}
	if err := a.get(r.Context(), client.ObjectKey{Name: u.Name}, user); err != nil {
		a.unauthorized(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userInfo{Subject: user.Name, Name: user.Spec.DisplayName, Email: user.Spec.Email, PreferredUsername: user.Name, Locale: user.Spec.Lang})
}

func (a *Authenticator) serveLogout(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer(r)
	if !ok {
		a.unauthorized(w, r, ErrUnauthenticated)
		return
	}
	if err := a.Revoke(r.Context(), tok); err != nil {
		a.unauthorized(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// bearer returns the request's bearer token.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// AuthenticateRequest returns who r is from its bearer token (Verify) or,
// with Options.BasicAuth, its basic credentials (Authenticate).
// ErrUnauthenticated means r carries neither.
func (a *Authenticator) AuthenticateRequest(r *http.Request) (authz.User, error) {
	if tok, ok := bearer(r); ok {
		return a.Verify(r.Context(), tok)
	}
	if name, password, ok := r.BasicAuth(); ok && a.o.BasicAuth {
		return a.Authenticate(r.Context(), name, password, LoginOptions{SourceIP: sourceIP(r), UserAgent: r.UserAgent()})
	}
	return authz.User{}, ErrUnauthenticated
}

type userKey struct{}

// WithUser returns a copy of ctx carrying u, as Middleware does.
func WithUser(ctx context.Context, u authz.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user Middleware authenticated for ctx's request.
func UserFrom(ctx context.Context) (authz.User, bool) {
	u, ok := ctx.Value(userKey{}).(authz.User)
	return u, ok
}

// Caller returns the user Middleware authenticated for r, or
// ErrUnauthenticated. It fits authz.HandlerOptions.Caller and
// authz.Authorizer.ResourcesAuthorizer, so the authz and resources handlers
// serve behind a real login.
func Caller(r *http.Request) (authz.User, error) {
	if u, ok := UserFrom(r.Context()); ok {
		return u, nil
	}
	return authz.User{}, ErrUnauthenticated
}

// Middleware authenticates every request (AuthenticateRequest) and passes
// it to next with the user in its context (UserFrom, Caller). A request
// that does not authenticate gets 401 with a Kubernetes Status body and
// never reaches next.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := a.AuthenticateRequest(r)
		if err != nil {
			a.unauthorized(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// unauthorized answers 401 for a refusal and 500 for a failure.
func (a *Authenticator) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	known := errors.Is(err, ErrUnauthenticated) || errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrInvalidCredentials) ||
		errors.Is(err, ErrAccountDisabled) || errors.Is(err, ErrTooManyFailedLogins) || apierrors.IsNotFound(err)
	if !known {
		logr.FromContextOrDiscard(r.Context()).Error(err, "authentication failed")
		st := apierrors.NewInternalError(errors.New("authentication failed")).ErrStatus
		writeJSON(w, int(st.Code), statusOf(st))
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+a.o.Issuer+`"`)
	st := apierrors.NewUnauthorized(err.Error()).ErrStatus
	writeJSON(w, http.StatusUnauthorized, statusOf(st))
}

func statusOf(st metav1.Status) metav1.Status {
	st.APIVersion, st.Kind = schema.GroupVersion{Version: "v1"}.String(), "Status"
	return st
}
