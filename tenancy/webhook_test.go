package tenancy_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/webhooks"
)

// TestDuplicateEmailRefusedByWebhook writes users directly, as kubectl
// would: the API server asks the webhook, which refuses a taken address,
// in any letter case, and indexes it with a Lease.
func TestDuplicateEmailRefusedByWebhook(t *testing.T) {
	ctx := context.Background()
	first := newUser(t, "first")
	addr := first + "@example.com"
	for _, email := range []string{addr, strings.ToUpper(addr)} {
		n := name("second")
		err := env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(n), Spec: iamv1beta1.UserSpec{Email: email}})
		require.Error(t, err, email)
		assert.True(t, apierrors.IsForbidden(err), "denied by admission: %v", err)
		assert.Contains(t, err.Error(), "spec.email")
		assert.Contains(t, err.Error(), first, "names the user that has the address")
		assert.False(t, exists(t, &iamv1beta1.User{ObjectMeta: metaName(n)}))
	}

	// Client.CreateUser's pre-check compares addresses the same way.
	_, err := tc.CreateUser(ctx, name("second"), strings.ToUpper(addr), tenancy.CreateUserOptions{})
	var conflict *tenancy.ConflictError
	assert.ErrorAs(t, err, &conflict, "friendly answer before the webhook's")

	// The claim: a Lease named after the address, held by the user.
	u := getUser(t, first)
	claim := getClaim(t, addr)
	require.NotNil(t, claim, "claim of %s", addr)
	assert.Equal(t, first, ptr.Deref(claim.Spec.HolderIdentity, ""))
	assert.Equal(t, addr, claim.Annotations[webhooks.EmailClaimAnnotation])
	assert.Equal(t, "true", claim.Labels[webhooks.EmailClaimLabel])
	assert.Equal(t, string(u.UID), claim.Annotations["iam.spherekit.io/user-uid"], "the UID the API server gave the user")

	// Changing one's own user keeps the address.
	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := getUser(t, first)
		u.Spec.DisplayName = "First"
		return env.Client.Update(ctx, u)
	}))
	err = env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(name("third")), Spec: iamv1beta1.UserSpec{Email: addr}})
	assert.True(t, apierrors.IsForbidden(err), "still taken: %v", err)
}

// TestEmailFreedByDeletion deletes a user: another user may have its
// address at once.
func TestEmailFreedByDeletion(t *testing.T) {
	ctx := context.Background()
	gone := newUser(t, "gone")
	addr := gone + "@example.com"
	require.NoError(t, env.Client.Delete(ctx, &iamv1beta1.User{ObjectMeta: metaName(gone)}))
	eventually(t, func() bool { return !exists(t, &iamv1beta1.User{ObjectMeta: metaName(gone)}) }, "user %s deleted", gone)

	next := name("next")
	require.NoError(t, env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(next), Spec: iamv1beta1.UserSpec{Email: addr}}))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &iamv1beta1.User{ObjectMeta: metaName(next)}) })
	claim := getClaim(t, addr)
	require.NotNil(t, claim)
	assert.Equal(t, next, ptr.Deref(claim.Spec.HolderIdentity, ""))
}

// TestEmailChangeClaimsNewAddress changes a user's address: the new one is
// taken, the old one free.
func TestEmailChangeClaimsNewAddress(t *testing.T) {
	ctx := context.Background()
	mover := newUser(t, "mover")
	oldAddr, newAddr := mover+"@example.com", mover+"@example.org"
	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := getUser(t, mover)
		u.Spec.Email = newAddr
		return env.Client.Update(ctx, u)
	}))

	err := env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(name("other")), Spec: iamv1beta1.UserSpec{Email: newAddr}})
	assert.True(t, apierrors.IsForbidden(err), "the new address is taken: %v", err)

	heir := name("heir")
	require.NoError(t, env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(heir), Spec: iamv1beta1.UserSpec{Email: oldAddr}}), "the old address is free")
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &iamv1beta1.User{ObjectMeta: metaName(heir)}) })
	assert.Equal(t, heir, ptr.Deref(getClaim(t, oldAddr).Spec.HolderIdentity, ""))
}

// TestEmailDryRunWritesNoClaim sends dry-run writes: they are judged like
// real ones, but no claim is written.
func TestEmailDryRunWritesNoClaim(t *testing.T) {
	ctx := context.Background()
	taken := newUser(t, "taken")

	fresh := name("dry") + "@example.com"
	n := name("dry")
	require.NoError(t, env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(n), Spec: iamv1beta1.UserSpec{Email: fresh}}, client.DryRunAll))
	assert.False(t, exists(t, &iamv1beta1.User{ObjectMeta: metaName(n)}))
	assert.Nil(t, getClaim(t, fresh), "a dry-run create writes no claim")

	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := getUser(t, taken)
		u.Spec.Email = fresh
		return env.Client.Update(ctx, u, client.DryRunAll)
	}))
	assert.Equal(t, taken+"@example.com", getUser(t, taken).Spec.Email)
	assert.Nil(t, getClaim(t, fresh), "a dry-run update writes no claim")

	err := env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(name("dry")), Spec: iamv1beta1.UserSpec{Email: taken + "@example.com"}}, client.DryRunAll)
	assert.True(t, apierrors.IsForbidden(err), "a dry run is still refused a taken address: %v", err)

	// A real create then claims the address.
	require.NoError(t, env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(n), Spec: iamv1beta1.UserSpec{Email: fresh}}))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &iamv1beta1.User{ObjectMeta: metaName(n)}) })
	assert.NotNil(t, getClaim(t, fresh))
}

// getClaim returns the Lease that claims addr, or nil.
func getClaim(t *testing.T, addr string) *coordinationv1.Lease {
	t.Helper()
	claim := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: webhooks.DefaultEmailClaimNamespace, Name: webhooks.EmailClaimName(addr)}}
	if !exists(t, claim) {
		return nil
	}
	return claim
}

// TestEmailClaimedOnceByConcurrentCreates writes users with the same
// address at the same instant, as many kubectl clients would: the webhook's
// compare-and-swap on the address's claim admits exactly one.
func TestEmailClaimedOnceByConcurrentCreates(t *testing.T) {
	ctx := context.Background()
	const parallel = 20
	for round := range 3 {
		t.Run(fmt.Sprintf("round-%d", round), func(t *testing.T) {
			addr := name("race") + "@example.com"
			names := make([]string, parallel)
			errs := make([]error, parallel)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range parallel {
				names[i] = name("race")
				wg.Go(func() {
					<-start
					errs[i] = env.Client.Create(ctx, &iamv1beta1.User{ObjectMeta: metaName(names[i]), Spec: iamv1beta1.UserSpec{Email: addr}})
				})
			}
			close(start)
			wg.Wait()
			t.Cleanup(func() {
				for i, err := range errs {
					if err == nil {
						_ = env.Client.Delete(context.Background(), &iamv1beta1.User{ObjectMeta: metaName(names[i])})
					}
				}
			})
			admitted := 0
			for _, err := range errs {
				if err == nil {
					admitted++
					continue
				}
				assert.True(t, apierrors.IsForbidden(err), "denied by admission: %v", err)
				assert.Contains(t, err.Error(), "spec.email")
			}
			assert.Equal(t, 1, admitted, "exactly one of %d users with the same address is admitted", parallel)

			var users iamv1beta1.UserList
			require.NoError(t, env.Client.List(ctx, &users))
			stored := 0
			for _, u := range users.Items {
				if u.Spec.Email == addr {
					stored++
				}
			}
			assert.Equal(t, 1, stored, "one stored user has the address")
		})
	}
}

// TestWorkspaceQuotaAdmission checks that creates beyond a workspace quota
// are refused by the API server, and that of several creates racing for the
// last units in different projects, exactly as many as fit are admitted.
func TestWorkspaceQuotaAdmission(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		hard     int64
		parallel int
	}{
		{name: "two race for one", hard: 1, parallel: 2},
		{name: "six race for three", hard: 3, parallel: 6},
	}
	for _, tt := range tests {
		for round := range 3 {
			t.Run(fmt.Sprintf("%s/round-%d", tt.name, round), func(t *testing.T) {
				ws := newWorkspace(t, "")
				projects := []string{newProject(t, ws, ""), newProject(t, ws, "")}
				_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"count/secrets": *resource.NewQuantity(tt.hard, resource.DecimalSI)})
				require.NoError(t, err)
				waitQuotaCounted(t, ws, 2)

				assert.Equal(t, int(tt.hard), raceSecrets(t, projects, tt.parallel), "exactly the quota's worth is admitted")
				assert.Equal(t, int(tt.hard), storedSecrets(t, projects))
			})
		}
	}
}

// TestBindingShapeRefusedByWebhook: KubeSphere's schema accepts a binding
// whose roleRef names a kind it cannot grant, or a ServiceAccount subject
// of a cluster-wide binding without a namespace (which, copied into a
// project, would mean that project's account, and which the API server
// refuses in native RBAC). spherekit's CRDs accept the same as KubeSphere's,
// so the escalation webhook refuses these, naming the field.
func TestBindingShapeRefusedByWebhook(t *testing.T) {
	ctx := context.Background()
	p := name("shape") + "-"
	sa := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ci"}}
	tests := []struct {
		obj     client.Object
		message string
	}{
		{&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "g"}, Subjects: sa, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-regular"}}, "subjects[0].namespace"},
		{&iamv1beta1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "c"}, Subjects: sa, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "ClusterRole", Name: "x"}}, "subjects[0].namespace"},
		{&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "w", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws"}}, Subjects: sa, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "x"}}, "subjects[0].namespace"},
		{&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "kind"}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "ClusterRole", Name: "x"}}, "roleRef.kind"},
		{&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "r", Namespace: "default"}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "x"}}, "roleRef.kind"},
	}
	for _, tt := range tests {
		err := env.Client.Create(ctx, tt.obj)
		require.Error(t, err, "%T %s", tt.obj, tt.obj.GetName())
		assert.True(t, apierrors.IsForbidden(err), "refused by the webhook: %v", err)
		assert.Contains(t, err.Error(), tt.message)
	}
	ok := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: p + "ok"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ci", Namespace: "default"}}, RoleRef: rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-regular"}}
	require.NoError(t, env.Client.Create(ctx, ok))
	require.NoError(t, env.Client.Delete(ctx, ok))
}
