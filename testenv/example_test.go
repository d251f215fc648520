package testenv_test

import (
	"context"
	"fmt"
	"log"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

// Start an API-only cluster (etcd and kube-apiserver) and create a Workspace.
func ExampleStart() {
	ctx := context.Background()
	cluster, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()

	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}
	if err := cluster.Client.Create(ctx, ws); err != nil {
		log.Fatal(err)
	}
	fmt.Println("kubeconfig:", cluster.KubeconfigPath())
}

// Start a cluster with three simulated nodes and wait for a Deployment to be
// Available.
func ExampleCluster_CreateAndWait() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cluster, err := testenv.Start(ctx, testenv.Options{Nodes: 3})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()

	replicas := int32(10)
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: metav1.NamespaceDefault},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	err = cluster.CreateAndWait(ctx, dep, func(o client.Object) (bool, error) {
		return o.(*appsv1.Deployment).Status.AvailableReplicas == replicas, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("available on", cluster.NodeNames())
}

// Restart kube-apiserver in the middle of a test to check that a component
// recovers; the cluster's client works again once the call returns.
func ExampleCluster_RestartAPIServer() {
	ctx := context.Background()
	cluster, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()

	if err := cluster.RestartAPIServer(ctx); err != nil {
		log.Fatal(err)
	}
	var list tenantv1beta1.WorkspaceList
	if err := cluster.Client.List(ctx, &list); err != nil {
		log.Fatal(err)
	}
}

// Test authorization as a user other than the administrator.
func ExampleCluster_AddUser() {
	ctx := context.Background()
	cluster, err := testenv.Start(ctx, testenv.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()

	cfg, err := cluster.AddUser("alice", "developers")
	if err != nil {
		log.Fatal(err)
	}
	alice, err := client.New(cfg, client.Options{Scheme: cluster.Scheme})
	if err != nil {
		log.Fatal(err)
	}
	err = alice.List(ctx, &corev1.NamespaceList{})
	fmt.Println("alice may list namespaces:", err == nil)
}

// Simulate the usage of a pod: with NodeMetrics, kwok serves per-container
// CPU and memory usage for each node, taken from the pod's annotations, at
// NodeMetricsAddress (testenv/prometheus scrapes it as job "kubelet").
func ExampleCluster_NodeMetricsAddress() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cluster, err := testenv.Start(ctx, testenv.Options{Nodes: 1, NodeMetrics: true})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cluster.Stop() }()

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "busy", Namespace: metav1.NamespaceDefault, Annotations: map[string]string{
			testenv.UsageCPUAnnotation:    "250m", // container_cpu_usage_seconds_total grows 0.25 a second
			testenv.UsageMemoryAnnotation: "64Mi", // container_memory_working_set_bytes
		}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
	}
	err = cluster.CreateAndWait(ctx, pod, func(o client.Object) (bool, error) {
		return o.(*corev1.Pod).Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("http://" + cluster.NodeMetricsAddress() + testenv.NodeCadvisorMetricsPath(pod.Spec.NodeName))
}
