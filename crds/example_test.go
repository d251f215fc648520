package crds_test

import (
	"fmt"
	"log"

	"github.com/spherekit/spherekit/crds"
)

func ExampleAll() {
	defs, err := crds.All()
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range defs {
		fmt.Println(d.Name, d.Spec.Scope)
	}
	// Output:
	// workspaces.tenant.kubesphere.io Cluster
}
