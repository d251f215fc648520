package tenancy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"golang.org/x/crypto/bcrypt"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

func getUser(t *testing.T, n string) *iamv1beta1.User {
	t.Helper()
	u := &iamv1beta1.User{}
	require.NoError(t, env.Client.Get(context.Background(), client.ObjectKey{Name: n}, u))
	return u
}

func TestCreateUserRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	taken := newUser(t, "taken")
	tests := []struct {
		name, user, email, password, field string
		conflict                           bool
	}{
		{name: "empty name", user: "", email: "a@example.com", field: "name"},
		{name: "name with spaces", user: "a b", email: "a@example.com", field: "name"},
		{name: "no email", user: name("u"), email: "", field: "email"},
		{name: "not an email", user: name("u"), email: "example.com", field: "email"},
		{name: "short password", user: name("u"), email: "s@example.com", password: "Ab1", field: "password"},
		{name: "no upper case", user: name("u"), email: "s@example.com", password: "abcdefgh1", field: "password"},
		{name: "no digit", user: name("u"), email: "s@example.com", password: "Abcdefghi", field: "password"},
		{name: "too long", user: name("u"), email: "s@example.com", password: "Ab1" + strings.Repeat("x", 62), field: "password"},
		{name: "duplicate email", user: name("u"), email: taken + "@example.com", field: "email", conflict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tc.CreateUser(ctx, tt.user, tt.email, tenancy.CreateUserOptions{Password: tt.password})
			if tt.conflict {
				var ce *tenancy.ConflictError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.field, ce.Field)
			} else {
				var ie *tenancy.InvalidError
				require.ErrorAs(t, err, &ie)
				assert.Equal(t, tt.field, ie.Field)
			}
			if tt.user != "" && !strings.Contains(tt.user, " ") {
				assert.False(t, exists(t, &iamv1beta1.User{ObjectMeta: metaName(tt.user)}), "nothing is written")
			}
		})
	}
}

// TestPlainPasswordIsHashed writes a user as kubectl would, with a plain
// password: the API server checks its strength and the controller hashes it.
func TestPlainPasswordIsHashed(t *testing.T) {
	ctx := context.Background()
	n := name("plain")
	weak := &iamv1beta1.User{ObjectMeta: metaName(n), Spec: iamv1beta1.UserSpec{Email: n + "@example.com", Password: "weak"}}
	err := env.Client.Create(ctx, weak)
	require.True(t, apierrors.IsInvalid(err), "weak password refused by the CRD: %v", err)

	u := &iamv1beta1.User{ObjectMeta: metaName(n), Spec: iamv1beta1.UserSpec{Email: n + "@example.com", Password: "Passw0rdPlain"}}
	require.NoError(t, env.Client.Create(ctx, u))
	eventually(t, func() bool {
		u = getUser(t, n)
		return controllers.IsPasswordHash(u.Spec.Password) && u.Status.State == iamv1beta1.UserActive
	}, "password hashed and user Active")
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(u.Spec.Password), []byte("Passw0rdPlain")))
	assert.Contains(t, u.Finalizers, controllers.UserFinalizer)

	require.NoError(t, tc.SetPassword(ctx, n, "An0therPassword", tenancy.SetPasswordOptions{}))
	u = getUser(t, n)
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(u.Spec.Password), []byte("An0therPassword")), "SetPassword stores a hash")
	var ie *tenancy.InvalidError
	require.ErrorAs(t, tc.SetPassword(ctx, n, "short", tenancy.SetPasswordOptions{}), &ie)
	assert.ErrorIs(t, tc.SetPassword(ctx, "ghost", "An0therPassword", tenancy.SetPasswordOptions{}), tenancy.ErrNotFound)
}

func TestDisableEnableUser(t *testing.T) {
	ctx := context.Background()
	n := newUser(t, "toggle")
	eventually(t, func() bool { return getUser(t, n).Status.State == iamv1beta1.UserActive }, "active")
	require.NoError(t, tc.DisableUser(ctx, n))
	assert.Equal(t, iamv1beta1.UserDisabled, getUser(t, n).Status.State)
	// The controller keeps a disabled user disabled.
	_, err := tc.RecordLogin(ctx, n, tenancy.RecordLoginOptions{})
	require.NoError(t, err)
	time.Sleep(time.Second)
	assert.Equal(t, iamv1beta1.UserDisabled, getUser(t, n).Status.State)
	require.NoError(t, tc.EnableUser(ctx, n))
	assert.Equal(t, iamv1beta1.UserActive, getUser(t, n).Status.State)
	assert.ErrorIs(t, tc.DisableUser(ctx, "ghost"), tenancy.ErrNotFound)
}

// TestFailedLoginsBlockThenUnblock: testFailureLimit failures within the
// window block the user; once the window has passed the user is Active.
func TestFailedLoginsBlockThenUnblock(t *testing.T) {
	ctx := context.Background()
	n := newUser(t, "login")
	_, err := tc.RecordLogin(ctx, n, tenancy.RecordLoginOptions{SourceIP: "10.0.0.1"})
	require.NoError(t, err)
	eventually(t, func() bool { return getUser(t, n).Status.LastLoginTime != nil }, "last login time recorded")
	for range testFailureLimit {
		rec, err := tc.RecordLogin(ctx, n, tenancy.RecordLoginOptions{Failed: true, Reason: "bad password"})
		require.NoError(t, err)
		assert.Equal(t, n, rec.Labels[iamv1beta1.UserReferenceLabel])
	}
	eventually(t, func() bool { return getUser(t, n).Status.State == iamv1beta1.UserAuthLimitExceeded }, "blocked after repeated failures")
	eventually(t, func() bool { return getUser(t, n).Status.State == iamv1beta1.UserActive }, "unblocked after the window")

	_, err = tc.RecordLogin(ctx, n, tenancy.RecordLoginOptions{Type: "Carrier-Pigeon"})
	var ie *tenancy.InvalidError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "Type", ie.Field)
}

func TestDeletedUserLosesBindingsAndRecords(t *testing.T) {
	ctx := context.Background()
	n := newUser(t, "leaver")
	ws := newWorkspace(t, "")
	p := newProject(t, ws, "")
	require.NoError(t, tc.AddMember(ctx, tenancy.Workspace(ws), n, "viewer"))
	require.NoError(t, tc.AddMember(ctx, tenancy.Project(p), n, "viewer"))
	require.NoError(t, tc.AddMember(ctx, tenancy.Platform(), n, "platform-regular"))
	_, err := tc.RecordLogin(ctx, n, tenancy.RecordLoginOptions{})
	require.NoError(t, err)
	eventually(t, func() bool { return len(getUser(t, n).Finalizers) > 0 }, "finalizer added")

	require.NoError(t, env.Client.Delete(ctx, &iamv1beta1.User{ObjectMeta: metaName(n)}))
	eventually(t, func() bool { return !exists(t, &iamv1beta1.User{ObjectMeta: metaName(n)}) }, "user deleted")
	sel := client.MatchingLabels{iamv1beta1.UserReferenceLabel: n}
	for _, list := range []client.ObjectList{
		&iamv1beta1.WorkspaceRoleBindingList{}, &iamv1beta1.RoleBindingList{},
		&iamv1beta1.GlobalRoleBindingList{}, &iamv1beta1.LoginRecordList{},
	} {
		require.NoError(t, env.Client.List(ctx, list, sel))
		items, err := metaItems(list)
		require.NoError(t, err)
		assert.Empty(t, items, "%T of the deleted user", list)
	}
}

func TestGroupMembershipFollowsGroupBindings(t *testing.T) {
	ctx := context.Background()
	a, b := newUser(t, "ga"), newUser(t, "gb")
	g := name("group")
	gb := &iamv1beta1.GroupBinding{
		ObjectMeta: metav1.ObjectMeta{Name: g + "-members", Labels: map[string]string{iamv1beta1.GroupReferenceLabel: g}},
		GroupRef:   iamv1beta1.GroupReference{APIGroup: iamv1beta1.GroupName, Kind: "Group", Name: g},
		Users:      []string{a, b},
	}
	require.NoError(t, env.Client.Create(ctx, gb))
	eventually(t, func() bool {
		return assert.ObjectsAreEqual([]string{g}, getUser(t, a).Spec.Groups) && assert.ObjectsAreEqual([]string{g}, getUser(t, b).Spec.Groups)
	}, "both users list the group")
	gb.Users = []string{a}
	require.NoError(t, env.Client.Update(ctx, gb))
	eventually(t, func() bool { return len(getUser(t, b).Spec.Groups) == 0 }, "a user taken out of the binding loses the group")
	assert.Equal(t, []string{g}, getUser(t, a).Spec.Groups)
}

// TestLoginRecordsAreCapped records more logins than a user keeps: the
// oldest go, the newest stay.
func TestLoginRecordsAreCapped(t *testing.T) {
	ctx := context.Background()
	n := newUser(t, "chatty")
	var names []string
	for range testRecordsPerUser + 3 {
		rec, err := tc.RecordLogin(ctx, n, tenancy.RecordLoginOptions{})
		require.NoError(t, err)
		names = append(names, rec.Name)
		time.Sleep(1100 * time.Millisecond) // creation timestamps have second precision
	}
	sel := client.MatchingLabels{iamv1beta1.UserReferenceLabel: n}
	var kept []string
	eventually(t, func() bool {
		var list iamv1beta1.LoginRecordList
		require.NoError(t, env.Client.List(ctx, &list, sel))
		kept = kept[:0]
		for _, r := range list.Items {
			kept = append(kept, r.Name)
		}
		return len(kept) == testRecordsPerUser
	}, "records capped at %d, have %v", testRecordsPerUser, &kept)
	assert.ElementsMatch(t, names[3:], kept, "the newest records are kept")
}
