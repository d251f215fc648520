package network_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network"
	"github.com/spherekit/spherekit/network/reachability"
)

// pod creates a pending pod listening on 8080/TCP.
func pod(t *testing.T, namespace string) {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name("pod"), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.k8s.io/pause:3.10",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
	}
	require.NoError(t, env.Client.Create(context.Background(), p))
}

// TestPlanIsolation: the plan of isolating a workspace names its projects
// and the connections from other workspaces it closes; once applied and
// converged, planning it again changes nothing, and planning the reverse
// opens exactly what was closed.
func TestPlanIsolation(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	wsA, wsB := workspace(t), workspace(t)
	a1, a2, b1 := project(t, wsA), project(t, wsA), project(t, wsB)
	for _, ns := range []string{a1, a2, b1} {
		pod(t, ns)
	}
	ports := []reachability.PortProtocol{{Port: 8080, Protocol: corev1.ProtocolTCP}}

	plan, err := c.PlanIsolation(ctx, network.IsolationChange{Workspace: wsA, Enabled: true}, network.PlanOptions{Ports: ports})
	require.NoError(t, err)
	assert.ElementsMatch(t, []network.ProjectModeChange{
		{Project: a1, Before: network.IsolationNone, After: network.IsolationWorkspace},
		{Project: a2, Before: network.IsolationNone, After: network.IsolationWorkspace},
	}, plan.Projects)
	byNS := plan.Diff.ByNamespace()
	assert.Equal(t, reachability.FlipCounts{Closed: 1}, byNS[reachability.NamespacePair{From: b1, To: a1}])
	assert.Equal(t, reachability.FlipCounts{Closed: 1}, byNS[reachability.NamespacePair{From: b1, To: a2}])
	for pair, n := range byNS {
		assert.Contains(t, []string{a1, a2}, pair.To, "only connections into the workspace change")
		assert.NotContains(t, []string{a1, a2}, pair.From, "the workspace's own projects still reach each other")
		assert.Zero(t, n.Opened)
	}

	// Apply and wait for the controllers.
	require.NoError(t, c.SetWorkspaceIsolation(ctx, wsA, true))
	for _, ns := range []string{a1, a2} {
		testenvEventually(t, func() bool {
			return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: network.IsolationPolicyName}, &networkingv1.NetworkPolicy{}) == nil
		}, "isolation policy of %s", ns)
	}
	again, err := c.PlanIsolation(ctx, network.IsolationChange{Workspace: wsA, Enabled: true}, network.PlanOptions{Ports: ports})
	require.NoError(t, err)
	assert.Empty(t, again.Projects)
	assert.Zero(t, again.Diff.Len(), "the controllers wrote what the plan said")

	reverse, err := c.PlanIsolation(ctx, network.IsolationChange{Workspace: wsA, Enabled: false}, network.PlanOptions{})
	require.NoError(t, err)
	assert.Equal(t, plan.Diff.Closed, reverse.Diff.Opened)
	assert.Zero(t, reverse.Diff.Closed)

	_, err = c.PlanIsolation(ctx, network.IsolationChange{Workspace: wsA, Project: a1}, network.PlanOptions{})
	var invalid *network.InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "change", invalid.Field)
}
