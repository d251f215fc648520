package controllers_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
	"github.com/spherekit/spherekit/network/ippools/controllers"
)

func TestCalicoPoolMapping(t *testing.T) {
	tests := []struct {
		name     string
		spec     networkv1alpha1.IPPoolSpec
		settings controllers.CalicoSettings
		want     map[string]any
	}{
		{"ipv4 /16: Calico's default block", networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.233.0.0/16"}, controllers.CalicoSettings{},
			map[string]any{"cidr": "10.233.0.0/16", "blockSize": int64(26), "disabled": false, "nodeSelector": "all()", "ipipMode": "Always", "vxlanMode": "Never", "natOutgoing": true}},
		{"ipv4 /28: KubeSphere's rule", networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.233.0.0/28", Disabled: true}, controllers.CalicoSettings{VXLANMode: "CrossSubnet", IPIPMode: "Never", NoNATOutgoing: true},
			map[string]any{"cidr": "10.233.0.0/28", "blockSize": int64(28), "disabled": true, "nodeSelector": "all()", "ipipMode": "Never", "vxlanMode": "CrossSubnet", "natOutgoing": false}},
		{"explicit block size", networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.233.0.0/16", BlockSize: 24}, controllers.CalicoSettings{},
			map[string]any{"cidr": "10.233.0.0/16", "blockSize": int64(24), "disabled": false, "nodeSelector": "all()", "ipipMode": "Always", "vxlanMode": "Never", "natOutgoing": true}},
		{"ipv6: no ip-in-ip, block 122", networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "fd00:10::/64"}, controllers.CalicoSettings{},
			map[string]any{"cidr": "fd00:10::/64", "blockSize": int64(122), "disabled": false, "nodeSelector": "all()", "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": true}},
		{"ipv6 /124", networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "fd00:10::/124"}, controllers.CalicoSettings{},
			map[string]any{"cidr": "fd00:10::/124", "blockSize": int64(124), "disabled": false, "nodeSelector": "all()", "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pool("p", tt.spec.Type, tt.spec.CIDR, nil)
			p.Spec = tt.spec
			got := controllers.CalicoPool(p, tt.settings)
			assert.Equal(t, controllers.CalicoIPPoolGVK, got.GroupVersionKind())
			assert.Equal(t, "p", got.GetName())
			if d := cmp.Diff(tt.want, got.Object["spec"]); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestCalicoSettingsFromDaemonSet(t *testing.T) {
	ds := &appsv1.DaemonSet{}
	ds.Spec.Template.Spec.Containers = []corev1.Container{{Name: "calico-node", Env: []corev1.EnvVar{
		{Name: "CALICO_IPV4POOL_IPIP", Value: "CrossSubnet"},
		{Name: "CALICO_IPV4POOL_VXLAN", Value: "Never"},
		{Name: "CALICO_IPV4POOL_NAT_OUTGOING", Value: "false"},
	}}}
	assert.Equal(t, controllers.CalicoSettings{IPIPMode: "CrossSubnet", VXLANMode: "Never", NoNATOutgoing: true}, controllers.CalicoSettingsFromDaemonSet(ds))
	assert.Equal(t, controllers.CalicoSettings{}, controllers.CalicoSettingsFromDaemonSet(nil))
}

func TestCalicoUsage(t *testing.T) {
	p := pool("p", "calico", "10.1.0.0/24", nil)
	blocks := []unstructured.Unstructured{
		{Object: map[string]any{"spec": map[string]any{
			"cidr":        "10.1.0.0/26",
			"allocations": []any{int64(0), nil, int64(1), int64(2), int64(3)},
			"attributes": []any{
				map[string]any{"handle_id": "h1", "secondary": map[string]any{"namespace": "a1", "pod": "x"}},
				map[string]any{"handle_id": "h2", "secondary": map[string]any{"namespace": "b1", "pod": "y"}},
				map[string]any{},
				map[string]any{"handle_id": "windows-reserved-ipam-handle"},
			},
		}}},
		// Another pool's block.
		{Object: map[string]any{"spec": map[string]any{"cidr": "10.2.0.0/26", "allocations": []any{int64(0)}, "attributes": []any{map[string]any{"handle_id": "h"}}}}},
	}
	ws := map[string]string{"a1": "a", "b1": "b"}
	st := controllers.CalicoUsage(p, blocks, func(ns string) string { return ws[ns] })
	assert.Equal(t, networkv1alpha1.IPPoolStatus{Capacity: 256, Allocations: 2, Reserved: 2, Unallocated: 252,
		Workspaces: map[string]networkv1alpha1.WorkspaceStatus{"a": {Allocations: 1}, "b": {Allocations: 1}}}, st)
}

// TestCalicoReconciler: a calico pool gets its Calico IPPool (accepted by
// Calico's own CRD), finalizer, labels and status; changes of the pool and
// drift of the Calico IPPool are carried over; a pool of another type is
// left alone.
func TestCalicoReconciler(t *testing.T) {
	ctx := context.Background()
	n := name("calico")
	cidr := nextNet() + ".0.0/16"
	p := pool(n, "calico", cidr, labelled(nil))
	createPool(t, p)
	eventually(t, func() bool {
		return get(t, p) && p.Status.Synced && calicoPool(t, n) != nil
	}, "pool %s never synced", n)
	assert.True(t, controllerutil.ContainsFinalizer(p, networkv1alpha1.IPPoolFinalizer))
	assert.Equal(t, n, p.Labels[networkv1alpha1.IPPoolNameLabel])
	assert.Equal(t, "calico", p.Labels[networkv1alpha1.IPPoolTypeLabel])
	assert.Equal(t, "4099", p.Labels[networkv1alpha1.IPPoolIDLabel])
	assert.Equal(t, 65536, p.Status.Capacity)
	assert.Equal(t, 65536, p.Status.Unallocated)
	cp := calicoPool(t, n)
	assert.True(t, metav1.IsControlledBy(cp, p))
	if d := cmp.Diff(controllers.CalicoPool(p, controllers.CalicoSettings{}).Object["spec"], cp.Object["spec"]); d != "" {
		t.Errorf("Calico IPPool spec (-want +got):\n%s", d)
	}

	// Disabling the pool disables Calico's.
	pc, err := ippools.NewClient(env.Client, ippools.ClientOptions{})
	require.NoError(t, err)
	_, err = pc.DisablePool(ctx, n)
	require.NoError(t, err)
	eventually(t, func() bool {
		d, _, _ := unstructured.NestedBool(calicoPool(t, n).Object, "spec", "disabled")
		return d
	}, "the Calico IPPool was not disabled")

	// Drift is repaired; fields the backend does not manage are kept.
	cp = calicoPool(t, n)
	require.NoError(t, unstructured.SetNestedField(cp.Object, false, "spec", "natOutgoing"))
	require.NoError(t, unstructured.SetNestedField(cp.Object, true, "spec", "disableBGPExport"))
	require.NoError(t, env.Client.Update(ctx, cp))
	eventually(t, func() bool {
		nat, _, _ := unstructured.NestedBool(calicoPool(t, n).Object, "spec", "natOutgoing")
		return nat
	}, "drift of the Calico IPPool was not repaired")
	bgp, _, _ := unstructured.NestedBool(calicoPool(t, n).Object, "spec", "disableBGPExport")
	assert.True(t, bgp, "a field the backend does not manage was reset")

	// Deleting the pool deletes its Calico IPPool and lets it go.
	require.NoError(t, pc.DeletePool(ctx, n))
	eventually(t, func() bool {
		return !get(t, &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: n}}) && calicoPool(t, n) == nil
	},
		"pool %s or its Calico IPPool is still there", n)

	// Other types are not Calico's.
	vlan := pool(name("vlan"), "vlan", nextNet()+".0.0/16", labelled(nil))
	createPool(t, vlan)
	probe := pool(name("probe"), "calico", nextNet()+".0.0/16", labelled(nil))
	createPool(t, probe)
	eventually(t, func() bool { return get(t, probe) && probe.Status.Synced }, "the probe pool never synced")
	require.True(t, get(t, vlan))
	assert.Empty(t, vlan.Finalizers)
	assert.False(t, vlan.Status.Synced)
	assert.Nil(t, calicoPool(t, vlan.Name))
}

// TestCalicoUsageFromBlocks: allocations in Calico's IPAMBlocks become the
// pool's status, per workspace; the pool in use cannot be deleted.
func TestCalicoUsageFromBlocks(t *testing.T) {
	ctx := context.Background()
	a := newWorkspace(t)
	nsA := newProject(t, a, nil)
	net := nextNet()
	p := pool(name("used"), "calico", net+".0.0/16", labelled(map[string]string{ippools.WorkspaceLabel: a}))
	createPool(t, p)
	eventually(t, func() bool { return get(t, p) && p.Status.Synced }, "pool never synced")
	block(t, net+".1.0/29", []string{nsA.Name + "/web-1", "", nsA.Name + "/web-2", "reserved", "", "", "", ""})
	eventually(t, func() bool { return get(t, p) && p.Status.Allocations == 2 }, "usage never counted: %+v", p.Status)
	assert.Equal(t, 1, p.Status.Reserved)
	assert.Equal(t, 65536-3, p.Status.Unallocated)
	assert.Equal(t, map[string]networkv1alpha1.WorkspaceStatus{a: {Allocations: 2}}, p.Status.Workspaces)

	pc, err := ippools.NewClient(env.Client, ippools.ClientOptions{})
	require.NoError(t, err)
	var conflict *ippools.ConflictError
	require.ErrorAs(t, pc.DeletePool(ctx, p.Name), &conflict)
	require.Error(t, env.Client.Delete(ctx, p), "the webhook let a pool in use go")
}

// directReconciler returns a CalicoReconciler over the live client that
// the test drives itself, on pools without the watch filter label.
func directReconciler(mapper meta.RESTMapper) *controllers.CalicoReconciler {
	return &controllers.CalicoReconciler{Common: controllers.Common{Client: env.Client, Scheme: env.Scheme, RESTMapper: mapper}}
}

func reconcilePool(t *testing.T, r *controllers.CalicoReconciler, n string) reconcile.Result {
	t.Helper()
	res, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKey{Name: n}})
	require.NoError(t, err)
	return res
}

// TestDeleteInUse: a pool whose addresses are still allocated when it is
// deleted keeps its Calico IPPool, disabled, until they are released.
func TestDeleteInUse(t *testing.T) {
	ctx := context.Background()
	r := directReconciler(env.Manager.GetRESTMapper())
	net := nextNet()
	p := pool(name("leaving"), "calico", net+".0.0/16", nil)
	createPool(t, p)
	reconcilePool(t, r, p.Name)
	require.True(t, get(t, p))
	require.True(t, p.Status.Synced)
	require.NoError(t, env.Client.Delete(ctx, p))

	// An address is allocated after the delete was admitted.
	b := block(t, net+".0.0/30", []string{"somewhere/pod", "", "", ""})
	res := reconcilePool(t, r, p.Name)
	assert.Equal(t, controllers.InUseRetry, res.RequeueAfter)
	require.True(t, get(t, p), "a pool in use was let go")
	assert.Equal(t, 1, p.Status.Allocations)
	cp := calicoPool(t, p.Name)
	require.NotNil(t, cp)
	disabled, _, _ := unstructured.NestedBool(cp.Object, "spec", "disabled")
	assert.True(t, disabled, "the Calico IPPool still hands out addresses")

	require.NoError(t, env.Client.Delete(ctx, b))
	reconcilePool(t, r, p.Name)
	assert.Nil(t, calicoPool(t, p.Name))
	assert.False(t, get(t, p), "the pool kept its finalizer")
}

// TestWithoutCalico: without Calico's CRD (a REST mapper that knows no
// kind) the reconcilers write nothing and fail nothing.
func TestWithoutCalico(t *testing.T) {
	ctx := context.Background()
	none := meta.NewDefaultRESTMapper(nil)
	r := directReconciler(none)
	p := pool(name("nocalico"), "calico", nextNet()+".0.0/16", nil)
	createPool(t, p)
	assert.Equal(t, reconcile.Result{}, reconcilePool(t, r, p.Name))
	require.True(t, get(t, p))
	assert.Empty(t, p.Finalizers)
	assert.False(t, p.Status.Synced)
	assert.Nil(t, calicoPool(t, p.Name))

	// A finalizer left from when Calico was there does not hold the pool.
	controllerutil.AddFinalizer(p, networkv1alpha1.IPPoolFinalizer)
	require.NoError(t, env.Client.Update(ctx, p))
	require.NoError(t, env.Client.Delete(ctx, p))
	reconcilePool(t, r, p.Name)
	assert.False(t, get(t, p))

	ws := newWorkspace(t)
	ns := newProject(t, ws, nil)
	nr := &controllers.CalicoNamespaceReconciler{Common: controllers.Common{Client: env.Client, Scheme: env.Scheme, RESTMapper: none}}
	_, err := nr.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: ns.Name}})
	require.NoError(t, err)
	require.True(t, get(t, ns))
	assert.NotContains(t, ns.Annotations, controllers.IPv4PoolsAnnotation)
	assert.NotContains(t, ns.Annotations, controllers.ManagedAnnotation)
}
