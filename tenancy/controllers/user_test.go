package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
)

const plainPassword = "P4ssword-plain"

// newUser creates a labelled user with a fresh name and password.
func newUser(t *testing.T, password string) *iamv1beta1.User {
	t.Helper()
	n := name("user")
	u := &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: n, Labels: labelled(nil)},
		Spec:       iamv1beta1.UserSpec{Email: n + "@example.com", Password: password},
	}
	create(t, u)
	return u
}

// hashes says whether u's stored password is a bcrypt hash of password.
func hashes(t *testing.T, u *iamv1beta1.User, password string) (bool, error) {
	if !exists(t, u) {
		return false, errors.New("no user")
	}
	if !controllers.IsPasswordHash(u.Spec.Password) {
		return false, fmt.Errorf("password %q is not a hash", u.Spec.Password)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(u.Spec.Password), []byte(password)); err != nil {
		return false, err
	}
	return true, nil
}

// userState waits until u is in state.
func waitUserState(t *testing.T, u *iamv1beta1.User, state iamv1beta1.UserState, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		if !exists(t, u) {
			return false, errors.New("no user")
		}
		return u.Status.State == state, fmt.Errorf("state %q", u.Status.State)
	}, "%s", msg)
}

// newGroupBinding puts users into group.
func newGroupBinding(t *testing.T, group string, users ...string) *iamv1beta1.GroupBinding {
	t.Helper()
	gb := &iamv1beta1.GroupBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name("gb")},
		GroupRef:   iamv1beta1.GroupReference{APIGroup: iamv1beta1.GroupName, Kind: "Group", Name: group},
		Users:      users,
	}
	create(t, gb)
	return gb
}

// newLoginRecord records a login of user.
func newLoginRecord(t *testing.T, user string, success bool) *iamv1beta1.LoginRecord {
	t.Helper()
	rec := &iamv1beta1.LoginRecord{
		ObjectMeta: metav1.ObjectMeta{Name: name(user), Labels: map[string]string{iamv1beta1.UserReferenceLabel: user}},
		Spec:       iamv1beta1.LoginRecordSpec{Type: iamv1beta1.LoginPassword, Provider: "local", SourceIP: "10.0.0.1", Success: success, Reason: "test"},
	}
	create(t, rec)
	return rec
}

func waitGroups(t *testing.T, u *iamv1beta1.User, want []string, msg string) {
	t.Helper()
	testenv.Eventually(t, func() (bool, error) {
		if !exists(t, u) {
			return false, errors.New("no user")
		}
		return slices.Equal(u.Spec.Groups, want), fmt.Errorf("groups %v, want %v", u.Spec.Groups, want)
	}, "%s", msg)
}

// TestUserReconciler checks what the user controller keeps for a user:
// its password hashed, its state, its groups, its login records, and on
// deletion what referred to it.
func TestUserReconciler(t *testing.T) {
	ctx := context.Background()

	t.Run("plain password", func(t *testing.T) {
		u := newUser(t, plainPassword)
		testenv.Eventually(t, func() (bool, error) { return hashes(t, u, plainPassword) }, "the plain password is hashed")
		waitUserState(t, u, iamv1beta1.UserActive, "the user is active")
		assert.True(t, controllerutil.ContainsFinalizer(u, controllers.UserFinalizer), "the user holds the finalizer")

		update(t, u, func(u *iamv1beta1.User) { u.Spec.Password = "N3w-plain-password" })
		testenv.Eventually(t, func() (bool, error) { return hashes(t, u, "N3w-plain-password") }, "a new plain password is hashed")
	})

	t.Run("password already hashed", func(t *testing.T) {
		hash, err := bcrypt.GenerateFromPassword([]byte(plainPassword), 4)
		require.NoError(t, err)
		u := newUser(t, string(hash))
		waitUserState(t, u, iamv1beta1.UserActive, "the user is active")
		assert.Equal(t, string(hash), u.Spec.Password, "a hash is kept as it is")
	})

	t.Run("groups follow the group bindings", func(t *testing.T) {
		u := newUser(t, "")
		other := newUser(t, "")
		g1 := newGroupBinding(t, "g1-"+u.Name, u.Name, other.Name)
		waitGroups(t, u, []string{g1.GroupRef.Name}, "a group binding puts the user into the group")
		g2 := newGroupBinding(t, "g2-"+u.Name, u.Name)
		waitGroups(t, u, []string{g1.GroupRef.Name, g2.GroupRef.Name}, "and a second")
		update(t, u, func(u *iamv1beta1.User) { u.Spec.Groups = []string{"admins"} })
		waitGroups(t, u, []string{g1.GroupRef.Name, g2.GroupRef.Name}, "groups written by hand are put back")
		remove(t, g1)
		waitGroups(t, u, []string{g2.GroupRef.Name}, "a deleted group binding takes the group away")
		update(t, g2, func(gb *iamv1beta1.GroupBinding) { gb.Users = []string{other.Name} })
		waitGroups(t, u, nil, "so does a binding the user is removed from")
		waitGroups(t, other, []string{g2.GroupRef.Name}, "and the user added to it gets it")
	})

	t.Run("failed logins block", func(t *testing.T) {
		u := newUser(t, "")
		waitUserState(t, u, iamv1beta1.UserActive, "active")
		for range testFailureLimit {
			newLoginRecord(t, u.Name, false)
		}
		waitUserState(t, u, iamv1beta1.UserAuthLimitExceeded, "too many failed logins block the user")
	})

	t.Run("a disabled user stays disabled", func(t *testing.T) {
		u := newUser(t, "")
		waitUserState(t, u, iamv1beta1.UserActive, "active")
		update(t, u, func(u *iamv1beta1.User) { u.Status.State = iamv1beta1.UserDisabled })
		for range testFailureLimit {
			newLoginRecord(t, u.Name, false)
		}
		newLoginRecord(t, u.Name, true)
		// The last login is recorded: the records were looked at.
		eventually(t, func() bool { return exists(t, u) && u.Status.LastLoginTime != nil }, "the successful login is recorded")
		assert.Equal(t, iamv1beta1.UserDisabled, u.Status.State)
	})

	t.Run("login records beyond the limit are removed", func(t *testing.T) {
		u := newUser(t, "")
		for range testRecordsPerUser + 2 {
			newLoginRecord(t, u.Name, true)
		}
		eventually(t, func() bool {
			var recs iamv1beta1.LoginRecordList
			require.NoError(t, env.Client.List(ctx, &recs, client.MatchingLabels{iamv1beta1.UserReferenceLabel: u.Name}))
			return len(recs.Items) == testRecordsPerUser
		}, "at most %d records are kept", testRecordsPerUser)
	})

	t.Run("deleted", func(t *testing.T) {
		u := newUser(t, plainPassword)
		other := newUser(t, "")
		waitUserState(t, u, iamv1beta1.UserActive, "active")
		ns := env.NewNamespace(t)
		byUser := map[string]string{iamv1beta1.UserReferenceLabel: u.Name}
		subjects := []rbacv1.Subject{userSubject(u.Name)}
		refs := []client.Object{
			&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("grb"), Labels: byUser}, Subjects: subjects, RoleRef: iamRef("GlobalRole", "viewer")},
			&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("crb"), Labels: byUser}, Subjects: subjects, RoleRef: iamRef("ClusterRole", "viewer")},
			&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("wrb"), Labels: mergeMaps(byUser, map[string]string{tenantv1beta1.WorkspaceLabel: "ws"})}, Subjects: subjects, RoleRef: iamRef("WorkspaceRole", "ws-viewer")},
			&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name("rb"), Namespace: ns, Labels: byUser}, Subjects: subjects, RoleRef: iamRef("Role", "viewer")},
			newLoginRecord(t, u.Name, true),
		}
		for _, o := range refs[:4] {
			create(t, o)
		}
		alone := newGroupBinding(t, "g-"+u.Name, u.Name)
		shared := newGroupBinding(t, "s-"+u.Name, u.Name, other.Name)
		waitGroups(t, u, []string{alone.GroupRef.Name, shared.GroupRef.Name}, "in both groups")

		remove(t, u)
		gone(t, u, "the user goes once the finalizer has cleaned up")
		for _, o := range refs {
			assert.False(t, exists(t, o), "%T %s of the user is gone", o, o.GetName())
		}
		assert.False(t, exists(t, alone), "a group binding of the user alone is gone")
		require.True(t, exists(t, shared))
		assert.Equal(t, []string{other.Name}, shared.Users, "the user is removed from a shared group binding")
	})
}

func mergeMaps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
