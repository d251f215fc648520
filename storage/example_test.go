package storage_test

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/storage"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// An Accessor that keeps class "fast" to gold-tier projects: a namespace
// without the tier label, or with another tier, is refused, and the error
// names the Accessor and the selector.
func ExampleCheckAccessor() {
	a := &storagev1alpha1.Accessor{
		ObjectMeta: metav1.ObjectMeta{Name: "fast-gold-only"},
		Spec: storagev1alpha1.AccessorSpec{
			StorageClassName: "fast",
			NamespaceSelector: storagev1alpha1.AccessorSelector{LabelSelector: []storagev1alpha1.LabelRule{{
				MatchExpressions: []storagev1alpha1.LabelExpression{{Key: "tier", Operator: storagev1alpha1.In, Values: []string{"gold"}}},
			}}},
		},
	}
	gold := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"tier": "gold"}}}
	tin := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "sandbox", Labels: map[string]string{"tier": "tin"}}}
	fmt.Println(storage.CheckAccessor(a, gold, nil))
	fmt.Println(storage.CheckAccessor(a, tin, nil))
	// Output:
	// <nil>
	// accessor "fast-gold-only" of storage class "fast" denies namespace "sandbox": spec.namespaceSelector.labelSelector: the labels of namespace "sandbox" match none of its 1 rules
}

// An index over all Accessors answers for one class; classes without
// Accessors are open.
func ExampleNewAccessorIndex() {
	x := storage.NewAccessorIndex([]storagev1alpha1.Accessor{{
		ObjectMeta: metav1.ObjectMeta{Name: "fast-shop-only"},
		Spec: storagev1alpha1.AccessorSpec{
			StorageClassName: "fast",
			NamespaceSelector: storagev1alpha1.AccessorSelector{FieldSelector: []storagev1alpha1.FieldRule{{
				FieldExpressions: []storagev1alpha1.FieldExpression{{Field: storagev1alpha1.FieldName, Operator: storagev1alpha1.In, Values: []string{"shop"}}},
			}}},
		},
	}})
	sandbox := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "sandbox"}}
	fmt.Println(x.Check("fast", sandbox, nil) != nil, x.Check("slow", sandbox, nil) == nil, x.Restricted("slow"))
	// Output: true true false
}

// What a class can do, as the CRD's features.
func ExampleCapabilities_Features() {
	c := storage.Capabilities{Provisioner: "hostpath.csi.k8s.io", CSIDriver: true, AttachRequired: storage.Unsupported,
		Clone: storage.Supported, Snapshot: storage.Supported, Expansion: storage.Supported, ExpandMode: storagev1alpha1.ExpandModeUnknown}
	f := c.Features()
	fmt.Println(f.Volume.Create, f.Volume.Attach, f.Volume.Clone, f.Volume.Expand, f.Snapshot.Create)
	// Output: true false true UNKNOWN true
}

func ExampleGrantAccessorName() {
	fmt.Println(storage.GrantAccessorName("fast"))
	// Output: fast-grants
}

// Typed facts about a class; unknown features say so.
func ExampleClient_Capabilities() {
	var c client.Client // a controller-runtime client, e.g. a manager's
	sc, _ := storage.NewClient(c, storage.ClientOptions{})
	caps, err := sc.Capabilities(context.Background(), "fast")
	if err != nil {
		return
	}
	fmt.Println(caps.Snapshot, caps.Clone, caps.Expansion, caps.ExpandMode)
}

// Restrict class "fast" to workspace "retail" and project "lab".
func ExampleClient_GrantClass() {
	var c client.Client
	sc, _ := storage.NewClient(c, storage.ClientOptions{})
	_, err := sc.GrantClass(context.Background(), "fast", storage.Grantees{Workspaces: []string{"retail"}, Projects: []string{"lab"}})
	fmt.Println(err)
}

// Which classes may project "shop" use?
func ExampleClient_UsableClasses() {
	var c client.Client
	sc, _ := storage.NewClient(c, storage.ClientOptions{})
	classes, err := sc.UsableClasses(context.Background(), "shop")
	if err != nil {
		return
	}
	for _, cl := range classes {
		fmt.Println(cl.Name)
	}
}

// Check an Accessor before writing it.
func ExampleClient_ValidateAccessor() {
	var c client.Client
	sc, _ := storage.NewClient(c, storage.ClientOptions{})
	a := &storagev1alpha1.Accessor{Spec: storagev1alpha1.AccessorSpec{StorageClassName: "fast"}}
	fmt.Println(sc.ValidateAccessor(context.Background(), a))
}

// The class a claim names, the beta annotation first.
func ExampleClaimClass() {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{corev1.BetaStorageClassAnnotation: "slow"}}}
	fmt.Println(storage.ClaimClass(pvc))
	// Output: slow
}

// Decide one claim the way the webhook does.
func ExampleAccessorIndex_Admit() {
	var c client.Client // reads namespaces and workspaces
	var list storagev1alpha1.AccessorList
	if err := c.List(context.Background(), &list); err != nil {
		return
	}
	err := storage.NewAccessorIndex(list.Items).Admit(context.Background(), c, "fast", "shop")
	fmt.Println(err)
}

// Snapshot a claim, restore the snapshot into a new claim, and grow the
// new one; each call waits, bounded by ctx, and refuses what the class
// cannot do with an error wrapping storage.ErrUnsupported.
func ExampleClient_CreateSnapshot() {
	var c client.Client // a controller-runtime client, e.g. a manager's
	sc, err := storage.NewClient(c, storage.ClientOptions{})
	if err != nil {
		return
	}
	ctx := context.Background()
	snap, err := sc.CreateSnapshot(ctx, "shop", "db-data", storage.CreateSnapshotOptions{Wait: true})
	if errors.Is(err, storage.ErrUnsupported) {
		fmt.Println("the class of db-data cannot snapshot")
		return
	} else if err != nil {
		return
	}
	restored, err := sc.RestoreSnapshot(ctx, "shop", snap.Name, "db-data-copy", storage.RestoreOptions{Wait: true})
	if err != nil {
		return // a *storage.FailedError says what the provisioner reported; the claim is removed
	}
	grown, err := sc.ExpandVolume(ctx, "shop", restored.Name, resource.MustParse("20Gi"))
	if err != nil {
		return
	}
	fmt.Println(grown.Status.Capacity.Storage())
}

// A portal acts for its user: every call is checked by the authorizer
// first, and a refusal is a *storage.ForbiddenError with nothing done.
func ExampleClientOptions_onBehalfOf() {
	var c client.Client
	var az *authz.Authorizer // fed by a cache of KubeSphere's roles and bindings
	sc, err := storage.NewClient(c, storage.ClientOptions{OnBehalfOf: &authz.User{Name: "alice"}, Authorizer: az})
	if err != nil {
		return
	}
	_, _, err = sc.ListVolumes(context.Background(), "shop", resources.Query{Status: "Bound"})
	if errors.Is(err, storage.ErrForbidden) {
		fmt.Println("alice may not list the claims of shop")
	}
}
