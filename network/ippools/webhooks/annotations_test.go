package webhooks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network/ippools"
	"github.com/spherekit/spherekit/network/ippools/webhooks"
)

// TestBreakOut: a project of workspace A tries to take addresses from
// workspace B's pool through Calico's annotations, on itself or on a pod.
func TestBreakOut(t *testing.T) {
	ctx := context.Background()
	a, b := newWorkspace(t), newWorkspace(t)
	poolA, poolB, shared := name("pool-a"), name("pool-b"), name("shared")
	cidrB := nextCIDR()
	create(t, newPool(poolA, "calico", nextCIDR(), map[string]string{ippools.WorkspaceLabel: a}))
	create(t, newPool(poolB, "calico", cidrB, map[string]string{ippools.WorkspaceLabel: b}))
	create(t, newPool(shared, "calico", nextCIDR(), nil))
	inB := strings.TrimSuffix(cidrB, "0.0/16") + "3.7"

	nsA, err := newProject(t, a, nil)
	require.NoError(t, err)

	pod := func(annotations map[string]string) error {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name("pod"), Namespace: nsA, Annotations: annotations},
			Spec: corev1.PodSpec{
				AutomountServiceAccountToken: ptr.To(false),
				Containers:                   []corev1.Container{{Name: "c", Image: "registry.invalid/none"}},
			},
		}
		err := env.Client.Create(ctx, p)
		if err == nil {
			t.Cleanup(func() { _ = env.Client.Delete(ctx, p) })
		}
		return err
	}
	tests := []struct {
		name        string
		annotations map[string]string
		want        string // "" admits
	}{
		{"own pool", map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolA + `"]`}, ""},
		{"unassigned pool", map[string]string{webhooks.IPv4PoolsAnnotation: `["` + shared + `"]`}, ""},
		{"unknown pool", map[string]string{webhooks.IPv4PoolsAnnotation: `["nowhere"]`}, ""},
		{"b's pool", map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolA + `","` + poolB + `"]`}, poolB},
		{"b's pool as ipv6", map[string]string{webhooks.IPv6PoolsAnnotation: `["` + poolB + `"]`}, poolB},
		{"an address of b's pool", map[string]string{webhooks.IPAddrsAnnotation: `["` + inB + `"]`}, poolB},
		{"an address of b's pool, ipv4-mapped", map[string]string{webhooks.IPAddrsAnnotation: `["::ffff:` + inB + `"]`}, poolB},
		{"an address elsewhere", map[string]string{webhooks.IPAddrsAnnotation: `["192.0.2.1"]`}, ""},
		{"malformed list", map[string]string{webhooks.IPv4PoolsAnnotation: poolB}, "JSON array"},
		{"malformed address", map[string]string{webhooks.IPAddrsAnnotation: `["nope"]`}, "not an IP address"},
	}
	for _, tt := range tests {
		t.Run("pod/"+tt.name, func(t *testing.T) {
			err := pod(tt.annotations)
			if tt.want == "" {
				assert.NoError(t, err)
			} else {
				denied(t, err, tt.want)
			}
		})
	}

	t.Run("namespace", func(t *testing.T) {
		_, err := newProject(t, a, map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolB + `"]`})
		denied(t, err, poolB)
		_, err = newProject(t, "", map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolB + `"]`})
		denied(t, err, "no workspace")
		_, err = newProject(t, b, map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolB + `"]`})
		require.NoError(t, err)

		ns := &corev1.Namespace{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: nsA}, ns))
		ns.Annotations = map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolB + `"]`}
		denied(t, env.Client.Update(ctx, ns), poolB)
		ns.Annotations = map[string]string{webhooks.IPv4PoolsAnnotation: `["` + poolA + `"]`}
		require.NoError(t, env.Client.Update(ctx, ns))
	})

	t.Run("plain pod", func(t *testing.T) {
		assert.NoError(t, pod(nil))
	})

	// A pool that moves to another workspace leaves a stale annotation
	// behind until the namespace reconciler rewrites it; updates that do
	// not touch the annotation still pass meanwhile.
	t.Run("stale annotation", func(t *testing.T) {
		moving := newPool(name("moving"), "calico", nextCIDR(), map[string]string{ippools.WorkspaceLabel: a})
		create(t, moving)
		n, err := newProject(t, a, map[string]string{webhooks.IPv4PoolsAnnotation: `["` + moving.Name + `"]`})
		require.NoError(t, err)
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(moving), moving))
		moving.Labels[ippools.WorkspaceLabel] = b
		require.NoError(t, env.Client.Update(ctx, moving))
		ns := &corev1.Namespace{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: n}, ns))
		ns.Labels["unrelated"] = "change"
		require.NoError(t, env.Client.Update(ctx, ns))
		ns.Annotations[webhooks.IPv4PoolsAnnotation] = `["` + moving.Name + `","` + poolA + `"]`
		denied(t, env.Client.Update(ctx, ns), moving.Name)
	})
}
