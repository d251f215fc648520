package authn_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/spherekit/spherekit/tenancy/authn"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// The configuration to give kube-apiserver (--authentication-config) so it
// accepts the tokens of kubeconfigs from KubeconfigFor.
func ExampleKubernetesAuthenticationConfig() {
	cfg, err := authn.KubernetesAuthenticationConfig("https://ks.example.com", "", nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(cfg))
	// Output:
	// apiVersion: apiserver.config.k8s.io/v1
	// jwt:
	// - claimMappings:
	//     groups:
	//       claim: groups
	//       prefix: ""
	//     uid: {}
	//     username:
	//       claim: username
	//       prefix: ""
	//   claimValidationRules:
	//   - expression: has(claims.token_type) && claims.token_type == "access_token"
	//     message: only access tokens authenticate
	//   issuer:
	//     audiences:
	//     - kubernetes
	//     url: https://ks.example.com
	//   userValidationRules:
	//   - expression: '!user.username.startsWith("system:")'
	//     message: 'the issuer may not name system: users'
	//   - expression: user.groups.all(g, !g.startsWith("system:"))
	//     message: 'the issuer may not name system: groups'
	// kind: AuthenticationConfiguration
}

// A portal's server: the issuer's endpoints at the root, and the authz
// handlers behind login.
func ExampleAuthenticator_Middleware() {
	ctx := context.Background()
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{})
	if err != nil {
		panic(err)
	}
	keys := &authn.SecretKeys{Client: mgr.GetClient(), Namespace: "kubesphere-system", Name: "spherekit-oauth-keys"}
	if err := keys.EnsureKeys(ctx); err != nil {
		panic(err)
	}
	if err := authn.IndexFields(ctx, mgr.GetFieldIndexer()); err != nil {
		panic(err)
	}
	a, err := authn.New(mgr.GetClient(), authn.Options{Issuer: "https://ks.example.com", Keys: keys, Cache: mgr.GetCache()})
	if err != nil {
		panic(err)
	}
	az, err := authz.NewFromCache(ctx, mgr.GetCache(), authz.Options{})
	if err != nil {
		panic(err)
	}
	reviews, err := az.Handler(authz.HandlerOptions{Caller: authn.Caller})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", a.Handler())
	mux.Handle("/apis/authorization.k8s.io/", a.Middleware(reviews))
	_ = http.ListenAndServeTLS(":8443", "tls.crt", "tls.key", mux)
}

// Log in with a password, use the access token, refresh it, log out.
func ExampleAuthenticator_Login() {
	ctx := context.Background()
	var a *authn.Authenticator // from authn.New
	tokens, err := a.Login(ctx, "alice@example.com", "Passw0rd!", authn.LoginOptions{SourceIP: "192.0.2.1"})
	if err != nil {
		panic(err) // authn.ErrInvalidCredentials, ErrAccountDisabled, ErrTooManyFailedLogins ...
	}
	user, err := a.Verify(ctx, tokens.AccessToken)
	if err != nil {
		panic(err)
	}
	fmt.Println(user.Name, user.Groups)
	tokens, err = a.Refresh(ctx, tokens.RefreshToken)
	if err != nil {
		panic(err)
	}
	_ = a.Revoke(ctx, tokens.AccessToken)
}

// Write alice's kubeconfig for kubectl.
func ExampleAuthenticator_KubeconfigFor() {
	ctx := context.Background()
	var a *authn.Authenticator // from authn.New
	ca, err := os.ReadFile("/etc/kubernetes/pki/ca.crt")
	if err != nil {
		panic(err)
	}
	kubeconfig, err := a.KubeconfigFor(ctx, "alice", authn.KubeconfigOptions{Server: "https://10.0.0.1:6443", CAData: ca, TTL: 8 * time.Hour})
	if err != nil {
		panic(err)
	}
	_ = os.WriteFile("alice.yaml", kubeconfig, 0o600)
}

// Sync a directory's groups into a workspace: look at the plan first.
func ExampleAuthenticator_SyncGroups() {
	ctx := context.Background()
	var a *authn.Authenticator // from authn.New, with an LDAPProvider named "corp-ldap"
	plan, err := a.SyncGroups(ctx, "corp-ldap", "team-a", authn.SyncGroupsOptions{DryRun: true})
	if err != nil {
		panic(err)
	}
	fmt.Println("would create", plan.CreateGroups, "and delete", plan.DeleteGroups)
	if _, err := a.SyncGroups(ctx, "corp-ldap", "team-a", authn.SyncGroupsOptions{}); err != nil {
		panic(err)
	}
}

// Rotate the signing key, keeping the old one as long as its tokens live.
func ExampleSecretKeys_RotateKeys() {
	ctx := context.Background()
	var keys *authn.SecretKeys // as given to authn.New
	keep := authn.DefaultAccessTokenMaxAge + authn.DefaultAccessTokenInactivityTimeout + authn.DefaultKubeconfigTTL
	if err := keys.RotateKeys(ctx, keep); err != nil {
		panic(err)
	}
}
