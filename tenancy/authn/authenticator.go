package authn

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// AuthenticatedGroup is the group every authenticated user is in, as in
// Kubernetes; KubeSphere's "authenticated" GlobalRole is bound to it.
const AuthenticatedGroup = "system:authenticated"

// Authenticator logs users in, issues and verifies their tokens, and
// authenticates HTTP requests. It is safe for concurrent use; create one per
// process with New.
type Authenticator struct {
	c     client.Client
	cache client.Reader
	o     Options
	now   func() time.Time
	// dummyHash is compared against when the user is unknown, so that an
	// unknown user's login costs what a wrong password costs.
	dummyHash []byte
	providers map[string]IdentityProvider
	verified  *verifiedCache
}

// New returns an Authenticator writing users' login records and sessions
// through c, whose scheme must know the spherekit API groups. c needs to
// get and list Users, create LoginRecords, and get, list, create and delete
// Secrets in Options.SessionNamespace (and update the keys Secret, for
// SecretKeys).
func New(c client.Client, opts Options) (*Authenticator, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	if _, err := c.GroupVersionKindFor(&iamv1beta1.User{}); err != nil {
		return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the spherekit API groups; register them with spherekit.AddToScheme", Err: err}
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(newID()), o.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash: %w", err)
	}
	a := &Authenticator{c: c, cache: o.Cache, o: o, now: time.Now, dummyHash: hash, providers: map[string]IdentityProvider{}, verified: &verifiedCache{}}
	if a.cache == nil {
		a.cache = c
	}
	for _, p := range o.Providers {
		a.providers[p.Name()] = p
	}
	return a, nil
}

// LoginOptions describe where a login comes from; they are written into its
// LoginRecord.
type LoginOptions struct {
	SourceIP  string
	UserAgent string
	// Provider names the identity provider (Options.Providers) to check the
	// password with; empty means the password stored on the User.
	Provider string
}

// Authenticate checks a password login and records it. login is a user's
// name or e-mail address (compared ignoring case).
//
// Every attempt on an existing user leaves a LoginRecord (success or
// failure); the user controller (package tenancy/controllers) counts the
// failures and blocks the user for a while after too many, and
// Authenticate then answers ErrTooManyFailedLogins. A wrong password or an
// unknown user is ErrInvalidCredentials. For an unknown user the same
// bcrypt comparison is made and the same record is sent as a server-side
// dry run, so the answer's timing does not tell whether the user exists. A
// disabled user is told ErrAccountDisabled only after the right password.
func (a *Authenticator) Authenticate(ctx context.Context, login, password string, opts LoginOptions) (authz.User, error) {
	if opts.Provider != "" {
		return a.authenticateWithProvider(ctx, login, password, opts)
	}
	if login == "" || password == "" {
		return authz.User{}, ErrInvalidCredentials
	}
	u, err := a.findUser(ctx, login)
	if err != nil {
		return authz.User{}, err
	}
	hash := a.dummyHash
	if u != nil && u.Spec.Password != "" {
		hash = []byte(u.Spec.Password)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && u != nil && u.Spec.Password != ""
	if u == nil {
		if err := a.record(ctx, "", iamv1beta1.LoginPassword, false, "invalid credentials", opts); err != nil {
			return authz.User{}, err
		}
		return authz.User{}, ErrInvalidCredentials
	}
	switch {
	case u.Status.State == iamv1beta1.UserAuthLimitExceeded:
		return authz.User{}, ErrTooManyFailedLogins
	case !match:
		if err := a.record(ctx, u.Name, iamv1beta1.LoginPassword, false, "invalid credentials", opts); err != nil {
			return authz.User{}, err
		}
		return authz.User{}, ErrInvalidCredentials
	case u.Status.State != iamv1beta1.UserActive:
		if err := a.record(ctx, u.Name, iamv1beta1.LoginPassword, false, "account suspended", opts); err != nil {
			return authz.User{}, err
		}
		return authz.User{}, ErrAccountDisabled
	}
	if err := a.record(ctx, u.Name, iamv1beta1.LoginPassword, true, "", opts); err != nil {
		return authz.User{}, err
	}
	return identityOf(u), nil
}

// identityOf is the authenticated identity of u: its name, its KubeSphere
// groups and system:authenticated.
func identityOf(u *iamv1beta1.User) authz.User {
	groups := make([]string, 0, len(u.Spec.Groups)+1)
	groups = append(groups, u.Spec.Groups...)
	if !slices.Contains(groups, AuthenticatedGroup) {
		groups = append(groups, AuthenticatedGroup)
	}
	return authz.User{Name: u.Name, Groups: groups}
}

// unknownUserRecordName names the dry-run login record of an unknown user.
const unknownUserRecordName = "unknown-user"

// record writes a LoginRecord for user; for an unknown user (empty name) it
// sends the same create as a dry run, which costs the same round trip.
func (a *Authenticator) record(ctx context.Context, user string, typ iamv1beta1.LoginType, success bool, reason string, opts LoginOptions) error {
	owner := user
	var createOpts []client.CreateOption
	if user == "" {
		owner = unknownUserRecordName
		createOpts = append(createOpts, client.DryRunAll)
	}
	rec := &iamv1beta1.LoginRecord{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: owner + "-",
			Labels:       map[string]string{iamv1beta1.UserReferenceLabel: owner},
		},
		Spec: iamv1beta1.LoginRecordSpec{
			Type:      typ,
			Provider:  opts.Provider,
			SourceIP:  opts.SourceIP,
			UserAgent: opts.UserAgent,
			Success:   success,
			Reason:    reason,
		},
	}
	if err := a.c.Create(ctx, rec, createOpts...); err != nil {
		return fmt.Errorf("record login of %q: %w", owner, err)
	}
	return nil
}

// findUser finds the user named login, or the one whose e-mail address is
// login (ignoring case); nil if none.
func (a *Authenticator) findUser(ctx context.Context, login string) (*iamv1beta1.User, error) {
	if !strings.Contains(login, "@") {
		u := &iamv1beta1.User{}
		err := a.get(ctx, client.ObjectKey{Name: login}, u)
		switch {
		case apierrors.IsNotFound(err):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("get user %q: %w", login, err)
		case !u.DeletionTimestamp.IsZero():
			return nil, nil
		}
		return u, nil
	}
	email := strings.ToLower(login)
	var users iamv1beta1.UserList
	if err := a.cache.List(ctx, &users, client.MatchingFields{IndexUserEmail: email}); err != nil {
		// Not indexed (IndexFields was not called, or the reader is not
		// a cache): look through every user.
		if err := a.cache.List(ctx, &users); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
	}
	for i := range users.Items {
		u := &users.Items[i]
		if strings.EqualFold(u.Spec.Email, email) && u.DeletionTimestamp.IsZero() {
			return u, nil
		}
	}
	return nil, nil
}

// get reads key from the cache, and from the API server when the cache
// does not have it (yet).
func (a *Authenticator) get(ctx context.Context, key client.ObjectKey, obj client.Object) error {
	err := a.cache.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) && a.cache != client.Reader(a.c) {
		err = a.c.Get(ctx, key, obj)
	}
	return err
}

// IndexUserEmail is the field index of Users by lower-cased e-mail address
// that IndexFields registers and Authenticate uses.
const IndexUserEmail = "authn.spherekit.io/email"

// IndexFields registers the field indexes the Authenticator reads from a
// cache (Options.Cache): Users by e-mail address and by mapped identity. Call it before the
// cache starts, for example with mgr.GetFieldIndexer().
func IndexFields(ctx context.Context, indexer client.FieldIndexer) error {
	err := indexer.IndexField(ctx, &iamv1beta1.User{}, IndexUserEmail, func(o client.Object) []string {
		if e := o.(*iamv1beta1.User).Spec.Email; e != "" {
			return []string{strings.ToLower(e)}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index users by e-mail: %w", err)
	}
	err = indexer.IndexField(ctx, &iamv1beta1.User{}, IndexUserIdentity, func(o client.Object) []string {
		return userIdentities(o.(*iamv1beta1.User))
	})
	if err != nil {
		return fmt.Errorf("index users by identity: %w", err)
	}
	return nil
}

// Verify checks an access token and returns who it authenticates: the user
// with their current KubeSphere groups (User.spec.groups, which the user
// controller keeps in step with GroupBindings) and system:authenticated.
// A token is refused (*TokenError) if it is malformed, not signed by one of
// the issuer's keys with RS256, expired, not yet valid, issued by another
// issuer or for another audience, not an access token, of a session that
// was revoked (Revoke, RevokeAll, a later login without MultipleLogin, a
// refresh), or of a user who is gone or disabled.
func (a *Authenticator) Verify(ctx context.Context, token string) (authz.User, error) {
	c, err := a.verifyClaims(ctx, token, AccessToken)
	if err != nil {
		return authz.User{}, err
	}
	sess := &corev1.Secret{}
	if err := a.get(ctx, client.ObjectKey{Namespace: a.o.SessionNamespace, Name: sessionName(c.SessionID)}, sess); err != nil {
		if apierrors.IsNotFound(err) {
			return authz.User{}, &TokenError{Reason: "revoked"}
		}
		return authz.User{}, fmt.Errorf("get session: %w", err)
	}
	if sess.Labels[iamv1beta1.UserReferenceLabel] != c.Subject || sess.Type != SessionSecretType {
		return authz.User{}, &TokenError{Reason: "the session is not the token's"}
	}
	u := &iamv1beta1.User{}
	if err := a.get(ctx, client.ObjectKey{Name: c.Subject}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return authz.User{}, &TokenError{Reason: fmt.Sprintf("user %q does not exist", c.Subject)}
		}
		return authz.User{}, fmt.Errorf("get user: %w", err)
	}
	if u.Status.State == iamv1beta1.UserDisabled || !u.DeletionTimestamp.IsZero() {
		return authz.User{}, &TokenError{Reason: fmt.Sprintf("user %q is disabled", c.Subject)}
	}
	return identityOf(u), nil
}

// verifyClaims checks token's signature and claims for type typ.
func (a *Authenticator) verifyClaims(ctx context.Context, token string, typ TokenType) (*Claims, error) {
	ks, err := a.o.Keys.KeySet(ctx)
	if err != nil {
		return nil, err
	}
	c, err := a.verified.parse(ks, token)
	if err != nil {
		return nil, err
	}
	if err := validate(c, a.o.Issuer, []string{a.o.Audience, a.o.KubernetesAudience}, typ, a.now(), a.o.MaximumClockSkew); err != nil {
		return nil, err
	}
	return c, nil
}
