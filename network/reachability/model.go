package reachability

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	policyv1beta1 "sigs.k8s.io/network-policy-api/apis/v1beta1"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError reports an object the engine cannot take, naming the field
// and why (the SDK's one input-error shape).
type InvalidError = fielderr.Invalid

// Pod is what the engine knows of a pod: where it is, its labels, its IP
// and its named container ports.
type Pod struct {
	Namespace, Name string
	Labels          map[string]string
	IP              netip.Addr
	Ports           []corev1.ContainerPort
}

// Engine answers reachability questions over one set of namespaces, pods,
// nodes, NetworkPolicies and ClusterNetworkPolicies, exactly as Kubernetes
// and the Network Policy API define them. It is immutable and safe for
// concurrent use; build one with New.
type Engine struct {
	namespaces map[string]labels.Set
	pods       []Pod
	podIndex   map[string]int // namespace/name → index in pods
	nodes      []node
	policies   []*policy // sorted by namespace/name
	byNS       map[string][]*policy
	// admin and baseline are the ClusterNetworkPolicies of each tier in
	// evaluation order: by priority, then by name.
	admin, baseline []*clusterPolicy
}

// node is what the engine knows of a node: its labels and addresses, for
// ClusterNetworkPolicy's nodes peers.
type node struct {
	name   string
	labels labels.Set
	addrs  []netip.Addr
}

// policy is a NetworkPolicy compiled for matching.
type policy struct {
	namespace, name string
	spec            *networkingv1.NetworkPolicySpec // as given, to tell changes apart
	selector        labels.Selector
	ingress, egress bool // policyTypes, defaulted
	ingressRules    []rule
	egressRules     []rule
}

func (p *policy) ref() string { return p.namespace + "/" + p.name }

// rule is one ingress or egress rule. Nil peers (from/to absent or empty)
// match every peer; nil ports every port.
type rule struct {
	peers []peer
	ports []port
}

// peer is one NetworkPolicyPeer: an ipBlock, or pod and namespace
// selectors. podSel nil means no podSelector (all pods of the namespaces);
// nsSel nil means no namespaceSelector (the policy's namespace only).
type peer struct {
	podSel, nsSel labels.Selector
	block         *ipBlock
}

type ipBlock struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

func (b *ipBlock) contains(ip netip.Addr) bool {
	if !ip.IsValid() || !b.cidr.Contains(ip) {
		return false
	}
	for _, e := range b.except {
		if e.Contains(ip) {
			return false
		}
	}
	return true
}

// port is one NetworkPolicyPort: protocol (defaulted to TCP), and a number
// (with endPort a range), a name, or neither (every port of the protocol).
// A ClusterNetworkPolicy's destinationNamedPort has no protocol: the named
// container port's own protocol applies.
type port struct {
	protocol corev1.Protocol
	number   int32
	end      int32
	name     string
}

// New builds an engine from Namespaces, Pods, Nodes, NetworkPolicies and
// policy.networking.k8s.io/v1beta1 ClusterNetworkPolicies, and Lists of
// them (other kinds are an error). A pod's namespace must be among the
// namespaces; nodes matter only to ClusterNetworkPolicy's nodes peers. An
// object the API server would refuse (a selector that does not parse, a
// CIDR that is not one, a ClusterNetworkPolicy without a tier) is an
// *InvalidError naming it.
func New(objs ...runtime.Object) (*Engine, error) {
	e := &Engine{namespaces: map[string]labels.Set{}, podIndex: map[string]int{}, byNS: map[string][]*policy{}}
	var pods []*corev1.Pod
	var cnps []*policyv1beta1.ClusterNetworkPolicy
	var add func(field string, o runtime.Object) error
	add = func(field string, o runtime.Object) error {
		switch o := o.(type) {
		case *corev1.Namespace:
			e.namespaces[o.Name] = labels.Set(o.Labels)
		case *corev1.Pod:
			pods = append(pods, o)
		case *corev1.Node:
			n, err := compileNode(o)
			if err != nil {
				return err
			}
			e.nodes = append(e.nodes, n)
		case *networkingv1.NetworkPolicy:
			p, err := compile(o)
			if err != nil {
				return err
			}
			e.policies = append(e.policies, p)
		case *policyv1beta1.ClusterNetworkPolicy:
			cnps = append(cnps, o)
		case *corev1.NamespaceList, *corev1.PodList, *corev1.NodeList, *networkingv1.NetworkPolicyList, *policyv1beta1.ClusterNetworkPolicyList:
			items, err := meta.ExtractList(o)
			if err != nil {
				return &InvalidError{Field: field, Reason: "not a list", Err: err}
			}
			for i, item := range items {
				if err := add(fmt.Sprintf("%s.items[%d]", field, i), item); err != nil {
					return err
				}
			}
		default:
			return &InvalidError{Field: field, Reason: fmt.Sprintf("%T is not a Namespace, Pod, Node, NetworkPolicy or ClusterNetworkPolicy", o)}
		}
		return nil
	}
	for i, o := range objs {
		if err := add(fmt.Sprintf("objs[%d]", i), o); err != nil {
			return nil, err
		}
	}
	for _, p := range pods {
		if _, ok := e.namespaces[p.Namespace]; !ok {
			return nil, &InvalidError{Field: "pod " + p.Namespace + "/" + p.Name, Reason: fmt.Sprintf("its namespace %q is not among the objects", p.Namespace)}
		}
		pod := Pod{Namespace: p.Namespace, Name: p.Name, Labels: p.Labels}
		if p.Status.PodIP != "" {
			ip, err := netip.ParseAddr(p.Status.PodIP)
			if err != nil {
				return nil, &InvalidError{Field: "pod " + p.Namespace + "/" + p.Name + " status.podIP", Reason: "not an IP address", Err: err}
			}
			pod.IP = ip
		}
		for _, c := range p.Spec.Containers {
			pod.Ports = append(pod.Ports, c.Ports...)
		}
		key := p.Namespace + "/" + p.Name
		if _, dup := e.podIndex[key]; dup {
			return nil, &InvalidError{Field: "pod " + key, Reason: "given twice"}
		}
		e.podIndex[key] = len(e.pods)
		e.pods = append(e.pods, pod)
	}
	sort.Slice(e.policies, func(i, j int) bool { return e.policies[i].ref() < e.policies[j].ref() })
	for _, p := range e.policies {
		e.byNS[p.namespace] = append(e.byNS[p.namespace], p)
	}
	// ClusterNetworkPolicies last: nodes peers resolve against the nodes.
	seen := map[string]bool{}
	for _, o := range cnps {
		if seen[o.Name] {
			return nil, &InvalidError{Field: "clusternetworkpolicy " + o.Name, Reason: "given twice"}
		}
		seen[o.Name] = true
		p, err := e.compileCluster(o)
		if err != nil {
			return nil, err
		}
		if p.tier == AdminTier {
			e.admin = append(e.admin, p)
		} else {
			e.baseline = append(e.baseline, p)
		}
	}
	byPriority := func(a, b *clusterPolicy) int {
		if c := cmp.Compare(a.priority, b.priority); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	}
	slices.SortFunc(e.admin, byPriority)
	slices.SortFunc(e.baseline, byPriority)
	return e, nil
}

func compileNode(o *corev1.Node) (node, error) {
	n := node{name: o.Name, labels: labels.Set(o.Labels)}
	for i, a := range o.Status.Addresses {
		// Hostname and DNS addresses are names, not IPs: only the IPs of
		// status.addresses are the node's.
		if a.Type == corev1.NodeHostName || a.Type == corev1.NodeInternalDNS || a.Type == corev1.NodeExternalDNS {
			continue
		}
		ip, err := netip.ParseAddr(a.Address)
		if err != nil {
			return n, &InvalidError{Field: fmt.Sprintf("node %s status.addresses[%d]", o.Name, i), Reason: "not an IP address", Err: err}
		}
		n.addrs = append(n.addrs, ip)
	}
	return n, nil
}

func selector(field string, s *metav1.LabelSelector) (labels.Selector, error) {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil, &InvalidError{Field: field, Reason: "not a valid label selector", Err: err}
	}
	return sel, nil
}

func compile(np *networkingv1.NetworkPolicy) (*policy, error) {
	at := "networkpolicy " + np.Namespace + "/" + np.Name
	sel, err := selector(at+" spec.podSelector", &np.Spec.PodSelector)
	if err != nil {
		return nil, err
	}
	p := &policy{namespace: np.Namespace, name: np.Name, selector: sel, spec: np.Spec.DeepCopy()}
	// policyTypes defaulting, as the API server does: Ingress always, and
	// Egress when there are egress rules.
	if len(np.Spec.PolicyTypes) == 0 {
		p.ingress, p.egress = true, len(np.Spec.Egress) > 0
	}
	for _, t := range np.Spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			p.ingress = true
		case networkingv1.PolicyTypeEgress:
			p.egress = true
		default:
			return nil, &InvalidError{Field: at + " spec.policyTypes", Reason: fmt.Sprintf("%q is not Ingress or Egress", t)}
		}
	}
	for i, r := range np.Spec.Ingress {
		cr, err := compileRule(fmt.Sprintf("%s spec.ingress[%d]", at, i), r.From, r.Ports)
		if err != nil {
			return nil, err
		}
		p.ingressRules = append(p.ingressRules, cr)
	}
	for i, r := range np.Spec.Egress {
		cr, err := compileRule(fmt.Sprintf("%s spec.egress[%d]", at, i), r.To, r.Ports)
		if err != nil {
			return nil, err
		}
		p.egressRules = append(p.egressRules, cr)
	}
	return p, nil
}

func compileRule(at string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) (rule, error) {
	var r rule
	for i, pp := range peers {
		f := fmt.Sprintf("%s peers[%d]", at, i)
		var cp peer
		switch {
		case pp.IPBlock != nil:
			if pp.PodSelector != nil || pp.NamespaceSelector != nil {
				return r, &InvalidError{Field: f, Reason: "ipBlock cannot be combined with selectors"}
			}
			cidr, err := netip.ParsePrefix(pp.IPBlock.CIDR)
			if err != nil {
				return r, &InvalidError{Field: f + ".ipBlock.cidr", Reason: "not a CIDR", Err: err}
			}
			b := &ipBlock{cidr: cidr.Masked()}
			for j, ex := range pp.IPBlock.Except {
				e, err := netip.ParsePrefix(ex)
				if err != nil {
					return r, &InvalidError{Field: fmt.Sprintf("%s.ipBlock.except[%d]", f, j), Reason: "not a CIDR", Err: err}
				}
				b.except = append(b.except, e.Masked())
			}
			cp.block = b
		case pp.PodSelector == nil && pp.NamespaceSelector == nil:
			return r, &InvalidError{Field: f, Reason: "a peer needs a podSelector, a namespaceSelector or an ipBlock"}
		default:
			var err error
			if pp.PodSelector != nil {
				if cp.podSel, err = selector(f+".podSelector", pp.PodSelector); err != nil {
					return r, err
				}
			}
			if pp.NamespaceSelector != nil {
				if cp.nsSel, err = selector(f+".namespaceSelector", pp.NamespaceSelector); err != nil {
					return r, err
				}
			}
		}
		r.peers = append(r.peers, cp)
	}
	for i, pp := range ports {
		f := fmt.Sprintf("%s ports[%d]", at, i)
		cp := port{protocol: corev1.ProtocolTCP}
		if pp.Protocol != nil {
			cp.protocol = *pp.Protocol
		}
		if pp.Port != nil {
			if pp.Port.Type == 1 { // intstr.String
				cp.name = pp.Port.StrVal
			} else {
				cp.number = pp.Port.IntVal
			}
		}
		if pp.EndPort != nil {
			if cp.number == 0 || cp.name != "" {
				return r, &InvalidError{Field: f + ".endPort", Reason: "needs a numeric port"}
			}
			if *pp.EndPort < cp.number {
				return r, &InvalidError{Field: f + ".endPort", Reason: "is below port"}
			}
			cp.end = *pp.EndPort
		}
		r.ports = append(r.ports, cp)
	}
	return r, nil
}

// Pods lists the engine's pods in the order they were given.
func (e *Engine) Pods() []Pod { return slices.Clone(e.pods) }
