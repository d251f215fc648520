package testenv

import (
	"context"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// BenchmarkStart measures a warm Start (binaries cached) to a usable cluster,
// beside the anchor: controller-runtime's plain envtest starting the same
// etcd and kube-apiserver binaries with no CRDs.
//
//	go test ./testenv -run '^$' -bench 'Start|Deployment' -benchtime 5x
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	bins, err := resolveBinaries(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("anchor=envtest", func(b *testing.B) {
		for b.Loop() {
			no := false
			env := &envtest.Environment{
				UseExistingCluster: &no,
				ControlPlane: envtest.ControlPlane{
					Etcd:      &envtest.Etcd{Path: bins.etcd},
					APIServer: &envtest.APIServer{Path: bins.apiserver},
				},
			}
			if _, err := env.Start(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := env.Stop(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	for _, tc := range []struct {
		name  string
		nodes int
	}{{"api-only", 0}, {"nodes=3", 3}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				c, err := Start(ctx, Options{Nodes: tc.nodes})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := c.Stop(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkDeploymentAvailable measures the time from creating a Deployment
// to all its replicas Available on 3 simulated nodes, for 20 replicas (the
// figure ../shared/TESTBED.md records) and 100.
func BenchmarkDeploymentAvailable(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Nodes: 3})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Stop() }()
	for _, replicas := range []int32{20, 100} {
		b.Run("replicas="+strconv.Itoa(int(replicas)), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ns := c.NewNamespace(b)
				dep := deployment(ns, "web", replicas)
				b.StartTimer()
				err := c.CreateAndWait(ctx, dep, func(o client.Object) (bool, error) {
					d := o.(*appsv1.Deployment)
					return d.Status.AvailableReplicas == replicas && d.Status.ObservedGeneration == d.Generation, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				// Free the nodes' pod capacity for the next iteration.
				if err := c.Client.Delete(ctx, dep, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil {
					b.Fatal(err)
				}
				if err := waitNoPods(ctx, c, ns); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

func waitNoPods(ctx context.Context, c *Cluster, ns string) error {
	return wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		if err := c.Client.List(ctx, &pods, client.InNamespace(ns)); err != nil {
			return false, err
		}
		return len(pods.Items) == 0, nil
	})
}
