package authn

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Defaults of Options, KubeSphere's where it has one.
const (
	DefaultAccessTokenMaxAge            = 2 * time.Hour
	DefaultAccessTokenInactivityTimeout = 2 * time.Hour
	DefaultMaximumClockSkew             = 10 * time.Second
	// DefaultAudience is the audience of tokens a login issues, KubeSphere's
	// default OAuth client ID.
	DefaultAudience = "kubesphere"
	// DefaultKubernetesAudience is the audience of the tokens in
	// kubeconfigs (KubeconfigFor), which kube-apiserver's JWT authenticator
	// is configured to accept (KubernetesAuthenticationConfig).
	DefaultKubernetesAudience = "kubernetes"
	// DefaultSessionNamespace is where sessions are kept.
	DefaultSessionNamespace = "kubesphere-system"
)

// OAuthClient is an OAuth2 client allowed at the token endpoint.
type OAuthClient struct {
	ID     string
	Secret string
}

// Options configures New. Issuer and Keys are required.
type Options struct {
	// Issuer is the issuer URL: https, no query or fragment. It is every
	// token's iss claim and the base of the discovery document; it must be
	// where Handler is served from.
	Issuer string
	// Keys sign and verify tokens: StaticKeys or a *SecretKeys.
	Keys KeySource

	// Cache, when set, is read for users and sessions on every
	// verification (a manager's cache); what it lacks is read again through
	// the client, so a session made a moment ago is found. Nil reads
	// through the client.
	Cache client.Reader

	// Clients are the OAuth2 clients allowed at the token endpoint; empty
	// means KubeSphere's default client, ID "kubesphere" with secret
	// "kubesphere".
	Clients []OAuthClient
	// Audience is the aud claim of tokens issued by Login; empty means
	// DefaultAudience. KubernetesAudience is the aud of kubeconfig tokens;
	// empty means DefaultKubernetesAudience. Verify accepts both.
	Audience, KubernetesAudience string

	// AccessTokenMaxAge is how long an access token lives; zero means two
	// hours. Refresh tokens live AccessTokenMaxAge plus
	// AccessTokenInactivityTimeout (zero: two hours). Unlike KubeSphere,
	// a zero age does not mean tokens that never expire.
	AccessTokenMaxAge            time.Duration
	AccessTokenInactivityTimeout time.Duration
	// MaximumClockSkew is the leeway when checking exp, nbf and iat; zero
	// means ten seconds.
	MaximumClockSkew time.Duration
	// MultipleLogin keeps a user's earlier sessions when they log in
	// again. When false (KubeSphere's default), a login ends the user's
	// other login sessions; kubeconfig tokens are kept.
	MultipleLogin bool

	// SessionNamespace is the namespace of the Secrets recording sessions;
	// empty means DefaultSessionNamespace. It must exist.
	SessionNamespace string

	// BasicAuth lets Middleware accept HTTP basic authentication (user name
	// or e-mail and password) besides bearer tokens. Each such request
	// costs a password check; failures count towards the login limit.
	BasicAuth bool

	// BcryptCost is the cost of the hash compared against for unknown
	// users, so that their failed logins take as long as a wrong password
	// does. It must equal the cost of stored hashes (the user controller's
	// BcryptCost); zero means bcrypt.DefaultCost.
	BcryptCost int

	// Providers are the identity providers logins may name
	// (LoginOptions.Provider).
	Providers []IdentityProvider
}

func (o *Options) withDefaults() (Options, error) {
	out := *o
	u, err := url.Parse(o.Issuer)
	switch {
	case o.Issuer == "":
		return out, &InvalidError{Field: "Issuer", Reason: "required"}
	case err != nil:
		return out, &InvalidError{Field: "Issuer", Reason: "not a URL", Err: err}
	case u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return out, &InvalidError{Field: "Issuer", Reason: "must be an https URL with a host and no user, query or fragment"}
	case o.Keys == nil:
		return out, &InvalidError{Field: "Keys", Reason: "required"}
	case o.AccessTokenMaxAge < 0, o.AccessTokenInactivityTimeout < 0, o.MaximumClockSkew < 0:
		return out, &InvalidError{Field: "AccessTokenMaxAge", Reason: "token lifetimes and the clock skew must not be negative"}
	case o.BcryptCost != 0 && (o.BcryptCost < bcrypt.MinCost || o.BcryptCost > bcrypt.MaxCost):
		return out, &InvalidError{Field: "BcryptCost", Reason: fmt.Sprintf("must be between %d and %d", bcrypt.MinCost, bcrypt.MaxCost)}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&out.AccessTokenMaxAge, DefaultAccessTokenMaxAge)
	def(&out.AccessTokenInactivityTimeout, DefaultAccessTokenInactivityTimeout)
	def(&out.MaximumClockSkew, DefaultMaximumClockSkew)
	if out.Audience == "" {
		out.Audience = DefaultAudience
	}
	if out.KubernetesAudience == "" {
		out.KubernetesAudience = DefaultKubernetesAudience
	}
	if out.SessionNamespace == "" {
		out.SessionNamespace = DefaultSessionNamespace
	}
	if out.BcryptCost == 0 {
		out.BcryptCost = bcrypt.DefaultCost
	}
	if len(out.Clients) == 0 {
		out.Clients = []OAuthClient{{ID: "kubesphere", Secret: "kubesphere"}}
	}
	out.Clients = slices.Clone(out.Clients)
	for i, c := range out.Clients {
		if c.ID == "" || c.Secret == "" {
			return out, &InvalidError{Field: fmt.Sprintf("Clients[%d]", i), Reason: "a client needs an ID and a secret"}
		}
	}
	seen := map[string]bool{}
	for i, p := range out.Providers {
		if p == nil || p.Name() == "" {
			return out, &InvalidError{Field: fmt.Sprintf("Providers[%d]", i), Reason: "a provider needs a name"}
		}
		if seen[p.Name()] {
			return out, &InvalidError{Field: fmt.Sprintf("Providers[%d]", i), Reason: fmt.Sprintf("two providers are named %q", p.Name())}
		}
		seen[p.Name()] = true
		if o, ok := p.(*OIDCProvider); ok && (o.Issuer == "" || o.ClientID == "" || o.RedirectURL == "") {
			return out, &InvalidError{Field: fmt.Sprintf("Providers[%d]", i), Reason: fmt.Sprintf("OIDC provider %q needs Issuer, ClientID and RedirectURL", o.ProviderName)}
		}
	}
	return out, nil
}
