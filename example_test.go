package spherekit_test

import (
	"fmt"
	"log"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/spherekit/spherekit"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

func ExampleAddToScheme() {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		log.Fatal(err)
	}
	if err := spherekit.AddToScheme(scheme); err != nil {
		log.Fatal(err)
	}
	gvks, _, err := scheme.ObjectKinds(&tenantv1beta1.Workspace{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(gvks[0])
	// Output:
	// tenant.kubesphere.io/v1beta1, Kind=Workspace
}
