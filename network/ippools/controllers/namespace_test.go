package controllers_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
	"github.com/spherekit/spherekit/network/ippools/controllers"
)

func TestNamespacePools(t *testing.T) {
	synced := func(p *networkv1alpha1.IPPool) networkv1alpha1.IPPool {
		p.Status.Synced = true
		return *p
	}
	def := map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}
	now := metav1.Now()
	deleting := synced(pool("deleting", "calico", "10.9.0.0/16", map[string]string{ippools.WorkspaceLabel: "c"}))
	deleting.DeletionTimestamp = &now
	disabled := synced(pool("disabled", "calico", "10.8.0.0/16", map[string]string{ippools.WorkspaceLabel: "c"}))
	disabled.Spec.Disabled = true
	pools := []networkv1alpha1.IPPool{
		synced(pool("default", "calico", "10.0.0.0/16", def)),
		synced(pool("default6", "calico", "fd00::/64", def)),
		synced(pool("a2", "calico", "10.2.0.0/16", map[string]string{ippools.WorkspaceLabel: "a"})),
		synced(pool("a1", "calico", "10.1.0.0/16", map[string]string{ippools.WorkspaceLabel: "a"})),
		synced(pool("b", "calico", "10.3.0.0/16", map[string]string{ippools.WorkspaceLabel: "b"})),
		*pool("unsynced", "calico", "10.4.0.0/16", map[string]string{ippools.WorkspaceLabel: "d"}),
		synced(pool("vlan", "vlan", "10.5.0.0/16", map[string]string{ippools.WorkspaceLabel: "e"})),
		synced(pool("b-default", "calico", "10.6.0.0/16", map[string]string{ippools.WorkspaceLabel: "b", networkv1alpha1.IPPoolDefaultLabel: ""})),
		synced(pool("free", "calico", "10.7.0.0/16", nil)),
		deleting, disabled,
	}
	tests := []struct {
		ws     string
		v4, v6 []string
	}{
		{"a", []string{"a1", "a2"}, nil},
		{"b", []string{"b", "b-default"}, nil},
		{"c", []string{"default"}, []string{"default6"}},
		{"d", []string{"default"}, []string{"default6"}},
		{"e", []string{"default"}, []string{"default6"}},
		{"", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.ws, func(t *testing.T) {
			v4, v6 := controllers.NamespacePools(tt.ws, pools)
			assert.Equal(t, tt.v4, v4)
			assert.Equal(t, tt.v6, v6)
		})
	}
}

// annotation returns a namespace's ipv4pools annotation, decoded, and
// whether it is set.
func annotation(t *testing.T, ns *corev1.Namespace) ([]string, bool) {
	t.Helper()
	require.True(t, get(t, ns))
	raw, ok := ns.Annotations[controllers.IPv4PoolsAnnotation]
	if !ok {
		return nil, false
	}
	var names []string
	require.NoError(t, json.Unmarshal([]byte(raw), &names))
	return names, true
}

// TestNamespaceAnnotations: each project gets its workspace's pools, or
// the default one, and never another workspace's; changes of pools and of
// namespaces' workspaces are followed.
func TestNamespaceAnnotations(t *testing.T) {
	ctx := context.Background()
	pc, err := ippools.NewClient(env.Client, ippools.ClientOptions{})
	require.NoError(t, err)
	a, b, c := newWorkspace(t), newWorkspace(t), newWorkspace(t)
	def, poolA, poolB := name("default"), name("pool-a"), name("pool-b")
	createPool(t, pool(def, "calico", nextNet()+".0.0/16", labelled(map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""})))
	createPool(t, pool(poolA, "calico", nextNet()+".0.0/16", labelled(map[string]string{ippools.WorkspaceLabel: a})))
	createPool(t, pool(poolB, "calico", nextNet()+".0.0/16", labelled(map[string]string{ippools.WorkspaceLabel: b})))
	nsA, nsB, nsC := newProject(t, a, labelled(nil)), newProject(t, b, labelled(nil)), newProject(t, c, labelled(nil))
	outside := newProject(t, "", labelled(nil))
	unfiltered := newProject(t, a, nil)

	expect := func(ns *corev1.Namespace, want []string, msg string) {
		t.Helper()
		eventually(t, func() bool {
			got, ok := annotation(t, ns)
			if want == nil {
				return !ok
			}
			return ok && assert.ObjectsAreEqual(want, got)
		}, "%s: namespace %s: want %v, have %q", msg, ns.Name, want, ns.Annotations[controllers.IPv4PoolsAnnotation])
	}
	expect(nsA, []string{poolA}, "own pool")
	expect(nsB, []string{poolB}, "own pool")
	expect(nsC, []string{def}, "default pool")
	expect(outside, nil, "no workspace")
	got, _ := annotation(t, unfiltered)
	assert.Nil(t, got, "a namespace outside the watch filter was annotated")

	// Break-out: a's project asks for b's pool; the webhook refuses, and
	// the reconciler never writes it.
	require.True(t, get(t, nsA))
	nsA.Annotations[controllers.IPv4PoolsAnnotation] = `["` + poolB + `"]`
	assert.Error(t, env.Client.Update(ctx, nsA))

	// a's pool unassigned: a's projects fall back to the default pool.
	_, err = pc.UnassignPool(ctx, poolA)
	require.NoError(t, err)
	expect(nsA, []string{def}, "after unassigning")
	// b's pool disabled: b's projects fall back too.
	_, err = pc.DisablePool(ctx, poolB)
	require.NoError(t, err)
	expect(nsB, []string{def}, "after disabling")
	// b's pool moves to a.
	_, err = pc.EnablePool(ctx, poolB)
	require.NoError(t, err)
	_, err = pc.AssignPool(ctx, poolB, a)
	require.NoError(t, err)
	expect(nsA, []string{poolB}, "after moving b's pool to a")
	expect(nsB, []string{def}, "after b's pool left")

	// A project that leaves its workspace loses the annotations it was
	// given; one moved into a workspace gets them.
	require.True(t, get(t, nsC))
	delete(nsC.Labels, ippools.WorkspaceLabel)
	require.NoError(t, env.Client.Update(ctx, nsC))
	expect(nsC, nil, "after leaving the workspace")
	require.True(t, get(t, nsC))
	assert.NotContains(t, nsC.Annotations, controllers.ManagedAnnotation)
	require.True(t, get(t, outside))
	outside.Labels[ippools.WorkspaceLabel] = a
	require.NoError(t, env.Client.Update(ctx, outside))
	expect(outside, []string{poolB}, "after joining a")

	// Drift is repaired.
	require.True(t, get(t, nsB))
	delete(nsB.Annotations, controllers.IPv4PoolsAnnotation)
	require.NoError(t, env.Client.Update(ctx, nsB))
	expect(nsB, []string{def}, "after the annotation was removed")
}
