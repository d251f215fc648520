package controllers_test

import (
	"fmt"
	"log"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/spherekit/spherekit"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
)

func ExampleSetupWithManager() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	ctx := ctrl.SetupSignalHandler()
	err = controllers.SetupWithManager(ctx, mgr, controllers.Options{
		LoginFailureLimit:  5,
		LoginFailureWindow: 30 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := mgr.Start(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleQuotaMeterName() {
	fmt.Println(controllers.QuotaMeterName("team-a"))
	// Output: spherekit-quota-team-a
}

// A host that wants only some reconcilers registers them one by one.
func ExampleUserReconciler_SetupWithManager() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	ctx := ctrl.SetupSignalHandler()
	common := controllers.Common{Client: mgr.GetClient(), Scheme: mgr.GetScheme()}
	users := &controllers.UserReconciler{Common: common, LoginFailureLimit: 3}
	if err := users.SetupWithManager(ctx, mgr, controller.Options{MaxConcurrentReconciles: 2}); err != nil {
		log.Fatal(err)
	}
	if err := mgr.Start(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleNativeMirror() {
	binding := &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-team-a-viewer"},
		RoleRef:    rbacv1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "team-a-viewer"},
	}
	native, _ := controllers.NativeMirror(binding, "web")
	rb := native.(*rbacv1.RoleBinding)
	fmt.Println(rb.Namespace, rb.Name, "->", rb.RoleRef.Kind, rb.RoleRef.Name)
	// Output: web kubesphere:iam:workspace:alice-team-a-viewer -> ClusterRole kubesphere:iam:workspace:team-a-viewer
}
