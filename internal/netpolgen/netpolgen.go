package netpolgen

import (
	"fmt"
	"math/rand/v2"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Objects returns namespaces ns0..., pods pod0... (IPs 10.x.y.z, container
// ports http 80/TCP, dns 81/UDP and sql 82/TCP at random) and
// NetworkPolicies np0... drawn from r. Labels, selectors, peers and ports
// come from small vocabularies (keys app and tier, values a, b and c;
// ports 80 to 82, named or numbered, TCP or UDP, ranges; ipBlocks in
// 10.0.0.0/16 with excepts) so that they often match.
func Objects(r *rand.Rand, namespaces, pods, policies int) []runtime.Object {
	vals := []string{"a", "b", "c"}
	keys := []string{"app", "tier"}
	lbls := func() map[string]string {
		m := map[string]string{}
		for _, k := range keys {
			if r.IntN(3) > 0 {
				m[k] = vals[r.IntN(len(vals))]
			}
		}
		return m
	}
	selector := func() *metav1.LabelSelector {
		s := &metav1.LabelSelector{}
		switch r.IntN(4) {
		case 0: // empty: everything
		case 1:
			s.MatchLabels = map[string]string{keys[r.IntN(2)]: vals[r.IntN(3)]}
		case 2:
			s.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: keys[r.IntN(2)], Operator: metav1.LabelSelectorOpIn, Values: []string{vals[r.IntN(3)], vals[r.IntN(3)]}}}
		case 3:
			ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}
			op := ops[r.IntN(3)]
			req := metav1.LabelSelectorRequirement{Key: keys[r.IntN(2)], Operator: op}
			if op == metav1.LabelSelectorOpNotIn {
				req.Values = []string{vals[r.IntN(3)]}
			}
			s.MatchExpressions = []metav1.LabelSelectorRequirement{req}
		}
		return s
	}
	var objs []runtime.Object
	for i := range namespaces {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ns%d", i), Labels: lbls()}})
	}
	portNames := []string{"http", "dns", "sql"}
	for i := range pods {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", r.IntN(namespaces)), Name: fmt.Sprintf("pod%d", i), Labels: lbls()},
			Status: corev1.PodStatus{PodIP: fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)}}
		c := corev1.Container{Name: "c"}
		for j, name := range portNames {
			if r.IntN(2) == 0 {
				proto := corev1.ProtocolTCP
				if name == "dns" {
					proto = corev1.ProtocolUDP
				}
				c.Ports = append(c.Ports, corev1.ContainerPort{Name: name, ContainerPort: int32(80 + j), Protocol: proto})
			}
		}
		p.Spec.Containers = []corev1.Container{c}
		objs = append(objs, p)
	}
	peers := func() []networkingv1.NetworkPolicyPeer {
		if r.IntN(4) == 0 {
			return nil
		}
		var out []networkingv1.NetworkPolicyPeer
		for range 1 + r.IntN(2) {
			var pp networkingv1.NetworkPolicyPeer
			switch r.IntN(4) {
			case 0:
				pp.PodSelector = selector()
			case 1:
				pp.NamespaceSelector = selector()
			case 2:
				pp.PodSelector, pp.NamespaceSelector = selector(), selector()
			case 3:
				pp.IPBlock = &networkingv1.IPBlock{CIDR: fmt.Sprintf("10.0.0.%d/%d", r.IntN(4)*64, 26+r.IntN(3))}
				if r.IntN(2) == 0 {
					pp.IPBlock.CIDR = "10.0.0.0/16"
					pp.IPBlock.Except = []string{fmt.Sprintf("10.0.0.%d/30", r.IntN(64)*4)}
				}
			}
			out = append(out, pp)
		}
		return out
	}
	ports := func() []networkingv1.NetworkPolicyPort {
		if r.IntN(3) == 0 {
			return nil
		}
		var out []networkingv1.NetworkPolicyPort
		for range 1 + r.IntN(2) {
			var p networkingv1.NetworkPolicyPort
			switch r.IntN(5) {
			case 0:
				p.Port = ptr.To(intstr.FromInt32(int32(80 + r.IntN(3))))
			case 1:
				p.Port = ptr.To(intstr.FromString(portNames[r.IntN(3)]))
			case 2:
				p.Port, p.EndPort = ptr.To(intstr.FromInt32(80)), ptr.To(int32(81))
			case 3: // protocol only
			case 4:
				p.Port = ptr.To(intstr.FromInt32(int32(80 + r.IntN(3))))
			}
			if r.IntN(4) == 0 {
				p.Protocol = ptr.To(corev1.ProtocolUDP)
			}
			out = append(out, p)
		}
		return out
	}
	for i := range policies {
		spec := networkingv1.NetworkPolicySpec{PodSelector: *selector()}
		for range r.IntN(3) {
			spec.Ingress = append(spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: peers(), Ports: ports()})
		}
		for range r.IntN(3) {
			spec.Egress = append(spec.Egress, networkingv1.NetworkPolicyEgressRule{To: peers(), Ports: ports()})
		}
		switch r.IntN(4) {
		case 0:
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		case 1:
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		case 2:
			spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		}
		objs = append(objs, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("ns%d", r.IntN(namespaces)), Name: fmt.Sprintf("np%d", i)}, Spec: spec})
	}
	return objs
}
