package main

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/tenancy"
)

// networkTour shows what isolating the project would cut before doing it:
// a pod of a second project of the workspace reaches the project's web pod
// until the project is isolated. The network controllers run in the tour's
// manager; the pods need not run (no network plugin is involved: the plan
// is what the policies say).
func networkTour(ctx context.Context, out io.Writer, c client.Client, tc *tenancy.Client, ws, project, creator string) error {
	api := "api-" + project[len("web-"):]
	if _, err := tc.CreateProject(ctx, ws, api, tenancy.CreateProjectOptions{Creator: creator}); err != nil {
		return err
	}
	for _, p := range []struct{ ns, app string }{{project, "web"}, {api, "api"}} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: p.ns, Name: p.app, Labels: map[string]string{"app": p.app}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: p.app, Image: "registry.k8s.io/pause:3.10",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
		}
		if err := c.Create(ctx, pod); err != nil {
			return fmt.Errorf("create pod %s/%s: %w", p.ns, p.app, err)
		}
	}
	fmt.Fprintf(out, "Created project %s and pods web (in %s) and api (in %s), both on port 8080.\n", api, project, api)

	nc, err := network.NewClient(c, network.ClientOptions{FieldOwner: "spherekit-quickstart"})
	if err != nil {
		return err
	}
	plan, err := nc.PlanIsolation(ctx, network.IsolationChange{Project: project, Enabled: true}, network.PlanOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Before isolating %s: the change would close %d and open %d connections:\n", project, plan.Diff.Closed, plan.Diff.Opened)
	for i := range min(plan.Diff.Len(), 10) {
		flip := plan.Diff.At(i)
		fmt.Fprintf(out, "  %s -> %s on %d/%s: %s\n", flip.From, flip.To, flip.Port.Port, flip.Port.Protocol, map[bool]string{true: "opened", false: "closed"}[flip.After])
	}
	if plan.Diff.Len() > 10 {
		fmt.Fprintf(out, "  ... and %d more\n", plan.Diff.Len()-10)
	}
	if err := nc.SetProjectIsolation(ctx, project, true); err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	np := &networkingv1.NetworkPolicy{}
	for c.Get(waitCtx, client.ObjectKey{Namespace: project, Name: network.IsolationPolicyName}, np) != nil {
		select {
		case <-waitCtx.Done():
			return fmt.Errorf("wait for the isolation policy of %s: %w", project, waitCtx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	fmt.Fprintf(out, "Isolated %s: NetworkPolicy %s admits only its own pods.\n", project, network.IsolationPolicyName)

	allow := networkv1alpha1.NamespaceNetworkPolicySpec{Ingress: []networkv1alpha1.NetworkPolicyIngressRule{{
		From: []networkv1alpha1.NetworkPolicyPeer{{Namespace: &networkv1alpha1.NamespaceSelector{Name: api}}},
	}}}
	if _, err := nc.CreatePolicy(ctx, project, "allow-api", allow); err != nil {
		return err
	}
	fmt.Fprintf(out, "Opened %s to %s again with the project network policy allow-api.\n", project, api)
	return nil
}
