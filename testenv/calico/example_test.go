package calico_test

import (
	"context"
	"fmt"

	"github.com/spherekit/spherekit/testenv/calico"
)

// Calico's IPPool and IPAMBlock CRDs, read from the pinned module, for
// testenv.Options.CRDs.
func ExampleCRDs() {
	defs, err := calico.CRDs(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defs, err = calico.Only(defs, "IPPool", "IPAMBlock")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range defs {
		fmt.Println(d.Name, d.Spec.Versions[0].Name)
	}
	// Output:
	// ippools.crd.projectcalico.org v1
	// ipamblocks.crd.projectcalico.org v1
}
