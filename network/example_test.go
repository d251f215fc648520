package network_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/spherekit/spherekit/network"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// The isolation policy KubeSphere writes for a project of an isolated
// workspace, built offline.
func ExampleIsolationPolicy() {
	np := network.IsolationPolicy(network.IsolationInput{
		Project: "web", Workspace: "team-a", Mode: network.IsolationWorkspace,
		AllowedIngressNamespaces: []string{"ingress-nginx"},
	})
	out, _ := yaml.Marshal(np.Spec)
	fmt.Printf("%s/%s\n%s", np.Namespace, np.Name, out)
	// Output:
	// web/nsnp-network-isolate
	// ingress:
	// - from:
	//   - namespaceSelector:
	//       matchLabels:
	//         kubesphere.io/workspace: team-a
	//   - namespaceSelector:
	//       matchLabels:
	//         kubesphere.io/namespace: ingress-nginx
	// podSelector: {}
	// policyTypes:
	// - Ingress
}

// A project network policy allowing egress to a Service becomes a native
// policy limited to the Service's pods and ports.
func ExampleNativePolicy() {
	p := &networkv1alpha1.NamespaceNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "to-db"},
		Spec: networkv1alpha1.NamespaceNetworkPolicySpec{Egress: []networkv1alpha1.NetworkPolicyEgressRule{{
			To: []networkv1alpha1.NetworkPolicyPeer{{Service: &networkv1alpha1.ServiceSelector{Namespace: "data", Name: "db"}}},
		}}},
	}
	services := func(namespace, name string) (*corev1.Service, error) {
		return &corev1.Service{Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "postgres"},
			Ports:    []corev1.ServicePort{{Port: 5432, Protocol: corev1.ProtocolTCP}},
		}}, nil
	}
	np, err := network.NativePolicy(p, services)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := yaml.Marshal(np.Spec)
	fmt.Printf("%s\n%s", np.Name, out)
	// Output:
	// nsnp-to-db
	// egress:
	// - ports:
	//   - port: 5432
	//     protocol: TCP
	//   to:
	//   - namespaceSelector:
	//       matchLabels:
	//         kubesphere.io/namespace: data
	//     podSelector:
	//       matchLabels:
	//         app: postgres
	// podSelector: {}
	// policyTypes:
	// - Egress
}
