package network

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	tenantv1alpha1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// Isolation as KubeSphere spells it.
const (
	// IsolateAnnotation with value IsolateEnabled isolates a project (on its
	// Namespace) or a workspace (on its Workspace, KubeSphere 4.x).
	IsolateAnnotation = "kubesphere.io/network-isolate"
	// IsolateEnabled is IsolateAnnotation's one value that isolates.
	IsolateEnabled = "enabled"
	// IsolationPolicyName is the native NetworkPolicy that isolates a
	// project.
	IsolationPolicyName = networkv1alpha1.NativePolicyPrefix + "network-isolate"
	// SNATNodeIPsAnnotation on a Node lists, separated by ";", the addresses
	// the node's traffic to pods leaves from; isolated projects admit them.
	SNATNodeIPsAnnotation = "kubesphere.io/snat-node-ips"
	// DefaultNodeLocalDNS is the node-local DNS cache address KubeSphere
	// allows egress to.
	DefaultNodeLocalDNS = "169.254.25.10"
)

// DefaultDNSServices are the cluster DNS Services whose pods an isolated
// project may reach when it has egress rules: the first that exists counts.
var DefaultDNSServices = []string{"kube-system/kube-dns", "kube-system/coredns"}

// IsolationMode is how a project is isolated.
type IsolationMode string

const (
	// IsolationNone: no isolation policy.
	IsolationNone IsolationMode = "None"
	// IsolationWorkspace: ingress only from the namespaces of the project's
	// workspace (and the allowed ones).
	IsolationWorkspace IsolationMode = "Workspace"
	// IsolationProject: ingress only from the project itself (and the
	// allowed namespaces); its NamespaceNetworkPolicies add to that.
	IsolationProject IsolationMode = "Project"
)

// ModeOf returns a project's isolation mode from its Namespace and its
// workspace (nil when unknown), as KubeSphere decides it: the project's own
// IsolateAnnotation first, then the workspace's (KubeSphere 4.x's annotation
// on the Workspace, or 3.x's spec.networkIsolation when workspace is a
// v1alpha1 Workspace). A namespace that is not a project (no workspace label)
// is never isolated.
func ModeOf(ns *corev1.Namespace, workspace metav1.Object) IsolationMode {
	if ns.Labels[tenantv1beta1.WorkspaceLabel] == "" {
		return IsolationNone
	}
	if ns.Annotations[IsolateAnnotation] == IsolateEnabled {
		return IsolationProject
	}
	if workspace == nil || reflect.ValueOf(workspace).IsNil() {
		return IsolationNone
	}
	if workspace.GetAnnotations()[IsolateAnnotation] == IsolateEnabled {
		return IsolationWorkspace
	}
	if legacy, ok := workspace.(*tenantv1alpha1.Workspace); ok && legacy.Spec.NetworkIsolation != nil && *legacy.Spec.NetworkIsolation {
		return IsolationWorkspace
	}
	return IsolationNone
}

// IsolationInput is what a project's isolation policy is made from.
type IsolationInput struct {
	// Project and Workspace name the project and its workspace.
	Project, Workspace string
	// Mode is IsolationWorkspace or IsolationProject.
	Mode IsolationMode
	// AllowedIngressNamespaces may always reach isolated projects
	// (KubeSphere's nsnpOptions.allowedIngressNamespaces).
	AllowedIngressNamespaces []string
	// Nodes are the cluster's nodes; their SNATNodeIPsAnnotation addresses
	// are admitted.
	Nodes []corev1.Node
	// Egress is true when a NamespaceNetworkPolicy of the project has egress
	// rules: the policy then governs egress too, allowing DNS.
	Egress bool
	// NodeLocalDNS is the node-local DNS address allowed with Egress; empty
	// means DefaultNodeLocalDNS.
	NodeLocalDNS string
	// DNSService is the cluster DNS Service whose pods are allowed with
	// Egress (nil when there is none: then only NodeLocalDNS is).
	DNSService *corev1.Service
}

// IsolationPolicy returns the native NetworkPolicy KubeSphere writes to
// isolate a project, field for field: IsolationPolicyName, every pod of the
// project (empty podSelector), policyTypes [Ingress] (plus Egress with
// in.Egress), and
//
//   - a first ingress rule from the namespaces labelled with the project's
//     workspace (IsolationWorkspace) or with the project's own name
//     (NamespaceLabel, IsolationProject), and from each allowed namespace;
//   - a second ingress rule from every node SNAT address, as a /32 or /128
//     ipBlock, sorted, when there are any (addresses that do not parse are
//     skipped);
//   - with in.Egress, egress rules to the node-local DNS address and to the
//     DNS Service's pods, on TCP and UDP 53 and on the Service's ports.
func IsolationPolicy(in IsolationInput) *networkingv1.NetworkPolicy {
	from := networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceNamed(in.Project)}
	if in.Mode == IsolationWorkspace {
		from = networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{tenantv1beta1.WorkspaceLabel: in.Workspace}}}
	}
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: IsolationPolicyName, Namespace: in.Project},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{from}}},
		},
	}
	for _, allowed := range in.AllowedIngressNamespaces {
		np.Spec.Ingress[0].From = append(np.Spec.Ingress[0].From,
			networkingv1.NetworkPolicyPeer{NamespaceSelector: namespaceNamed(allowed)})
	}
	if in.Egress {
		dns := in.NodeLocalDNS
		if dns == "" {
			dns = DefaultNodeLocalDNS
		}
		tcp, udp, port := corev1.ProtocolTCP, corev1.ProtocolUDP, intstr.FromInt32(53)
		rule := networkingv1.NetworkPolicyEgressRule{
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}, {Protocol: &udp, Port: &port}},
		}
		if cidr, ok := hostCIDR(dns); ok {
			rule.To = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: cidr}}}
		}
		np.Spec.Egress = append(np.Spec.Egress, rule)
		if in.DNSService != nil {
			svc := in.DNSService
			if peer, ports, err := servicePeer(svc.Namespace, svc.Name, func(string, string) (*corev1.Service, error) { return svc, nil }, true); err == nil {
				np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{Ports: ports, To: []networkingv1.NetworkPolicyPeer{peer}})
			}
		}
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	}
	var ips []string
	for _, node := range in.Nodes {
		if v := node.Annotations[SNATNodeIPsAnnotation]; v != "" {
			ips = append(ips, strings.Split(v, ";")...)
		}
	}
	slices.Sort(ips)
	var nodeRule networkingv1.NetworkPolicyIngressRule
	for _, ip := range ips {
		if cidr, ok := hostCIDR(ip); ok {
			nodeRule.From = append(nodeRule.From, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}})
		}
	}
	if len(nodeRule.From) > 0 {
		np.Spec.Ingress = append(np.Spec.Ingress, nodeRule)
	}
	return np
}

// hostCIDR turns an address into its /32 or /128 CIDR, written with the
// address as given (KubeSphere appends the suffix to the text).
func hostCIDR(ip string) (string, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Zone() != "" {
		return "", false
	}
	if addr.Is4() || addr.Is4In6() {
		return ip + "/32", true
	}
	return ip + "/128", true
}
