package ippools_test

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// newClient builds a Client over the cluster of the current kubeconfig.
func newClient() (*ippools.Client, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := spherekit.AddToScheme(scheme); err != nil {
		return nil, err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	return ippools.NewClient(c, ippools.ClientOptions{})
}

// A Calico pool for workspace "demo", and the typed error of a pool that
// overlaps it.
func ExampleClient_CreatePool() {
	ctx := context.Background()
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = pc.CreatePool(ctx, "demo-pool", networkv1alpha1.IPPoolSpec{Type: ippools.TypeCalico, CIDR: "10.100.0.0/16", BlockSize: 26},
		ippools.CreatePoolOptions{Workspace: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = pc.CreatePool(ctx, "other", networkv1alpha1.IPPoolSpec{Type: ippools.TypeCalico, CIDR: "10.100.128.0/17"}, ippools.CreatePoolOptions{})
	var conflict *ippools.ConflictError
	if errors.As(err, &conflict) {
		fmt.Println(conflict.Field) // spec.cidr
	}
}

func ExampleClient_AssignPool() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := pc.AssignPool(context.Background(), "demo-pool", "demo"); err != nil {
		fmt.Println(err)
	}
}

func ExampleClient_UnassignPool() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := pc.UnassignPool(context.Background(), "demo-pool"); err != nil {
		fmt.Println(err)
	}
}

// Disabling a pool whose addresses are in use is refused.
func ExampleClient_DisablePool() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = pc.DisablePool(context.Background(), "demo-pool")
	var conflict *ippools.ConflictError
	if errors.As(err, &conflict) {
		fmt.Println("in use:", conflict.Reason)
	}
}

func ExampleClient_EnablePool() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := pc.EnablePool(context.Background(), "demo-pool"); err != nil {
		fmt.Println(err)
	}
}

func ExampleClient_SetDefaultPool() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := pc.SetDefaultPool(context.Background(), "shared-pool"); err != nil {
		fmt.Println(err)
	}
}

func ExampleClient_DeletePool() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := pc.DeletePool(context.Background(), "demo-pool"); err != nil {
		fmt.Println(err)
	}
}

func ExampleClient_ListPools() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	pools, err := pc.ListPools(context.Background(), ippools.ListPoolsOptions{Workspace: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pools {
		fmt.Println(p.Object.Name, p.Object.Spec.CIDR, p.Usage)
	}
}

// The pools a project may use: the default pool and its workspace's.
func ExampleClient_PoolsForNamespace() {
	pc, err := newClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	pools, err := pc.PoolsForNamespace(context.Background(), "demo-project", ippools.PoolsForNamespaceOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pools {
		fmt.Println(p.Object.Name, p.Default, p.Usage)
	}
}

func ExampleValidateSpec() {
	for _, s := range []networkv1alpha1.IPPoolSpec{
		{Type: "calico", CIDR: "10.233.64.0/18"},
		{Type: "calico", CIDR: "10.233.64.1/18"},
		{Type: "vlan", CIDR: "192.168.0.0/24", RangeStart: "192.168.0.100", RangeEnd: "192.168.0.99"},
		{Type: "calico", CIDR: "fd00::/64", BlockSize: 64},
	} {
		fmt.Println(ippools.ValidateSpec(s))
	}
	// Output:
	// <nil>
	// invalid spec.cidr: "10.233.64.1/18" has host bits set; the network is 10.233.64.0/18
	// invalid spec.rangeEnd: 192.168.0.99 comes before rangeStart 192.168.0.100
	// invalid spec.blockSize: Calico takes block sizes 116 to 128 for IPv6, not 64
}

// CIDRs conflict only between pools of one ID: a Calico pool and a VLAN
// pool may share addresses.
func ExampleOverlaps() {
	calico := networkv1alpha1.IPPool{Spec: networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.0.0.0/16"}}
	inside := networkv1alpha1.IPPool{Spec: networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.0.8.0/24"}}
	vlan := networkv1alpha1.IPPool{Spec: networkv1alpha1.IPPoolSpec{Type: "vlan", CIDR: "10.0.8.0/24"}}
	fmt.Println(ippools.Overlaps(&calico, &inside), ippools.Overlaps(&calico, &vlan))
	fmt.Println(ippools.ID(calico.Spec), ippools.ID(vlan.Spec))
	// Output:
	// true false
	// 4099 1
}

func ExampleCheckCreate() {
	existing := []networkv1alpha1.IPPool{{
		ObjectMeta: metav1.ObjectMeta{Name: "shared", Labels: map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}},
		Spec:       networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.0.0.0/16"},
	}}
	second := &networkv1alpha1.IPPool{
		ObjectMeta: metav1.ObjectMeta{Name: "second", Labels: map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}},
		Spec:       networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.1.0.0/16"},
	}
	fmt.Println(ippools.CheckCreate(second, existing))
	// Output:
	// metadata.labels[ippool.network.kubesphere.io/default]: pool "shared" is the default already; there is at most one
}

func ExampleCheckUpdate() {
	old := &networkv1alpha1.IPPool{
		ObjectMeta: metav1.ObjectMeta{Name: "busy"},
		Spec:       networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.0.0.0/16"},
		Status:     networkv1alpha1.IPPoolStatus{Allocations: 12},
	}
	disabled := old.DeepCopy()
	disabled.Spec.Disabled = true
	fmt.Println(ippools.CheckUpdate(old, disabled, nil))
	// Output:
	// spec.disabled: pool "busy" is in use (12 addresses allocated); release them first
}

func ExampleCheckDelete() {
	busy := &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: "busy"}, Status: networkv1alpha1.IPPoolStatus{Allocations: 3}}
	fmt.Println(ippools.CheckDelete(busy))
	// Output:
	// pool: pool "busy" is in use (3 addresses allocated); remove the workloads first
}

func ExampleUsageOf() {
	p := &networkv1alpha1.IPPool{Spec: networkv1alpha1.IPPoolSpec{Type: "vlan", CIDR: "192.168.0.0/24", RangeStart: "192.168.0.10", RangeEnd: "192.168.0.249"}}
	fmt.Println(ippools.UsageOf(p))
	// Output:
	// 0/256 used (16 reserved, 240 free)
}

// A namespace of workspace "a" may use a's pools and the unassigned default,
// never b's.
func ExampleMayUse() {
	own := &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{ippools.WorkspaceLabel: "a"}}}
	theirs := &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{ippools.WorkspaceLabel: "b"}}}
	shared := &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}}}
	fmt.Println(ippools.MayUse("a", own, false), ippools.MayUse("a", theirs, true), ippools.MayUse("a", shared, false))
	// Output:
	// true false true
}

func ExampleParseCIDR() {
	p, err := ippools.ParseCIDR("fd00:10::/64")
	fmt.Println(p, err)
	_, err = ippools.ParseCIDR("10.0.0.1/32")
	fmt.Println(err)
	// Output:
	// fd00:10::/64 <nil>
	// invalid spec.cidr: "10.0.0.1/32" holds one address; the prefix length must be at most 31
}

func ExampleAddresses() {
	capacity, reserved, err := ippools.Addresses(networkv1alpha1.IPPoolSpec{Type: "vlan", CIDR: "10.0.0.0/24", RangeStart: "10.0.0.1", RangeEnd: "10.0.0.254"})
	fmt.Println(capacity, reserved, err)
	// Output:
	// 256 2 <nil>
}

func ExampleTypeLabel() {
	fmt.Println(ippools.TypeLabel(networkv1alpha1.IPPoolSpec{Type: "vlan"}), ippools.TypeLabel(networkv1alpha1.IPPoolSpec{Type: "calico"}))
	// Output:
	// local calico
}
