package ippools_test

import (
	"context"
	"fmt"
	"maps"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// env is an API-only control plane: no controller and no webhook runs, so
// what the tests see is the Client's own checks and writes. Pools are
// cluster-scoped and the rules span all of them (overlaps, one default),
// so tests here do not run in parallel, take fresh CIDRs from nextCIDR and
// delete their pools when they end.
var (
	env *testenv.Cluster
	pc  *ippools.Client
)

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) {
		env = c
		if c == nil {
			return
		}
		var err error
		if pc, err = ippools.NewClient(c.Client, ippools.ClientOptions{}); err != nil {
			panic(err)
		}
	})
}

var cidrs atomic.Int32

// nextCIDR returns an IPv4 /16 no other call returns.
func nextCIDR() string { return fmt.Sprintf("10.%d.0.0/16", cidrs.Add(1)) }

// name returns a fresh name with prefix.
func name(prefix string) string { return prefix + "-" + rand.String(6) }

// newWorkspace creates a Workspace, as the tenancy controllers make one from
// a template, and deletes it when the test ends.
func newWorkspace(t *testing.T) string {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name("ws")}}
	require.NoError(t, env.Client.Create(context.Background(), ws))
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ws) })
	return ws.Name
}

// newProject creates a namespace of workspace ws ("" for none).
func newProject(t *testing.T, ws string) string {
	t.Helper()
	ns := &corev1.Namespace{}
	ns.Name = env.NewNamespace(t)
	if ws == "" {
		return ns.Name
	}
	require.NoError(t, env.Client.Get(context.Background(), client.ObjectKeyFromObject(ns), ns))
	maps.Copy(ns.Labels, map[string]string{tenantv1beta1.WorkspaceLabel: ws})
	require.NoError(t, env.Client.Update(context.Background(), ns))
	return ns.Name
}

// cleanup deletes the pool named n when the test ends.
func cleanup(t *testing.T, n string) {
	t.Cleanup(func() {
		_ = env.Client.Delete(context.Background(), &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: n}})
	})
}

// createPool creates a pool through the Client and deletes it when the
// test ends.
func createPool(t *testing.T, n string, s networkv1alpha1.IPPoolSpec, opts ippools.CreatePoolOptions) *networkv1alpha1.IPPool {
	t.Helper()
	if env == nil {
		t.Skip("needs the test cluster, which TestMain does not start while fuzzing (go test -fuzz); run without -fuzz")
	}
	p, err := pc.CreatePool(context.Background(), n, s, opts)
	require.NoError(t, err)
	cleanup(t, n)
	return p
}

// getPool reads a pool; ok is false when it does not exist.
func getPool(t *testing.T, n string) (*networkv1alpha1.IPPool, bool) {
	t.Helper()
	p := &networkv1alpha1.IPPool{}
	err := env.Client.Get(context.Background(), client.ObjectKey{Name: n}, p)
	require.NoError(t, client.IgnoreNotFound(err))
	return p, err == nil
}

// setUsage writes a pool's status as a backend would.
func setUsage(t *testing.T, n string, allocations int, workspaces map[string]int) {
	t.Helper()
	p, ok := getPool(t, n)
	require.True(t, ok)
	p.Status.Allocations = allocations
	p.Status.Capacity = 65536
	p.Status.Unallocated = 65536 - allocations
	p.Status.Workspaces = nil
	for w, a := range workspaces {
		if p.Status.Workspaces == nil {
			p.Status.Workspaces = map[string]networkv1alpha1.WorkspaceStatus{}
		}
		p.Status.Workspaces[w] = networkv1alpha1.WorkspaceStatus{Allocations: a}
	}
	require.NoError(t, env.Client.Status().Update(context.Background(), p))
}
