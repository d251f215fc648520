package reachability

import (
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/internal/objdecode"
)

// DecodeObjects reads Namespaces, Pods and NetworkPolicies (and Lists of
// them) from YAML or JSON documents separated by "---", for New: the
// engine's input as files, such as `kubectl get ns,pods,netpol -A -o yaml`.
// Another kind, or a document that does not decode, is an *InvalidError
// naming the document.
func DecodeObjects(r io.Reader) ([]runtime.Object, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, networkingv1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("scheme: %w", err)
		}
	}
	objs, err := objdecode.Decode(r, s)
	if err != nil {
		return nil, err
	}
	for i, o := range objs {
		switch o.(type) {
		case *corev1.Namespace, *corev1.Pod, *networkingv1.NetworkPolicy:
		default:
			return nil, &InvalidError{Field: fmt.Sprintf("object %d", i), Reason: fmt.Sprintf("%T is not a Namespace, Pod or NetworkPolicy", o)}
		}
	}
	return objs, nil
}
