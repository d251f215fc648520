package tenancy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
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
		{"bare extended resource", func() error {
			_, err := tc.SetProjectQuota(ctx, p, corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")})
			return err
		}, "hard"},
		{"limits of an extended resource", func() error {
			_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{"limits.nvidia.com/gpu": resource.MustParse("1")})
			return err
		}, "hard"},
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

const gpu corev1.ResourceName = "nvidia.com/gpu"

// gpuNode registers a simulated node, managed by kwok like testenv's
// own, that advertises n GPUs, and removes it after the test.
func gpuNode(t *testing.T, n int64) string {
	t.Helper()
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        name("gpu"),
		Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
		Labels:      map[string]string{"type": "kwok", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"},
	}}
	node.Labels[corev1.LabelHostname] = node.Name
	require.NoError(t, env.Client.Create(ctx, node))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), node) })
	// kwok starts managing the node at once and writes its status too, so
	// the capacity is set on the latest version, again on a conflict.
	require.NoError(t, retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(node), node); err != nil {
			return err
		}
		node.Status.Capacity = corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("256Gi"),
			corev1.ResourcePods: resource.MustParse("110"), gpu: *resource.NewQuantity(n, resource.DecimalSI),
		}
		node.Status.Allocatable = node.Status.Capacity.DeepCopy()
		return env.Client.Status().Update(ctx, node)
	}))
	return node.Name
}

// gpuPod is a pod on node asking for n GPUs (an extended resource: its
// limit must equal its request).
func gpuPod(ns, node string, n int64) *corev1.Pod {
	q := corev1.ResourceList{gpu: *resource.NewQuantity(n, resource.DecimalSI)}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "gpu-", Namespace: ns},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{corev1.LabelHostname: node},
			Containers:   []corev1.Container{{Name: "c", Image: "cuda", Resources: corev1.ResourceRequirements{Requests: q, Limits: q.DeepCopy()}}},
		},
	}
}

func running(t *testing.T, pod *corev1.Pod, node string) {
	t.Helper()
	eventually(t, func() bool {
		require.NoError(t, env.Client.Get(context.Background(), client.ObjectKeyFromObject(pod), pod))
		return pod.Status.Phase == corev1.PodRunning && pod.Spec.NodeName == node
	}, "pod %s running on %s", pod.Name, node)
}

// TestGPUQuota: quotas limit extended resources such as GPUs, written as
// requests.nvidia.com/gpu. A project quota is enforced by the API server's
// quota admission; a workspace quota across its projects by spherekit's
// admission, which must count the GPUs pods ask for.
func TestGPUQuota(t *testing.T) {
	ctx := context.Background()
	requestsGPU := corev1.ResourceName("requests." + string(gpu))
	node := gpuNode(t, 8)

	t.Run("project", func(t *testing.T) {
		p := newProject(t, newWorkspace(t, ""), "")
		q, err := tc.SetProjectQuota(ctx, p, corev1.ResourceList{requestsGPU: resource.MustParse("1")})
		require.NoError(t, err)
		eventually(t, func() bool {
			require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(q), q))
			_, ok := q.Status.Hard[requestsGPU]
			return ok
		}, "quota %s counted", q.Name)

		first := gpuPod(p, node, 1)
		require.NoError(t, env.Client.Create(ctx, first))
		running(t, first, node)
		err = env.Client.Create(ctx, gpuPod(p, node, 1))
		require.Error(t, err, "a second GPU is over the project's quota")
		assert.True(t, apierrors.IsForbidden(err), "%v", err)
		assert.Contains(t, err.Error(), "exceeded quota")
		assert.Contains(t, err.Error(), string(requestsGPU))
		eventually(t, func() bool {
			require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(q), q))
			used := q.Status.Used[requestsGPU]
			return used.Value() == 1
		}, "quota %s uses 1 GPU", q.Name)
	})

	t.Run("workspace", func(t *testing.T) {
		ws := newWorkspace(t, "")
		projects := []string{newProject(t, ws, ""), newProject(t, ws, "")}
		setGPUQuota := func(n int64) {
			_, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{requestsGPU: *resource.NewQuantity(n, resource.DecimalSI)})
			require.NoError(t, err)
			enforces := func(l corev1.ResourceList) bool { v, ok := l[requestsGPU]; return ok && v.Value() == n }
			for _, p := range projects {
				meter := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: controllers.QuotaMeterName(ws), Namespace: p}}
				eventually(t, func() bool { return exists(t, meter) && enforces(meter.Status.Hard) }, "meter in %s enforces %d GPUs", p, n)
			}
		}
		// The webhook sees pods once its rules follow the quota: with no
		// GPU allowed, it refuses a dry run.
		setGPUQuota(0)
		for _, p := range projects {
			eventually(t, func() bool {
				err := env.Client.Create(ctx, gpuPod(p, node, 1), client.DryRunAll)
				return err != nil && strings.Contains(err.Error(), "exceeded workspace quota")
			}, "quota admission sees pods in %s", p)
		}
		setGPUQuota(2)

		// One GPU in each project fits; a third, in either, does not,
		// though each project's own meter alone would allow it.
		for _, p := range projects {
			pod := gpuPod(p, node, 1)
			require.NoError(t, env.Client.Create(ctx, pod))
			running(t, pod, node)
		}
		err := env.Client.Create(ctx, gpuPod(projects[1], node, 1))
		require.Error(t, err, "a third GPU is over the workspace's quota")
		assert.Contains(t, err.Error(), "exceeded workspace quota")

		q := &quotav1alpha2.ResourceQuota{ObjectMeta: metaName(ws)}
		eventually(t, func() bool {
			require.True(t, exists(t, q))
			used := q.Status.Total.Used[requestsGPU]
			return used.Value() == 2 && len(q.Status.Namespaces) == 2
		}, "workspace %s uses 2 GPUs over its 2 projects", ws)
	})
}
