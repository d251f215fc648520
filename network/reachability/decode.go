package reachability

import (
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"

	"github.com/spherekit/spherekit/internal/objdecode"
)

// DecodeObjects reads Namespaces, Pods, Nodes, NetworkPolicies and
// policy.networking.k8s.io/v1beta1 ClusterNetworkPolicies (and Lists of
// them, of kind List or of each kind's own list) from YAML or JSON
// documents separated by "---", for New: the engine's input as files, such
// as `kubectl get ns,pods,netpol,cnp -A -o yaml`. Another kind, or a
// document that does not decode, is an *InvalidError naming the document.
func DecodeObjects(r io.Reader) ([]runtime.Object, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, networkingv1.AddToScheme, policyv1beta1.Install} {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("scheme: %w", err)
		}
	}
	objs, err := objdecode.Decode(r, s)
	if err != nil {
		return nil, err
	}
	var out []runtime.Object
	for i, o := range objs {
		switch o.(type) {
		case *corev1.Namespace, *corev1.Pod, *corev1.Node, *networkingv1.NetworkPolicy, *policyv1beta1.ClusterNetworkPolicy:
			out = append(out, o)
		case *corev1.NamespaceList, *corev1.PodList, *corev1.NodeList, *networkingv1.NetworkPolicyList, *policyv1beta1.ClusterNetworkPolicyList:
			items, err := meta.ExtractList(o)
			if err != nil {
				return nil, &InvalidError{Field: fmt.Sprintf("object %d", i), Reason: "not a list", Err: err}
			}
			out = append(out, items...)
		default:
			return nil, &InvalidError{Field: fmt.Sprintf("object %d", i), Reason: fmt.Sprintf("%T is not a Namespace, Pod, Node, NetworkPolicy or ClusterNetworkPolicy", o)}
		}
	}
	return out, nil
}
