package authn

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Identity is someone an identity provider authenticated.
type Identity struct {
	// UID is the provider's stable ID for them (an LDAP entry's DN or a
	// configured attribute, an OIDC subject).
	UID         string
	Username    string
	Email       string
	DisplayName string
	// Groups are the provider's groups they are in (LDAP groups, an OIDC
	// groups claim), for SyncGroups.
	Groups []string
}

// MappingMethod says what a login through a provider does when no user is
// mapped to the identity yet. The values are KubeSphere's.
type MappingMethod string

const (
	// MappingAuto creates the user, named after the identity's username
	// in lower case, on first login.
	MappingAuto MappingMethod = "auto"
	// MappingLookup refuses identities no user is mapped to
	// (ErrNotMapped); an administrator maps users beforehand.
	MappingLookup MappingMethod = "lookup"
	// MappingManual answers a *RegistrationRequiredError, with which the
	// host lets the person choose a user name and calls Register
	// (KubeSphere's pre-registration flow).
	MappingManual MappingMethod = "manual"
)

// IdentityProvider is an identity provider a login may name. LDAPProvider
// implements it (with PasswordProvider).
type IdentityProvider interface {
	// Name is the provider's name, used in login records and in the
	// mapping annotation of users.
	Name() string
	// MappingMethod is what a login does for an identity no user is mapped
	// to.
	MappingMethod() MappingMethod
}

// PasswordProvider is an identity provider that checks a user name and a
// password itself, as LDAP does.
type PasswordProvider interface {
	IdentityProvider
	// AuthenticatePassword returns the identity of username if password
	// is theirs, or an error wrapping ErrInvalidCredentials if not.
	AuthenticatePassword(ctx context.Context, username, password string) (Identity, error)
}

// Well-known names of identity mapping, KubeSphere's: 4.x writes the
// annotation "iam.kubesphere.io/identity-provider.<provider>: <uid>" on the
// user; 3.x the two labels. spherekit finds a user by either and writes
// all three (the labels when the values are valid label values).
const (
	IdentityProviderAnnotationPrefix = "iam.kubesphere.io/identity-provider."
	IdentityProviderLabel            = "iam.kubesphere.io/identity-provider"
	OriginUIDLabel                   = "iam.kubesphere.io/origin-uid"
	// PreRegistrationUser is the name of the identity of someone
	// authenticated by a provider but not yet registered.
	PreRegistrationUser      = "system:pre-registration"
	PreRegistrationUserGroup = "pre-registration"
)

// Extra keys of a pre-registration identity, KubeSphere's.
const (
	ExtraIdentityProvider = "idp"
	ExtraUID              = "uid"
	ExtraUsername         = "username"
	ExtraEmail            = "email"
)

// RegistrationRequiredError is the answer to a login through a provider
// with MappingManual when no user is mapped to the identity yet. Identity
// is KubeSphere's pre-registration user (PreRegistrationUser, with the
// provider, UID, username and e-mail in Extra); pass it to Register.
type RegistrationRequiredError struct {
	Provider string
	Identity Identity
}

func (e *RegistrationRequiredError) Error() string {
	return fmt.Sprintf("identity %q of provider %q must register first", e.Identity.Username, e.Provider)
}

// PreRegistrationUser returns the identity a request of the person carries
// until they register, as KubeSphere names it.
func (e *RegistrationRequiredError) PreRegistrationUser() authz.User {
	return authz.User{
		Name:   PreRegistrationUser,
		Groups: []string{PreRegistrationUserGroup},
		Extra: map[string][]string{
			ExtraIdentityProvider: {e.Provider},
			ExtraUID:              {e.Identity.UID},
			ExtraUsername:         {e.Identity.Username},
			ExtraEmail:            {e.Identity.Email},
		},
	}
}

// identityKey is the value of the identity index: provider and UID.
func identityKey(provider, uid string) string { return provider + "\x00" + uid }

// IndexUserIdentity is the field index of Users by mapped identity that
// IndexFields registers.
const IndexUserIdentity = "authn.spherekit.io/identity"

func userIdentities(u *iamv1beta1.User) []string {
	var keys []string
	for k, v := range u.Annotations {
		if p, ok := strings.CutPrefix(k, IdentityProviderAnnotationPrefix); ok && p != "" && v != "" {
			keys = append(keys, identityKey(p, v))
		}
	}
	if p, uid := u.Labels[IdentityProviderLabel], u.Labels[OriginUIDLabel]; p != "" && uid != "" {
		keys = append(keys, identityKey(p, uid))
	}
	return keys
}

// mappedUser finds the user mapped to provider's uid; nil if none. It
// reads the cache, or the API server when live.
func (a *Authenticator) mappedUser(ctx context.Context, provider, uid string, live bool) (*iamv1beta1.User, error) {
	key := identityKey(provider, uid)
	r := a.cache
	if live {
		r = a.c
	}
	var users iamv1beta1.UserList
	if err := r.List(ctx, &users, client.MatchingFields{IndexUserIdentity: key}); err != nil {
		if err := r.List(ctx, &users); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
	}
	for i := range users.Items {
		u := &users.Items[i]
		for _, k := range userIdentities(u) {
			if k == key && u.DeletionTimestamp.IsZero() {
				return u, nil
			}
		}
	}
	return nil, nil
}

func (a *Authenticator) authenticateWithProvider(ctx context.Context, login, password string, opts LoginOptions) (authz.User, error) {
	p, ok := a.providers[opts.Provider].(PasswordProvider)
	if !ok {
		return authz.User{}, &InvalidError{Field: "Provider", Reason: fmt.Sprintf("%q is not a password identity provider of this Authenticator", opts.Provider)}
	}
	if login == "" || password == "" {
		return authz.User{}, ErrInvalidCredentials
	}
	id, err := p.AuthenticatePassword(ctx, login, password)
	if err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			if rerr := a.record(ctx, "", iamv1beta1.LoginPassword, false, "invalid credentials", opts); rerr != nil {
				return authz.User{}, rerr
			}
			return authz.User{}, ErrInvalidCredentials
		}
		return authz.User{}, fmt.Errorf("identity provider %q: %w", p.Name(), err)
	}
	u, err := a.mapIdentity(ctx, p, id)
	if err != nil {
		return authz.User{}, err
	}
	switch u.Status.State {
	case iamv1beta1.UserDisabled:
		if err := a.record(ctx, u.Name, iamv1beta1.LoginPassword, false, "account suspended", opts); err != nil {
			return authz.User{}, err
		}
		return authz.User{}, ErrAccountDisabled
	case iamv1beta1.UserAuthLimitExceeded:
		return authz.User{}, ErrTooManyFailedLogins
	}
	if err := a.record(ctx, u.Name, iamv1beta1.LoginPassword, true, "", opts); err != nil {
		return authz.User{}, err
	}
	return identityOf(u), nil
}

// mapIdentity returns the user mapped to id, creating it for MappingAuto.
func (a *Authenticator) mapIdentity(ctx context.Context, p IdentityProvider, id Identity) (*iamv1beta1.User, error) {
	if id.UID == "" {
		return nil, fmt.Errorf("identity provider %q returned an identity without a UID", p.Name())
	}
	u, err := a.mappedUser(ctx, p.Name(), id.UID, false)
	if err != nil || u != nil {
		return u, err
	}
	switch p.MappingMethod() {
	case MappingLookup:
		return nil, fmt.Errorf("%w: %s %q", ErrNotMapped, p.Name(), id.UID)
	case MappingManual:
		return nil, &RegistrationRequiredError{Provider: p.Name(), Identity: id}
	case MappingAuto:
		return a.createMapped(ctx, p.Name(), id, strings.ToLower(id.Username))
	default:
		return nil, fmt.Errorf("identity provider %q has mapping method %q, not auto, lookup or manual", p.Name(), p.MappingMethod())
	}
}

// Register creates the user name for an identity a login answered a
// *RegistrationRequiredError for, mapped to it, and returns it.
func (a *Authenticator) Register(ctx context.Context, reg *RegistrationRequiredError, name string) (*iamv1beta1.User, error) {
	if reg == nil {
		return nil, &InvalidError{Field: "reg", Reason: "required"}
	}
	if _, ok := a.providers[reg.Provider]; !ok {
		return nil, &InvalidError{Field: "reg.Provider", Reason: fmt.Sprintf("%q is not an identity provider of this Authenticator", reg.Provider)}
	}
	// Read from the API server: a registration a moment ago may not be
	// in the cache yet.
	u, err := a.mappedUser(ctx, reg.Provider, reg.Identity.UID, true)
	if err != nil {
		return nil, err
	}
	if u != nil {
		return nil, &InvalidError{Field: "reg", Reason: fmt.Sprintf("the identity is already mapped to user %q", u.Name)}
	}
	return a.createMapped(ctx, reg.Provider, reg.Identity, name)
}

// createMapped creates user name mapped to provider's identity id. An
// existing user of that name is never taken over (KubeSphere's auto mapping
// would annotate and so take over a local account of the same name): it is
// a conflict.
func (a *Authenticator) createMapped(ctx context.Context, provider string, id Identity, name string) (*iamv1beta1.User, error) {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 || len(name) > 63 {
		return nil, &InvalidError{Field: "name", Reason: fmt.Sprintf("%q is not a valid user name: lower-case letters, digits, '-' and '.', at most 63 characters", name)}
	}
	u := &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{IdentityProviderAnnotationPrefix + provider: id.UID},
		},
		Spec:   iamv1beta1.UserSpec{Email: id.Email, DisplayName: id.DisplayName},
		Status: iamv1beta1.UserStatus{State: iamv1beta1.UserActive},
	}
	if len(validation.IsValidLabelValue(provider)) == 0 && len(validation.IsValidLabelValue(id.UID)) == 0 {
		u.Labels = map[string]string{IdentityProviderLabel: provider, OriginUIDLabel: id.UID}
	}
	if err := a.c.Create(ctx, u); err != nil {
		if apierrors.IsAlreadyExists(err) {
			// Made a moment ago for this identity (a concurrent first
			// login) is fine; anyone else's account is not.
			existing := &iamv1beta1.User{}
			if gerr := a.c.Get(ctx, client.ObjectKey{Name: name}, existing); gerr == nil && slices.Contains(userIdentities(existing), identityKey(provider, id.UID)) {
				return existing, nil
			}
			return nil, &ConflictError{Field: "name", Reason: fmt.Sprintf("user %q exists and is not mapped to this identity", name), Err: err}
		}
		return nil, fmt.Errorf("create user %q for identity %q of %q: %w", name, id.UID, provider, err)
	}
	return u, nil
}
