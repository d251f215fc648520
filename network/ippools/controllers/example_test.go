package controllers_test

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
	"github.com/spherekit/spherekit/network/ippools/controllers"
)

// A host registers the Calico backend with its manager.
func ExampleSetupWithManager() {
	var mgr ctrl.Manager // the host's manager
	if mgr == nil {
		return
	}
	err := controllers.SetupWithManager(context.Background(), mgr, controllers.Options{
		Calico: controllers.CalicoSettings{IPIPMode: controllers.EncapCrossSubnet},
	})
	if err != nil {
		fmt.Println(err)
	}
}

// Registering one reconciler alone.
func ExampleCalicoReconciler_SetupWithManager() {
	var mgr ctrl.Manager
	if mgr == nil {
		return
	}
	common := controllers.Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), RESTMapper: mgr.GetRESTMapper()}
	if err := (&controllers.CalicoReconciler{Common: common}).SetupWithManager(context.Background(), mgr, controller.Options{}); err != nil {
		fmt.Println(err)
	}
}

func ExampleCalicoNamespaceReconciler_SetupWithManager() {
	var mgr ctrl.Manager
	if mgr == nil {
		return
	}
	common := controllers.Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), RESTMapper: mgr.GetRESTMapper()}
	if err := (&controllers.CalicoNamespaceReconciler{Common: common}).SetupWithManager(context.Background(), mgr, controller.Options{}); err != nil {
		fmt.Println(err)
	}
}

// The Calico IPPool kept for a KubeSphere pool.
func ExampleCalicoPool() {
	p := &networkv1alpha1.IPPool{
		ObjectMeta: metav1.ObjectMeta{Name: "demo"},
		Spec:       networkv1alpha1.IPPoolSpec{Type: ippools.TypeCalico, CIDR: "10.100.0.0/28"},
	}
	u := controllers.CalicoPool(p, controllers.CalicoSettings{})
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	fmt.Println(u.GetAPIVersion(), u.GetKind(), u.GetName())
	fmt.Println(spec["cidr"], spec["blockSize"], spec["ipipMode"], spec["vxlanMode"], spec["natOutgoing"], spec["nodeSelector"])
	// Output:
	// crd.projectcalico.org/v1 IPPool demo
	// 10.100.0.0/28 28 Always Never true all()
}

func ExampleBlockSize() {
	for _, cidr := range []string{"10.0.0.0/16", "10.0.0.0/27", "fd00::/64"} {
		fmt.Println(cidr, controllers.BlockSize(networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: cidr}))
	}
	// Output:
	// 10.0.0.0/16 26
	// 10.0.0.0/27 27
	// fd00::/64 122
}

// Workspace "a" has a pool of its own; workspace "b" gets the default one.
func ExampleNamespacePools() {
	synced := networkv1alpha1.IPPoolStatus{Synced: true}
	pools := []networkv1alpha1.IPPool{
		{ObjectMeta: metav1.ObjectMeta{Name: "shared", Labels: map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}},
			Spec: networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.0.0.0/16"}, Status: synced},
		{ObjectMeta: metav1.ObjectMeta{Name: "a-pool", Labels: map[string]string{ippools.WorkspaceLabel: "a"}},
			Spec: networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.1.0.0/16"}, Status: synced},
	}
	for _, ws := range []string{"a", "b"} {
		v4, _ := controllers.NamespacePools(ws, pools)
		fmt.Println(ws, v4)
	}
	// Output:
	// a [a-pool]
	// b [shared]
}

func ExampleCalicoUsage() {
	p := &networkv1alpha1.IPPool{Spec: networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "10.0.0.0/24"}}
	blocks := []unstructured.Unstructured{{Object: map[string]any{"spec": map[string]any{
		"cidr":        "10.0.0.0/26",
		"allocations": []any{int64(0), nil, int64(0)},
		"attributes":  []any{map[string]any{"handle_id": "k8s-pod-network.x", "secondary": map[string]any{"namespace": "web"}}},
	}}}}
	st := controllers.CalicoUsage(p, blocks, func(string) string { return "demo" })
	fmt.Println(st.Capacity, st.Allocations, st.Unallocated, st.Workspaces["demo"].Allocations)
	// Output:
	// 256 2 254 2
}

func ExampleCalicoSettingsFromDaemonSet() {
	fmt.Printf("%+v\n", controllers.CalicoSettingsFromDaemonSet(nil))
	// Output:
	// {IPIPMode: VXLANMode: NoNATOutgoing:false}
}
