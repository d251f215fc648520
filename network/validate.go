package network

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/spherekit/spherekit/internal/fielderr"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
)

// InvalidError reports an input an operation refuses, naming the field and
// why (the SDK's one input-error shape). Nothing was written.
type InvalidError = fielderr.Invalid

// ValidatePolicySpec checks a NamespaceNetworkPolicy spec for what
// KubeSphere's schema accepts but a native NetworkPolicy, or the
// conversion, cannot take: each peer must set exactly one of namespace,
// ipBlock and service; CIDRs must parse, an except must lie inside its
// CIDR and be of its family; names must be DNS labels; ports must be
// protocol TCP, UDP or SCTP with a port number 1 to 65535 or a port name
// (IANA_SVC_NAME), and endPort only after a numeric port, not below it. The
// first problem is an *InvalidError naming its field (spec.ingress[0].from[1].ipBlock.cidr).
func ValidatePolicySpec(spec networkv1alpha1.NamespaceNetworkPolicySpec) error {
	for i, rule := range spec.Ingress {
		at := fmt.Sprintf("spec.ingress[%d]", i)
		if err := validatePorts(at, rule.Ports); err != nil {
			return err
		}
		if err := validatePeers(at+".from", rule.From); err != nil {
			return err
		}
	}
	for i, rule := range spec.Egress {
		at := fmt.Sprintf("spec.egress[%d]", i)
		if err := validatePorts(at, rule.Ports); err != nil {
			return err
		}
		if err := validatePeers(at+".to", rule.To); err != nil {
			return err
		}
	}
	for i, t := range spec.PolicyTypes {
		if t != "Ingress" && t != "Egress" {
			return &InvalidError{Field: fmt.Sprintf("spec.policyTypes[%d]", i), Reason: fmt.Sprintf("%q is neither Ingress nor Egress", t)}
		}
	}
	return nil
}

func validatePeers(at string, peers []networkv1alpha1.NetworkPolicyPeer) error {
	for j, peer := range peers {
		field := fmt.Sprintf("%s[%d]", at, j)
		kinds := 0
		if peer.Namespace != nil {
			kinds++
			if err := dnsLabel(field+".namespace.name", peer.Namespace.Name); err != nil {
				return err
			}
		}
		if peer.Service != nil {
			kinds++
			if err := dnsLabel(field+".service.namespace", peer.Service.Namespace); err != nil {
				return err
			}
			if err := dnsLabel(field+".service.name", peer.Service.Name); err != nil {
				return err
			}
		}
		if peer.IPBlock != nil {
			kinds++
			if err := validateIPBlock(field+".ipBlock", peer.IPBlock); err != nil {
				return err
			}
		}
		if kinds != 1 {
			return &InvalidError{Field: field, Reason: fmt.Sprintf("sets %d of namespace, ipBlock and service; a peer sets exactly one", kinds)}
		}
	}
	return nil
}

func validateIPBlock(at string, b *networkv1alpha1.IPBlock) error {
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return &InvalidError{Field: at + ".cidr", Reason: fmt.Sprintf("%q is not a CIDR", b.CIDR), Err: err}
	}
	for k, e := range b.Except {
		field := fmt.Sprintf("%s.except[%d]", at, k)
		ex, err := netip.ParsePrefix(e)
		if err != nil {
			return &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a CIDR", e), Err: err}
		}
		if ex.Addr().Is4() != cidr.Addr().Is4() || ex.Bits() < cidr.Bits() || !cidr.Contains(ex.Addr()) {
			return &InvalidError{Field: field, Reason: fmt.Sprintf("%s is not inside %s", e, b.CIDR)}
		}
	}
	return nil
}

func validatePorts(at string, ports []networkv1alpha1.NetworkPolicyPort) error {
	for j, p := range ports {
		field := fmt.Sprintf("%s.ports[%d]", at, j)
		if p.Protocol != nil {
			switch *p.Protocol {
			case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
			default:
				return &InvalidError{Field: field + ".protocol", Reason: fmt.Sprintf("%q is not TCP, UDP or SCTP", *p.Protocol)}
			}
		}
		if p.Port == nil {
			if p.EndPort != nil {
				return &InvalidError{Field: field + ".endPort", Reason: "needs a port"}
			}
			continue
		}
		if p.Port.Type == intstr.String {
			if errs := validation.IsValidPortName(p.Port.StrVal); len(errs) > 0 {
				return &InvalidError{Field: field + ".port", Reason: strings.Join(errs, "; ")}
			}
			if p.EndPort != nil {
				return &InvalidError{Field: field + ".endPort", Reason: "not allowed with a named port"}
			}
			continue
		}
		if errs := validation.IsValidPortNum(int(p.Port.IntVal)); len(errs) > 0 {
			return &InvalidError{Field: field + ".port", Reason: strings.Join(errs, "; ")}
		}
		if p.EndPort != nil && (*p.EndPort < p.Port.IntVal || *p.EndPort > 65535) {
			return &InvalidError{Field: field + ".endPort", Reason: fmt.Sprintf("%d is not between port %d and 65535", *p.EndPort, p.Port.IntVal)}
		}
	}
	return nil
}

func dnsLabel(field, name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: fmt.Sprintf("%q: %s", name, strings.Join(errs, "; "))}
	}
	return nil
}
