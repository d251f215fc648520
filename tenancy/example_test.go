package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// newTenancyClient connects to the cluster of the current kubeconfig.
func newTenancyClient() *tenancy.Client {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		log.Fatal(err)
	}
	if err := spherekit.AddToScheme(scheme); err != nil {
		log.Fatal(err)
	}
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	tc, err := tenancy.NewClient(c, tenancy.ClientOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return tc
}

func ExampleNewClient() {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = spherekit.AddToScheme(scheme)
	c, err := client.New(ctrl.GetConfigOrDie(), client.Options{Scheme: scheme})
	if err != nil {
		log.Fatal(err)
	}
	tc, err := tenancy.NewClient(c, tenancy.ClientOptions{FieldOwner: "my-portal"})
	if err != nil {
		log.Fatal(err)
	}
	_ = tc
}

func ExampleClient_EnsureDefaults() {
	tc := newTenancyClient()
	// KubeSphere's built-in roles, BuiltinRoles and RoleTemplates, where
	// missing; safe on every start.
	res, err := tc.EnsureDefaults(context.Background(), tenancy.EnsureDefaultsOptions{})
	if err != nil {
		log.Fatal(err)
	}
	// Objects of the same name that EnsureDefaults did not create, such as
	// KubeSphere's own, are left alone.
	for _, o := range res.Skipped {
		log.Printf("kept %s as it is", o)
	}
	// Defaults it created that someone changed since: repair them on request.
	if len(res.Drifted) > 0 {
		if _, err := tc.EnsureDefaults(context.Background(), tenancy.EnsureDefaultsOptions{Repair: true}); err != nil {
			log.Fatal(err)
		}
	}
}

func ExampleDefaults() {
	objs, err := tenancy.Defaults()
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range objs {
		if o.GetKind() == "GlobalRole" {
			fmt.Println(o.GetName())
		}
	}
	// Output:
	// anonymous
	// authenticated
	// platform-admin
	// platform-regular
	// platform-self-provisioner
	// pre-registration
	// ks-console
}

func ExampleCheckPassword() {
	fmt.Println(tenancy.CheckPassword("Passw0rdOK"))
	fmt.Println(tenancy.CheckPassword("password"))
	// Output:
	// <nil>
	// invalid password: must contain an upper-case letter
}

func ExampleClient_CreateUser() {
	tc := newTenancyClient()
	_, err := tc.CreateUser(context.Background(), "alice", "alice@example.com", tenancy.CreateUserOptions{
		Password:    "Str0ngPassword",
		DisplayName: "Alice",
	})
	var conflict *tenancy.ConflictError
	if errors.As(err, &conflict) {
		log.Fatalf("%s is taken: %s", conflict.Field, conflict.Reason)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_SetPassword() {
	tc := newTenancyClient()
	if err := tc.SetPassword(context.Background(), "alice", "An0therPassword", tenancy.SetPasswordOptions{}); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DisableUser() {
	tc := newTenancyClient()
	if err := tc.DisableUser(context.Background(), "alice"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_EnableUser() {
	tc := newTenancyClient()
	if err := tc.EnableUser(context.Background(), "alice"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_RecordLogin() {
	tc := newTenancyClient()
	// A portal records each attempt; repeated failures block the user.
	_, err := tc.RecordLogin(context.Background(), "alice", tenancy.RecordLoginOptions{
		Failed:    true,
		Reason:    "wrong password",
		SourceIP:  "192.0.2.10",
		UserAgent: "portal/1.0",
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_CreateWorkspace() {
	tc := newTenancyClient()
	ctx := context.Background()
	_, err := tc.CreateWorkspace(ctx, "team-a", tenancy.CreateWorkspaceOptions{
		Manager:   "alice",
		AliasName: "Team A",
	})
	if errors.Is(err, tenancy.ErrNotFound) {
		log.Fatalf("no such manager: %v", err)
	}
	if err != nil {
		log.Fatal(err)
	}
	ws, err := tc.WaitForWorkspace(ctx, "team-a")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ws.Name, ws.Spec.Manager)
}

func ExampleClient_WaitForWorkspace() {
	tc := newTenancyClient()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := tc.WaitForWorkspace(ctx, "team-a"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_DeleteWorkspace() {
	tc := newTenancyClient()
	// Keep the projects as plain namespaces (the default), or delete them.
	err := tc.DeleteWorkspace(context.Background(), "team-a", tenancy.DeleteWorkspaceOptions{
		Propagation: tenantv1beta1.DeletionPropagationBackground,
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_AddMember() {
	tc := newTenancyClient()
	ctx := context.Background()
	// One operation for every scope; the role is one of that scope.
	if err := tc.AddMember(ctx, tenancy.Workspace("team-a"), "bob", iamv1beta1.WorkspaceRegular); err != nil {
		log.Fatal(err)
	}
	if err := tc.AddMember(ctx, tenancy.Project("web"), "bob", iamv1beta1.ProjectOperator); err != nil {
		log.Fatal(err)
	}
	if err := tc.AddMember(ctx, tenancy.Platform(), "carol", iamv1beta1.PlatformSelfProvisioner); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ChangeMember() {
	tc := newTenancyClient()
	err := tc.ChangeMember(context.Background(), tenancy.Workspace("team-a"), "bob", iamv1beta1.WorkspaceViewer)
	if errors.Is(err, tenancy.ErrNotFound) {
		log.Fatalf("bob is not a member of team-a, or there is no such workspace or role: %v", err)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_RemoveMember() {
	tc := newTenancyClient()
	err := tc.RemoveMember(context.Background(), tenancy.Project("web"), "bob")
	if errors.Is(err, tenancy.ErrNotFound) {
		fmt.Println("bob was not a member")
	} else if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_ListMembers() {
	tc := newTenancyClient()
	ctx := context.Background()
	for _, scope := range []tenancy.Scope{tenancy.Platform(), tenancy.Workspace("team-a"), tenancy.Project("web")} {
		members, err := tc.ListMembers(ctx, scope)
		if err != nil {
			log.Fatal(err)
		}
		for _, m := range members {
			fmt.Printf("%s: %s %s\n", scope, m.User, m.Role)
		}
	}
}

func ExampleScope() {
	scopes := []tenancy.Scope{tenancy.Platform(), tenancy.Workspace("team-a"), tenancy.Project("web")}
	for _, s := range scopes {
		fmt.Println(s)
	}
	// Scopes are comparable values, for == and as map keys.
	fmt.Println(tenancy.Workspace("team-a") == scopes[1], tenancy.Workspace("web") == tenancy.Project("web"))
	// Output:
	// the platform
	// workspace team-a
	// project web
	// true false
}

func ExamplePlatform() {
	fmt.Println(tenancy.Platform())
	// Output: the platform
}

func ExampleWorkspace() {
	// A bad name is reported when the scope is used, as an *InvalidError
	// naming "workspace".
	fmt.Println(tenancy.Workspace("team-a"))
	// Output: workspace team-a
}

func ExampleProject() {
	fmt.Println(tenancy.Project("web"))
	// Output: project web
}

func ExampleClient_CreateProject() {
	tc := newTenancyClient()
	ns, err := tc.CreateProject(context.Background(), "team-a", "web", tenancy.CreateProjectOptions{Creator: "alice"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ns.Labels[tenantv1beta1.WorkspaceLabel])
}

func ExampleClient_WaitForProject() {
	tc := newTenancyClient()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The project's roles exist and its creator is its admin.
	if _, err := tc.WaitForProject(ctx, "web"); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_SetWorkspaceQuota() {
	tc := newTenancyClient()
	q, err := tc.SetWorkspaceQuota(context.Background(), "team-a", corev1.ResourceList{
		corev1.ResourceRequestsCPU:    resource.MustParse("20"),
		corev1.ResourceRequestsMemory: resource.MustParse("64Gi"),
		"count/pods":                  resource.MustParse("200"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The quota controller fills in the usage of every project.
	fmt.Println(q.Status.Total.Used)
}

func ExampleClient_SetProjectQuota() {
	tc := newTenancyClient()
	_, err := tc.SetProjectQuota(context.Background(), "web", corev1.ResourceList{
		corev1.ResourceLimitsMemory: resource.MustParse("8Gi"),
	})
	if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_SetProjectDefaults() {
	tc := newTenancyClient()
	_, err := tc.SetProjectDefaults(context.Background(), "web", tenancy.ContainerDefaults{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
	})
	if err != nil {
		log.Fatal(err)
	}
}
