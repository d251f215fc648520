package authn

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
)

// DefaultKubeconfigTTL is how long a kubeconfig's token lives by default.
const DefaultKubeconfigTTL = 8 * time.Hour

// KubeconfigOptions say which cluster a kubeconfig points at.
type KubeconfigOptions struct {
	// Server is kube-apiserver's URL; required.
	Server string
	// CAData is the PEM of the CA that signed kube-apiserver's serving
	// certificate; empty trusts the system's roots.
	CAData []byte
	// ClusterName names the cluster and context in the file; empty means
	// "kubernetes".
	ClusterName string
	// TTL is the token's lifetime; zero means DefaultKubeconfigTTL.
	// kube-apiserver checks only the signature and the expiry, so a
	// revoked kubeconfig token works there until it expires.
	TTL time.Duration
}

// KubeconfigFor returns a kubeconfig (YAML) that authenticates as user to
// kube-apiserver with a token this Authenticator signed, its audience
// Options.KubernetesAudience and its groups claim the user's KubeSphere
// groups. kube-apiserver accepts it when its structured authentication
// configuration trusts this issuer (KubernetesAuthenticationConfig); native
// RBAC (the tenancy controllers' mirrors of KubeSphere roles) then decides
// what the user may do, group bindings included. The token has a session
// of its own (kind kubeconfig), which a later login does not end.
func (a *Authenticator) KubeconfigFor(ctx context.Context, user string, opts KubeconfigOptions) ([]byte, error) {
	if opts.Server == "" {
		return nil, &InvalidError{Field: "Server", Reason: "required"}
	}
	if opts.TTL < 0 {
		return nil, &InvalidError{Field: "TTL", Reason: "must not be negative"}
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultKubeconfigTTL
	}
	name := opts.ClusterName
	if name == "" {
		name = "kubernetes"
	}
	u, err := a.enabledUser(ctx, user)
	if err != nil {
		return nil, err
	}
	ks, err := a.o.Keys.KeySet(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	sid, err := a.createSession(ctx, u.Name, SessionKubeconfig, now.Add(ttl))
	if err != nil {
		return nil, err
	}
	token, err := ks.sign(a.claims(u, sid, AccessToken, a.o.KubernetesAudience, now, now.Add(ttl)))
	if err != nil {
		return nil, err
	}
	ctxName := user + "@" + name
	cfg := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{name: {Server: opts.Server, CertificateAuthorityData: opts.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{user: {Token: token}},
		Contexts:       map[string]*clientcmdapi.Context{ctxName: {Cluster: name, AuthInfo: user}},
		CurrentContext: ctxName,
	}
	out, err := clientcmd.Write(cfg)
	if err != nil {
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	return out, nil
}

// KubernetesAuthenticationConfig returns kube-apiserver's structured
// authentication configuration (apiserver.config.k8s.io/v1
// AuthenticationConfiguration, the file of its --authentication-config flag)
// that trusts issuer (Options.Issuer) for tokens of audience (empty:
// DefaultKubernetesAudience, else Options.KubernetesAudience):
// the username from the username claim and the groups from the groups
// claim, both unprefixed, so they match the subjects of the native RBAC
// mirrors. caPEM is the CA of the issuer's serving certificate (empty: the
// system's roots). Rules refuse tokens that are not access tokens and
// user names or groups starting with "system:", so the issuer cannot mint
// Kubernetes' reserved identities.
func KubernetesAuthenticationConfig(issuer, audience string, caPEM []byte) ([]byte, error) {
	if _, err := (&Options{Issuer: issuer, Keys: StaticKeys(nil)}).withDefaults(); err != nil {
		return nil, err
	}
	if audience == "" {
		audience = DefaultKubernetesAudience
	}
	cfg := apiserverv1.AuthenticationConfiguration{
		JWT: []apiserverv1.JWTAuthenticator{{
			Issuer: apiserverv1.Issuer{
				URL:                  issuer,
				CertificateAuthority: string(caPEM),
				Audiences:            []string{audience},
			},
			ClaimValidationRules: []apiserverv1.ClaimValidationRule{{
				Expression: `has(claims.token_type) && claims.token_type == "` + string(AccessToken) + `"`,
				Message:    "only access tokens authenticate",
			}},
			ClaimMappings: apiserverv1.ClaimMappings{
				Username: apiserverv1.PrefixedClaimOrExpression{Claim: "username", Prefix: ptr.To("")},
				Groups:   apiserverv1.PrefixedClaimOrExpression{Claim: "groups", Prefix: ptr.To("")},
			},
			UserValidationRules: []apiserverv1.UserValidationRule{
				{Expression: `!user.username.startsWith("system:")`, Message: "the issuer may not name system: users"},
				{Expression: `user.groups.all(g, !g.startsWith("system:"))`, Message: "the issuer may not name system: groups"},
			},
		}},
	}
	cfg.APIVersion, cfg.Kind = apiserverv1.SchemeGroupVersion.String(), "AuthenticationConfiguration"
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode authentication configuration: %w", err)
	}
	return out, nil
}
