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
	"github.com/spherekit/spherekit/tenancy/controllers"
)

// TestWorkspaceQuotaAggregatesUsage checks that a workspace quota's status
// sums the usage of every project, as Kubernetes counts it.
func TestWorkspaceQuotaAggregatesUsage(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	p1, p2 := newProject(t, ws, ""), newProject(t, ws, "")
	q, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"count/secrets": resource.MustParse("10")})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{tenantv1beta1.WorkspaceLabel: ws}, q.Spec.Selector)
	// Each project gets a native meter whose usage Kubernetes keeps.
	for _, ns := range []string{p1, p2} {
		meter := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(ws), Namespace: ns}}
		eventually(t, func() bool { return exists(t, meter) && len(meter.Status.Hard) > 0 }, "meter in %s counted", ns)
	}

	for ns, n := range map[string]int{p1: 2, p2: 1} {
		for range n {
			require.NoError(t, env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "s-", Namespace: ns}}))
		}
	}
	used := func(l corev1.ResourceList) int64 { v := l["count/secrets"]; return v.Value() }
	byNS := map[string]int64{}
	// Admission records pending charges at once; the status figures follow
	// when Kubernetes has counted the objects.
	eventually(t, func() bool {
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(q), q))
		clear(byNS)
		for _, s := range q.Status.Namespaces {
			byNS[s.Namespace] = used(s.Used)
		}
		return used(q.Status.Total.Used) == 3 && byNS[p1] == 2 && byNS[p2] == 1
	}, "usage 2 and 1 in the projects, 3 in total, got %+v", &q.Status)
	assert.Len(t, byNS, 2)
	hard := q.Status.Total.Hard["count/secrets"]
	assert.Equal(t, int64(10), hard.Value())

	// A project that leaves the workspace stops counting.
	ns := &corev1.Namespace{}
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: p1}, ns))
	delete(ns.Labels, tenantv1beta1.WorkspaceLabel)
	require.NoError(t, env.Client.Update(ctx, ns))
	eventually(t, func() bool {
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(q), q))
		return used(q.Status.Total.Used) == 1 && len(q.Status.Namespaces) == 1
	}, "usage of the remaining project only")
}

func TestQuotaInputIsValidated(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t, "")
	p := newProject(t, ws, "")
	tests := []struct {
		name  string
		do    func() error
		field string
	}{
		{"negative workspace quota", func() error {
			_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"cpu": resource.MustParse("-1")})
			return err
		}, "hard"},
		{"bad resource name", func() error {
			_, err := tc.SetProjectQuota(ctx, p, corev1.ResourceList{"not a name": resource.MustParse("1")})
			return err
		}, "hard"},
		{"request above limit", func() error {
			_, err := tc.SetProjectDefaults(ctx, p, tenancy.ContainerDefaults{
				Requests: corev1.ResourceList{"cpu": resource.MustParse("2")},
				Limits:   corev1.ResourceList{"cpu": resource.MustParse("1")},
			})
			return err
		}, "Requests"},
		{"no defaults", func() error {
			_, err := tc.SetProjectDefaults(ctx, p, tenancy.ContainerDefaults{})
			return err
		}, "defaults"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ie *tenancy.InvalidError
			require.ErrorAs(t, tt.do(), &ie)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
	assert.False(t, exists(t, &quotav1alpha2.ResourceQuota{ObjectMeta: metaName(ws)}), "nothing is written")
	_, err := tc.SetWorkspaceQuota(ctx, "no-such-ws", corev1.ResourceList{"cpu": resource.MustParse("1")})
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
}

func TestProjectQuotaAndDefaults(t *testing.T) {
	ctx := context.Background()
	p := newProject(t, newWorkspace(t, ""), "")
	q, err := tc.SetProjectQuota(ctx, p, corev1.ResourceList{"pods": resource.MustParse("5")})
	require.NoError(t, err)
	assert.Equal(t, tenancy.ProjectQuotaName, q.Name)
	lr, err := tc.SetProjectDefaults(ctx, p, tenancy.ContainerDefaults{
		Requests: corev1.ResourceList{"cpu": resource.MustParse("100m")},
		Limits:   corev1.ResourceList{"cpu": resource.MustParse("500m")},
	})
	require.NoError(t, err)
	require.Len(t, lr.Spec.Limits, 1)
	defReq := lr.Spec.Limits[0].DefaultRequest["cpu"]
	assert.Equal(t, "100m", defReq.String())

	// The API server applies the defaults to a pod that asks for nothing.
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: p},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	require.NoError(t, env.Client.Create(ctx, pod))
	lim := pod.Spec.Containers[0].Resources.Limits["cpu"]
	assert.Equal(t, "500m", lim.String())
}
