package storage_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// TestOnBehalfOf: alice administers project mine of workspace A. Acting for
// her, the Client snapshots, restores, clones and expands there; every way
// its parameters reach elsewhere (their project in workspace B, every
// project at once, the cluster's classes and Accessors) is refused with a
// *ForbiddenError before anything is read or written. Every exported
// method of Client has a row (found by reflection), so an operation added
// without the check fails this test.
func TestOnBehalfOf(t *testing.T) {
	ctx := ctxT(t)
	wsA, wsB := workspace(t, nil), workspace(t, nil)
	mine, theirs := project(t, wsA, nil), project(t, wsB, nil)
	boundClaim(t, ctx, full, mine, "data", fullClass, "1Mi")
	boundClaim(t, ctx, full, theirs, "data", fullClass, "1Mi")
	theirSnap, err := sc.CreateSnapshot(ctx, theirs, "data", storage.CreateSnapshotOptions{Wait: true})
	require.NoError(t, err)

	objs := []runtime.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsA}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: wsB}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: mine, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsA}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: theirs, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: wsB}}},
		&iamv1beta1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "admin"},
			Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}},
		&iamv1beta1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: mine, Name: "alice-admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "Role", Name: "admin"}},
	}
	az, err := authz.NewFromObjects(objs...)
	require.NoError(t, err)
	alice, err := storage.NewClient(env.Client, storage.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}, Authorizer: az})
	require.NoError(t, err)

	t.Run("her project", func(t *testing.T) {
		snap, err := alice.CreateSnapshot(ctx, mine, "data", storage.CreateSnapshotOptions{Wait: true})
		require.NoError(t, err)
		_, err = alice.RestoreSnapshot(ctx, mine, snap.Name, "restored", storage.RestoreOptions{Wait: true})
		require.NoError(t, err)
		_, err = alice.CloneVolume(ctx, mine, "data", "cloned", storage.CloneOptions{})
		require.NoError(t, err)
		_, err = alice.ExpandVolume(ctx, mine, "data", resource.MustParse("2Mi"))
		require.NoError(t, err)
		_, total, err := alice.ListVolumes(ctx, mine, resources.Query{})
		require.NoError(t, err)
		assert.Equal(t, 3, total)
		_, err = alice.UsableClasses(ctx, mine)
		require.NoError(t, err)
	})

	rows := map[string]func(c *storage.Client) error{
		"Capabilities": func(c *storage.Client) error {
			_, err := c.Capabilities(ctx, fullClass)
			return err
		},
		"GrantClass": func(c *storage.Client) error {
			_, err := c.GrantClass(ctx, fullClass, storage.Grantees{Projects: []string{mine}})
			return err
		},
		"UsableClasses": func(c *storage.Client) error {
			_, err := c.UsableClasses(ctx, theirs)
			return err
		},
		"ValidateAccessor": func(c *storage.Client) error {
			return c.ValidateAccessor(ctx, &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: "a"},
				Spec: storagev1alpha1.AccessorSpec{StorageClassName: fullClass}})
		},
		"CreateSnapshot": func(c *storage.Client) error {
			_, err := c.CreateSnapshot(ctx, theirs, "data", storage.CreateSnapshotOptions{})
			return err
		},
		"WaitForSnapshot": func(c *storage.Client) error {
			_, err := c.WaitForSnapshot(ctx, theirs, theirSnap.Name)
			return err
		},
		"DeleteSnapshot": func(c *storage.Client) error { return c.DeleteSnapshot(ctx, theirs, theirSnap.Name) },
		"ListSnapshots": func(c *storage.Client) error {
			_, _, err := c.ListSnapshots(ctx, theirs, resources.Query{})
			return err
		},
		"ListSnapshots/every project": func(c *storage.Client) error {
			_, _, err := c.ListSnapshots(ctx, "", resources.Query{})
			return err
		},
		"RestoreSnapshot": func(c *storage.Client) error {
			_, err := c.RestoreSnapshot(ctx, theirs, theirSnap.Name, "stolen", storage.RestoreOptions{})
			return err
		},
		"CloneVolume": func(c *storage.Client) error {
			_, err := c.CloneVolume(ctx, theirs, "data", "stolen", storage.CloneOptions{})
			return err
		},
		"ExpandVolume": func(c *storage.Client) error {
			_, err := c.ExpandVolume(ctx, theirs, "data", resource.MustParse("2Mi"))
			return err
		},
		"WaitForClaim": func(c *storage.Client) error {
			_, err := c.WaitForClaim(ctx, theirs, "data")
			return err
		},
		"ListVolumes": func(c *storage.Client) error {
			_, _, err := c.ListVolumes(ctx, theirs, resources.Query{})
			return err
		},
		"ListVolumes/every project": func(c *storage.Client) error {
			_, _, err := c.ListVolumes(ctx, "", resources.Query{})
			return err
		},
		"VolumeUsers": func(c *storage.Client) error {
			_, err := c.VolumeUsers(ctx, theirs, "data")
			return err
		},
	}

	covered := map[string]bool{}
	for row := range rows {
		method, _, _ := strings.Cut(row, "/")
		covered[method] = true
	}
	var missing []string
	typ := reflect.TypeOf(&storage.Client{})
	for i := range typ.NumMethod() {
		if m := typ.Method(i).Name; !covered[m] {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "exported Client methods without a row")

	for row, call := range rows {
		t.Run(row, func(t *testing.T) {
			require.ErrorIs(t, call(alice), storage.ErrForbidden)
		})
	}

	var claims corev1.PersistentVolumeClaimList
	require.NoError(t, env.Client.List(ctx, &claims, client.InNamespace(theirs)))
	require.Len(t, claims.Items, 1, "nothing was created in their project")
	assert.True(t, resource.MustParse("1Mi").Equal(claims.Items[0].Spec.Resources.Requests[corev1.ResourceStorage]), "their claim is unchanged")
	_, err = sc.WaitForSnapshot(ctx, theirs, theirSnap.Name)
	require.NoError(t, err, "their snapshot is still there")
}
