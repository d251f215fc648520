package ippools_test

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// BenchmarkCheckCreate checks a new pool against 1,000 existing ones of
// the same ID (the webhook's and the Client's work on every create): the
// new pool overlaps none, so every existing pool is compared.
//
//	go test -run '^$' -bench CheckCreate ./network/ippools/
func BenchmarkCheckCreate(b *testing.B) {
	for _, n := range []int{100, 1000} {
		existing := make([]networkv1alpha1.IPPool, n)
		for i := range existing {
			existing[i] = networkv1alpha1.IPPool{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i)},
				Spec:       networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)},
			}
		}
		fresh := &networkv1alpha1.IPPool{ObjectMeta: metav1.ObjectMeta{Name: "fresh"}, Spec: networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: "172.16.0.0/16"}}
		overlapping := fresh.DeepCopy()
		overlapping.Spec.CIDR = fmt.Sprintf("10.%d.0.0/16", (n-1)/256)
		if err := ippools.CheckCreate(fresh, existing); err != nil {
			b.Fatal(err)
		}
		if err := ippools.CheckCreate(overlapping, existing); err == nil {
			b.Fatal("the overlapping pool passed")
		}
		b.Run(fmt.Sprintf("pools=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := ippools.CheckCreate(fresh, existing); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
