package tenancy

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// CreateUserOptions are the optional inputs of CreateUser.
type CreateUserOptions struct {
	// Password, when set, must be 8 to 64 characters with a lower-case
	// letter, an upper-case letter and a digit. It is stored as a bcrypt
	// hash; the plain text never reaches the API server.
	Password    string
	DisplayName string
	Description string
	// Lang is the preferred language, such as "en".
	Lang string
}

// CreateUser creates a user with a unique e-mail address. Addresses are
// compared ignoring case (both lower-cased), and a user being deleted no
// longer has one. CreateUser looks for another user with the address first,
// to answer a *ConflictError naming them; the guarantee comes from the
// tenancy webhooks (package webhooks), which claim the address atomically
// when the API server admits the user, so of two racing creates one is
// refused there, as a Forbidden API error naming spec.email.
func (c *Client) CreateUser(ctx context.Context, name, email string, opts CreateUserOptions) (*iamv1beta1.User, error) {
	if err := checkUserName("name", name); err != nil {
		return nil, err
	}
	if err := checkEmail(email); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, writeOf("create", iamv1beta1.GroupName, iamv1beta1.ResourceUsers, name, platform)); err != nil {
		return nil, err
	}
	user := &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: iamv1beta1.UserSpec{
			Email:       email,
			DisplayName: opts.DisplayName,
			Description: opts.Description,
			Lang:        opts.Lang,
		},
	}
	if opts.Password != "" {
		hash, err := hashPassword(opts.Password)
		if err != nil {
			return nil, err
		}
		user.Spec.Password = hash
	}
	var users iamv1beta1.UserList
	if err := c.c.List(ctx, &users); err != nil {
		return nil, fmt.Errorf("create user %q: list users: %w", name, err)
	}
	for _, u := range users.Items {
		if u.Name != name && u.DeletionTimestamp.IsZero() && strings.EqualFold(u.Spec.Email, email) {
			return nil, &ConflictError{Field: "email", Reason: fmt.Sprintf("%s is the e-mail address of user %q", email, u.Name)}
		}
	}
	if err := c.c.Create(ctx, user); err != nil {
		return nil, fmt.Errorf("create user %q: %w", name, err)
	}
	return user, nil
}

// SetPasswordOptions are the optional inputs of SetPassword.
type SetPasswordOptions struct {
	// CurrentPassword is the user's present password. It is required when
	// a Client acting for a user (ClientOptions.OnBehalfOf) changes that
	// user's own password, as KubeSphere requires: a session left open
	// must not be enough to take the account over. It is not consulted
	// otherwise.
	CurrentPassword string
}

// SetPassword replaces the user's password, which must be strong enough
// (CheckPassword). The password is stored as a bcrypt hash.
//
// Acting for a user, changing one's own password needs
// opts.CurrentPassword (a wrong one is a *ForbiddenError); changing another
// user's needs the update permission on that user.
func (c *Client) SetPassword(ctx context.Context, user, password string, opts SetPasswordOptions) error {
	if err := checkUserName("user", user); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	if c.isActor(user) {
		if err := c.checkCurrentPassword(ctx, user, opts.CurrentPassword); err != nil {
			return err
		}
	} else if err := c.authorize(ctx, writeOf("update", iamv1beta1.GroupName, iamv1beta1.ResourceUsers, user, platform)); err != nil {
		return err
	}
	return c.updateUser(ctx, user, func(u *iamv1beta1.User) bool {
		u.Spec.Password = hash
		return true
	})
}

// checkCurrentPassword compares current with the stored hash of user.
func (c *Client) checkCurrentPassword(ctx context.Context, user, current string) error {
	if current == "" {
		return &InvalidError{Field: "CurrentPassword", Reason: "required to change one's own password"}
	}
	u := &iamv1beta1.User{}
	if err := c.mustExist(ctx, "user", "User", client.ObjectKey{Name: user}, u); err != nil {
		return err
	}
	if u.Spec.Password == "" || bcrypt.CompareHashAndPassword([]byte(u.Spec.Password), []byte(current)) != nil {
		return &ForbiddenError{User: user, Reason: "the current password does not match"}
	}
	return nil
}

// DisableUser sets the user's state to Disabled: consoles refuse their
// logins until EnableUser.
func (c *Client) DisableUser(ctx context.Context, user string) error {
	return c.setUserState(ctx, user, iamv1beta1.UserDisabled, "disabled by an administrator")
}

// EnableUser sets a disabled or blocked user's state back to Active.
func (c *Client) EnableUser(ctx context.Context, user string) error {
	return c.setUserState(ctx, user, iamv1beta1.UserActive, "")
}

func (c *Client) setUserState(ctx context.Context, user string, state iamv1beta1.UserState, reason string) error {
	if err := checkUserName("user", user); err != nil {
		return err
	}
	// The state is written with the whole object (KubeSphere's User has no
	// status subresource), so the check is the one for updating the user.
	if err := c.authorize(ctx, writeOf("update", iamv1beta1.GroupName, iamv1beta1.ResourceUsers, user, platform)); err != nil {
		return err
	}
	return c.updateUser(ctx, user, func(u *iamv1beta1.User) bool {
		if u.Status.State == state {
			return false
		}
		u.Status.State, u.Status.Reason = state, reason
		u.Status.LastTransitionTime = &metav1.Time{Time: time.Now()}
		return true
	})
}

// updateUser reads, changes and writes the user, retrying on conflicts.
// Status is written with the rest of the object: KubeSphere's User has no
// status subresource.
func (c *Client) updateUser(ctx context.Context, name string, change func(*iamv1beta1.User) bool) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := &iamv1beta1.User{}
		if err := c.mustExist(ctx, "user", "User", client.ObjectKey{Name: name}, u); err != nil {
			return err
		}
		if !change(u) {
			return nil
		}
		return c.c.Update(ctx, u)
	})
	if err != nil {
		if isInputError(err) {
			return err
		}
		return fmt.Errorf("update user %q: %w", name, err)
	}
	return nil
}

// RecordLoginOptions describe a login attempt for RecordLogin.
type RecordLoginOptions struct {
	// Type is how the user authenticated; empty means
	// iamv1beta1.LoginPassword.
	Type iamv1beta1.LoginType
	// Failed marks a failed attempt; Reason says why.
	Failed    bool
	Reason    string
	Provider  string
	SourceIP  string
	UserAgent string
}

// RecordLogin records a login attempt of user. Repeated failures block the
// user (state AuthLimitExceeded) for a while; see controllers.Options.
func (c *Client) RecordLogin(ctx context.Context, user string, opts RecordLoginOptions) (*iamv1beta1.LoginRecord, error) {
	if err := c.userExists(ctx, "user", user); err != nil {
		return nil, err
	}
	typ := opts.Type
	switch typ {
	case "":
		typ = iamv1beta1.LoginPassword
	case iamv1beta1.LoginPassword, iamv1beta1.LoginOAuth, iamv1beta1.LoginToken:
	default:
		return nil, &InvalidError{Field: "Type", Reason: fmt.Sprintf("%q is not Password, OAuth or Token", typ)}
	}
	if err := c.authorize(ctx, writeOf("create", iamv1beta1.GroupName, "loginrecords", "", platform)); err != nil {
		return nil, err
	}
	rec := &iamv1beta1.LoginRecord{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: user + "-",
			Labels:       map[string]string{iamv1beta1.UserReferenceLabel: user},
		},
		Spec: iamv1beta1.LoginRecordSpec{
			Type:      typ,
			Provider:  opts.Provider,
			SourceIP:  opts.SourceIP,
			UserAgent: opts.UserAgent,
			Success:   !opts.Failed,
			Reason:    opts.Reason,
		},
	}
	if err := c.c.Create(ctx, rec); err != nil {
		return nil, fmt.Errorf("record login of %q: %w", user, err)
	}
	return rec, nil
}

func hashPassword(password string) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}
