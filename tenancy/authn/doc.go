// Package authn logs users in and turns a login into an identity a request
// can carry: an OAuth2 token issuer with KubeSphere's endpoints, a verifier
// and HTTP middleware whose users carry their KubeSphere groups, per-user
// kubeconfigs that kube-apiserver itself accepts, LDAP as an identity
// provider, and LDAP group sync. It complements package authz, which
// decides what an authenticated user may do.
//
// Start from New, with Options naming the issuer URL and its keys
// (StaticKeys, or a *SecretKeys shared by replicas and rotated with
// RotateKeys). Then:
//
//   - Authenticate checks a password (a user's name or e-mail address) and
//     writes a LoginRecord for every attempt; the user controller of package
//     tenancy/controllers blocks a user after too many failures.
//   - Login and IssueTokens start a session and return an access token and
//     a refresh token; Refresh trades a refresh token for a new pair once;
//     Revoke ends a session (logout) and RevokeAll every session of a user.
//   - Verify turns an access token into an authz.User: the user's name,
//     their current KubeSphere groups (User.spec.groups, which the user
//     controller keeps in step with GroupBindings) and system:authenticated.
//     Middleware does it for every HTTP request and Caller reads the result,
//     so authz.Authorizer's handlers serve behind a real login:
//     az.Handler(authz.HandlerOptions{Caller: authn.Caller}).
//   - Handler serves /oauth/token, /oauth/keys, /oauth/userinfo,
//     /oauth/logout and /.well-known/openid-configuration.
//   - KubeconfigFor writes a kubeconfig whose token kube-apiserver accepts
//     once its --authentication-config holds KubernetesAuthenticationConfig:
//     Kubernetes authenticates the user and native RBAC (the tenancy
//     controllers' mirrors of KubeSphere's roles) authorizes them, group
//     bindings included, through the token's groups claim.
//   - An LDAPProvider in Options.Providers authenticates logins that name
//     it, mapping directory identities to users by MappingMethod, and
//     SyncGroups makes a workspace's Groups match the directory's groups,
//     with a dry-run plan first. An OIDCProvider logs people in through an
//     OpenID Connect provider with the authorization-code flow
//     (/oauth/login/{provider} and KubeSphere's /oauth/callback/{provider}).
//
// # Tokens and sessions
//
// Tokens are JWTs signed with RS256 by the key set's signing key, with
// KubeSphere's claims (username, token_type) besides the registered ones,
// plus groups, email and sid. Every token belongs to a session, recorded
// as a Secret in Options.SessionNamespace that holds no token; a token is
// valid only while its session exists, as a KubeSphere token is valid only
// while its cache entry exists. Verification reads the session and the user
// from Options.Cache (a manager's cache), and from the API server when the
// cache does not have them yet; so a revocation takes effect in spherekit
// within the cache's watch latency, and at once for Refresh, which reads
// and deletes the session on the API server. kube-apiserver checks only the
// signature and expiry of kubeconfig tokens: revoking one does not stop it
// there before it expires (KubeconfigOptions.TTL).
//
// # Differences from KubeSphere, on purpose
//
//   - All tokens are RS256 (KubeSphere signs access tokens with HS256 and a
//     shared secret), so kube-apiserver and any OIDC library verify them
//     from the published keys.
//   - A zero AccessTokenMaxAge means the default, not tokens that never
//     expire.
//   - A refresh token works once; its session ends and a new one starts.
//   - Automatic mapping never takes over an existing user of the same name
//     (KubeSphere's would annotate it and log the identity in as that user):
//     that is a *ConflictError.
//   - An unknown user's login costs what a wrong password costs (the same
//     bcrypt comparison, the login record sent as a dry run), and a
//     disabled user is told so only after the right password.
//
// # Not yet here
//
// spherekit's issuer does not act as an authorization server for
// third-party clients (KubeSphere 4.x's /oauth/authorize and the code
// grant), and GitHub or CAS providers are not implemented; the discovery
// document lists only the password and refresh_token grants it serves.
package authn
