package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

func cpuPod(cpu string) corev1.PodSpec {
	c := corev1.Container{Name: "c", Image: "nginx"}
	if cpu != "" {
		c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	}
	return corev1.PodSpec{Containers: []corev1.Container{c}}
}

// waitQuotaCounted waits until the workspace quota's status covers n
// projects.
func waitQuotaCounted(t *testing.T, ws string, n int) {
	t.Helper()
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metaName(ws)}
	eventually(t, func() bool { return exists(t, q) && len(q.Status.Namespaces) == n }, "quota of %s counts %d projects", ws, n)
}

func TestQuotaFit(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	p := newProject(t, ws, "")
	_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("4")})
	require.NoError(t, err)
	_, err = tc.SetProjectQuota(ctx, p, corev1.ResourceList{corev1.ResourcePods: resource.MustParse("5")})
	require.NoError(t, err)
	_, err = tc.SetProjectDefaults(ctx, p, tenancy.ContainerDefaults{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}})
	require.NoError(t, err)
	waitQuotaCounted(t, ws, 1)

	tests := []struct {
		name      string
		spec      corev1.PodSpec
		replicas  int32
		fits      bool
		shortfall []string // scope/resource
	}{
		{name: "small", spec: cpuPod("500m"), replicas: 4, fits: true},
		{name: "workspace cpu", spec: cpuPod("1"), replicas: 5, shortfall: []string{"workspace/requests.cpu"}},
		{name: "project pods", spec: cpuPod("100m"), replicas: 6, shortfall: []string{"project/pods"}},
		{name: "both", spec: cpuPod("1"), replicas: 6, shortfall: []string{"project/pods", "workspace/requests.cpu"}},
		{name: "project default request applies", spec: cpuPod(""), replicas: 5, shortfall: []string{"workspace/requests.cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tc.QuotaFit(ctx, p, tt.spec, tt.replicas)
			require.NoError(t, err)
			assert.Equal(t, len(tt.shortfall) == 0, res.Fits)
			var got []string
			for _, s := range res.Shortfalls {
				got = append(got, s.Scope+"/"+string(s.Resource))
			}
			assert.Equal(t, tt.shortfall, got)
		})
	}

	var ie *tenancy.InvalidError
	_, err = tc.QuotaFit(ctx, p, corev1.PodSpec{}, 1)
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "podSpec", ie.Field)
	_, err = tc.QuotaFit(ctx, p, cpuPod("1"), -1)
	require.ErrorAs(t, err, &ie)
	_, err = tc.QuotaFit(ctx, "no-such-project", cpuPod("1"), 1)
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestMoveProject(t *testing.T) {
	ctx := context.Background()
	alice, bob := newUser(t, "alice"), newUser(t, "bob")
	from, to := newWorkspace(t, alice), newWorkspace(t, bob)
	p := newProject(t, from, "")
	for range 3 {
		require.NoError(t, env.Client.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "cm-", Namespace: p}}))
	}
	// The target allows 2 config maps in all; the project has 3 (plus the
	// root CA config map Kubernetes publishes into every namespace).
	_, err := tc.SetWorkspaceQuota(ctx, to, corev1.ResourceList{"count/configmaps": resource.MustParse("2")})
	require.NoError(t, err)

	preview, err := tc.MoveProject(ctx, p, to, tenancy.MoveProjectOptions{})
	require.NoError(t, err)
	assert.False(t, preview.Applied)
	assert.Equal(t, from, preview.From)
	assert.Equal(t, []tenancy.Member{{User: alice, Role: "admin"}}, preview.AccessLost)
	assert.Equal(t, []tenancy.Member{{User: bob, Role: "admin"}}, preview.AccessGained)
	require.Len(t, preview.Shortfalls, 1)
	assert.Equal(t, corev1.ResourceName("count/configmaps"), preview.Shortfalls[0].Resource)

	res, err := tc.MoveProject(ctx, p, to, tenancy.MoveProjectOptions{Apply: true})
	var ce *tenancy.ConflictError
	require.ErrorAs(t, err, &ce, "a move that breaks the target quota is refused")
	assert.False(t, res.Applied)
	ns := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, ns))
	assert.Equal(t, from, ns.Labels[tenantv1beta1.WorkspaceLabel], "nothing changed")

	_, err = tc.SetWorkspaceQuota(ctx, to, corev1.ResourceList{"count/configmaps": resource.MustParse("20")})
	require.NoError(t, err)
	res, err = tc.MoveProject(ctx, p, to, tenancy.MoveProjectOptions{Apply: true})
	require.NoError(t, err)
	assert.True(t, res.Applied)
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p}, ns))
	assert.Equal(t, to, ns.Labels[tenantv1beta1.WorkspaceLabel])
	waitQuotaCounted(t, to, 1)

	var ie *tenancy.InvalidError
	_, err = tc.MoveProject(ctx, p, to, tenancy.MoveProjectOptions{})
	require.ErrorAs(t, err, &ie, "already there")
	_, err = tc.MoveProject(ctx, p, "no-such-ws", tenancy.MoveProjectOptions{})
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestGroups(t *testing.T) {
	ctx := context.Background()
	ws, other := newWorkspace(t, ""), newWorkspace(t, "")
	a, b := newUser(t, "ga"), newUser(t, "gb")
	parent := name("parent")
	_, err := tc.CreateGroup(ctx, ws, parent, tenancy.CreateGroupOptions{})
	require.NoError(t, err)
	child := name("child")
	g, err := tc.CreateGroup(ctx, ws, child, tenancy.CreateGroupOptions{Parent: parent})
	require.NoError(t, err)
	assert.Equal(t, parent, g.Labels["iam.kubesphere.io/group-parent"])

	var ie *tenancy.InvalidError
	_, err = tc.CreateGroup(ctx, other, name("x"), tenancy.CreateGroupOptions{Parent: parent})
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "Parent", ie.Field)

	err = tc.AddGroupMembers(ctx, child, a, "ghost-user")
	var nf *tenancy.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "users", nf.Field)
	members, err := tc.ListGroupMembers(ctx, child)
	require.NoError(t, err)
	assert.Empty(t, members, "nobody is added when one user is unknown")

	require.NoError(t, tc.AddGroupMembers(ctx, child, a, b))
	require.NoError(t, tc.AddGroupMembers(ctx, child, a), "adding again is fine")
	members, err = tc.ListGroupMembers(ctx, child)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{a, b}, members)
	eventually(t, func() bool { return len(getUser(t, a).Spec.Groups) == 1 }, "user lists the group")

	require.NoError(t, tc.RemoveGroupMember(ctx, child, b))
	assert.ErrorIs(t, tc.RemoveGroupMember(ctx, child, b), tenancy.ErrNotFound)
}
