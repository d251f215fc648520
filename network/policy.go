package network

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// NamespaceLabel is the label KubeSphere puts on every namespace, with the
// namespace's name as value, for network policy peers to select namespaces
// by name. spherekit's isolation controller sets it too.
const NamespaceLabel = "kubesphere.io/namespace"

// ServiceGetter returns the Service namespace/name, or an error wrapping a
// NotFound API error when there is none: a client.Reader's Get fits it.
type ServiceGetter func(namespace, name string) (*corev1.Service, error)

// NativePolicy converts a NamespaceNetworkPolicy into the native
// NetworkPolicy KubeSphere makes of it, field for field:
//
//   - named NativePolicyPrefix + its name, in its namespace, selecting every
//     pod of it (empty podSelector), with no labels or owners of its own;
//   - policyTypes from the rules, not from spec.policyTypes: Egress when
//     spec.egress is set (even empty), then Ingress when spec.ingress is set;
//   - a namespace peer becomes a namespaceSelector on NamespaceLabel, an
//     ipBlock peer is copied, a service peer becomes the Service's selector
//     as podSelector plus a namespaceSelector on the Service's namespace;
//   - in egress rules each service peer becomes a rule of its own, limited to
//     the Service's ports, placed before the rule it came from; the rest of
//     the rule keeps its ports, and is dropped when no peer is left in it
//     (so an egress rule with ports but no "to" is dropped, as in
//     KubeSphere);
//   - a peer that sets none of namespace, ipBlock and service, a Service that
//     does not exist and a Service without a selector are a
//     *PolicyPeerError: nothing is made of the policy.
//
// When a peer sets several kinds, the first of service, namespace, ipBlock
// counts (the Client and webhook refuse such peers).
func NativePolicy(p *networkv1alpha1.NamespaceNetworkPolicy, services ServiceGetter) (*networkingv1.NetworkPolicy, error) {
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: networkv1alpha1.NativePolicyPrefix + p.Name, Namespace: p.Namespace},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{},
		},
	}
	if p.Spec.Egress != nil {
		np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{}
		for i, rule := range p.Spec.Egress {
			var kept networkingv1.NetworkPolicyEgressRule
			for j, peer := range rule.To {
				native, ports, err := nativePeer(peer, services, true)
				if err != nil {
					return nil, peerError(p, fmt.Sprintf("spec.egress[%d].to[%d]", i, j), err)
				}
				if ports != nil {
					np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{
						Ports: ports, To: []networkingv1.NetworkPolicyPeer{native}})
					continue
				}
				kept.To = append(kept.To, native)
			}
			if kept.To == nil {
				continue
			}
			kept.Ports = nativePorts(rule.Ports)
			np.Spec.Egress = append(np.Spec.Egress, kept)
		}
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	if p.Spec.Ingress != nil {
		np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{}
		for i, rule := range p.Spec.Ingress {
			var kept networkingv1.NetworkPolicyIngressRule
			for j, peer := range rule.From {
				native, _, err := nativePeer(peer, services, false)
				if err != nil {
					return nil, peerError(p, fmt.Sprintf("spec.ingress[%d].from[%d]", i, j), err)
				}
				kept.From = append(kept.From, native)
			}
			kept.Ports = nativePorts(rule.Ports)
			np.Spec.Ingress = append(np.Spec.Ingress, kept)
		}
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
	}
	return np, nil
}

// PolicyPeerError reports a peer of a NamespaceNetworkPolicy that cannot be
// converted: Field is its path (spec.egress[0].to[1]) and Err the cause.
type PolicyPeerError struct {
	Policy string // namespace/name
	Field  string
	Err    error
}

func (e *PolicyPeerError) Error() string {
	return fmt.Sprintf("namespace network policy %s: %s: %v", e.Policy, e.Field, e.Err)
}

func (e *PolicyPeerError) Unwrap() error { return e.Err }

func peerError(p *networkv1alpha1.NamespaceNetworkPolicy, field string, err error) error {
	return &PolicyPeerError{Policy: p.Namespace + "/" + p.Name, Field: field, Err: err}
}

// nativePeer converts one peer; for a service peer in egress it also returns
// the Service's ports.
func nativePeer(peer networkv1alpha1.NetworkPolicyPeer, services ServiceGetter, egress bool) (networkingv1.NetworkPolicyPeer, []networkingv1.NetworkPolicyPort, error) {
	switch {
	case peer.Service != nil:
		return servicePeer(peer.Service.Namespace, peer.Service.Name, services, egress)
	case peer.Namespace != nil:
		return networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceNamed(peer.Namespace.Name)}, nil, nil
	case peer.IPBlock != nil:
		return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{
			CIDR: peer.IPBlock.CIDR, Except: peer.IPBlock.Except}}, nil, nil
	}
	return networkingv1.NetworkPolicyPeer{}, nil, errNoPeerKind
}

var errNoPeerKind = fmt.Errorf("a peer must set one of namespace, ipBlock and service")

// servicePeer selects the pods of Service namespace/name; with withPorts it
// also returns the Service's ports (protocol and port number).
func servicePeer(namespace, name string, services ServiceGetter, withPorts bool) (networkingv1.NetworkPolicyPeer, []networkingv1.NetworkPolicyPort, error) {
	svc, err := services(namespace, name)
	if err != nil {
		return networkingv1.NetworkPolicyPeer{}, nil, fmt.Errorf("service %s/%s: %w", namespace, name, err)
	}
	if len(svc.Spec.Selector) == 0 {
		return networkingv1.NetworkPolicyPeer{}, nil, fmt.Errorf("service %s/%s has no selector, so no pods to allow", namespace, name)
	}
	peer := networkingv1.NetworkPolicyPeer{
		PodSelector:       &metav1.LabelSelector{MatchLabels: copyMap(svc.Spec.Selector)},
		NamespaceSelector: namespaceNamed(namespace),
	}
	if !withPorts {
		return peer, nil, nil
	}
	ports := make([]networkingv1.NetworkPolicyPort, 0, len(svc.Spec.Ports))
	for _, sp := range svc.Spec.Ports {
		protocol := sp.Protocol
		port := intstr.FromInt32(sp.Port)
		ports = append(ports, networkingv1.NetworkPolicyPort{Protocol: &protocol, Port: &port})
	}
	return peer, ports, nil
}

func namespaceNamed(name string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceLabel: name}}
}

func nativePorts(ports []networkv1alpha1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort {
	if ports == nil {
		return nil
	}
	out := make([]networkingv1.NetworkPolicyPort, len(ports))
	for i, p := range ports {
		out[i] = networkingv1.NetworkPolicyPort{Protocol: p.Protocol, Port: p.Port, EndPort: p.EndPort}
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
