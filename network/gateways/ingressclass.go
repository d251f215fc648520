package gateways

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// ControlPlaneLabel marks control-plane nodes. For a gateway Service that
// is not a LoadBalancer, AvailableIngressClasses reports these nodes'
// internal addresses, as KubeSphere does.
const ControlPlaneLabel = "node-role.kubernetes.io/control-plane"

// ShareIngressClassOptions are the optional inputs of ShareIngressClass.
// Exactly one of Scope, Namespaces and NamespaceSelector must be set.
type ShareIngressClassOptions struct {
	// Name is the IngressClassScope's name; empty means the ingress class's
	// name.
	Name string

	// Scope offers the class to a workspace's namespaces (a
	// namespaceSelector kubesphere.io/workspace=<workspace>), to one
	// project, or, with tenancy.Platform(), to every namespace.
	Scope tenancy.Scope
	// Namespaces offers the class to these namespaces.
	Namespaces []string
	// NamespaceSelector offers the class to the namespaces whose labels it
	// matches: a label selector in its string form, such as
	// "env in (prod,staging)".
	NamespaceSelector string

	// Default marks the class as the one consoles preselect.
	Default bool
	// Service names the Service in front of the gateway serving the class
	// ("<namespace>/<name>", annotation gatewayv1alpha2.ServiceNameAnnotation);
	// AvailableIngressClasses reports its addresses and ports. It need not
	// exist yet.
	Service string
}

// ShareIngressClass offers the IngressClass named ingressClass (which must
// exist) to the namespaces opts select, by writing KubeSphere's
// IngressClassScope. It is an ensure: the IngressClassScope is created, or
// its spec and service annotation are replaced by what opts describe (an
// existing one of that name, such as one a KubeSphere console wrote, is
// taken over). Malformed input (an unparsable selector, several scopes or
// none) is an *InvalidError naming the field, an unknown IngressClass,
// workspace or project a *NotFoundError, both before anything is written.
// Acting for a user, it needs get, create and update on the
// IngressClassScope (ingressclassscopes of gateway.kubesphere.io) at
// cluster scope: a platform or cluster role.
func (c *Client) ShareIngressClass(ctx context.Context, ingressClass string, opts ShareIngressClassOptions) (*gatewayv1alpha2.IngressClassScope, error) {
	if err := checkSubdomain("ingressClass", ingressClass); err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = ingressClass
	}
	if err := checkSubdomain("Name", name); err != nil {
		return nil, err
	}
	if opts.Service != "" {
		if _, err := parseService("Service", opts.Service); err != nil {
			return nil, err
		}
	}
	if err := c.authorize(ctx, ingressClassScopeRequests(name, "get", "create", "update")...); err != nil {
		return nil, err
	}
	scope, err := c.shareScope(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := c.mustExist(ctx, "ingressClass", "IngressClass", client.ObjectKey{Name: ingressClass}, &networkingv1.IngressClass{}); err != nil {
		return nil, err
	}

	spec := gatewayv1alpha2.IngressClassScopeSpec{Scope: scope, IngressClass: gatewayv1alpha2.IngressClass{Name: ingressClass, Default: opts.Default}}
	var out *gatewayv1alpha2.IngressClassScope
	err = retryWrite(func() error {
		ics := &gatewayv1alpha2.IngressClassScope{}
		err := c.c.Get(ctx, client.ObjectKey{Name: name}, ics)
		switch {
		case apierrors.IsNotFound(err):
			ics = &gatewayv1alpha2.IngressClassScope{ObjectMeta: metav1.ObjectMeta{Name: name}}
			setIngressClassScope(ics, spec, opts.Service)
			err = c.c.Create(ctx, ics, client.FieldOwner(c.fieldOwner))
		case err != nil:
			return fmt.Errorf("get ingressclassscope %q: %w", name, err)
		default:
			setIngressClassScope(ics, spec, opts.Service)
			err = c.c.Update(ctx, ics, client.FieldOwner(c.fieldOwner))
		}
		out = ics
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("share ingress class %q: write ingressclassscope %q: %w", ingressClass, name, err)
	}
	return out, nil
}

// setIngressClassScope replaces ics's spec and sets or removes its service
// annotation; other metadata stays.
func setIngressClassScope(ics *gatewayv1alpha2.IngressClassScope, spec gatewayv1alpha2.IngressClassScopeSpec, service string) {
	ics.Spec = *spec.DeepCopy()
	if service == "" {
		delete(ics.Annotations, gatewayv1alpha2.ServiceNameAnnotation)
		return
	}
	if ics.Annotations == nil {
		ics.Annotations = map[string]string{}
	}
	ics.Annotations[gatewayv1alpha2.ServiceNameAnnotation] = service
}

// UnshareIngressClass deletes the IngressClassScope named name. A missing
// one is a *NotFoundError naming "name". Acting for a user, it needs delete
// on it at cluster scope.
func (c *Client) UnshareIngressClass(ctx context.Context, name string) error {
	if err := checkSubdomain("name", name); err != nil {
		return err
	}
	if err := c.authorize(ctx, ingressClassScopeRequests(name, "delete")...); err != nil {
		return err
	}
	ics := &gatewayv1alpha2.IngressClassScope{}
	ics.Name = name
	if err := c.c.Delete(ctx, ics); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "name", Kind: "IngressClassScope", Name: name, Err: err}
		}
		return fmt.Errorf("unshare ingress class: delete ingressclassscope %q: %w", name, err)
	}
	return nil
}

// ingressClassScopeRequests are the requests verbs on the IngressClassScope
// name make: cluster-scoped platform objects, which only a platform or
// cluster role reaches (a scope offered to a workspace or a project is
// still the platform's to write).
func ingressClassScopeRequests(name string, verbs ...string) []authz.Attributes {
	out := make([]authz.Attributes, len(verbs))
	for i, verb := range verbs {
		out[i] = inCluster(verb, gatewayv1alpha2.GroupName, gatewayv1alpha2.ResourceIngressClassScopes, name)
	}
	return out
}

// shareScope checks the scope options and returns the scope they describe.
func (c *Client) shareScope(ctx context.Context, opts ShareIngressClassOptions) (gatewayv1alpha2.Scope, error) {
	set := 0
	for _, isSet := range []bool{opts.Scope != tenancy.Scope{}, len(opts.Namespaces) > 0, opts.NamespaceSelector != ""} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return gatewayv1alpha2.Scope{}, &InvalidError{Field: "Scope", Reason: fmt.Sprintf("set exactly one of Scope, Namespaces and NamespaceSelector (got %d); tenancy.Platform() offers the class to every namespace", set)}
	}
	switch {
	case len(opts.Namespaces) > 0:
		seen := map[string]bool{}
		for i, n := range opts.Namespaces {
			if err := checkLabelName(fmt.Sprintf("Namespaces[%d]", i), n); err != nil {
				return gatewayv1alpha2.Scope{}, err
			}
			if seen[n] {
				return gatewayv1alpha2.Scope{}, &InvalidError{Field: fmt.Sprintf("Namespaces[%d]", i), Reason: fmt.Sprintf("namespace %q is listed twice", n)}
			}
			seen[n] = true
		}
		return gatewayv1alpha2.Scope{Namespaces: slices.Clone(opts.Namespaces)}, nil
	case opts.NamespaceSelector != "":
		if _, err := labels.Parse(opts.NamespaceSelector); err != nil {
			return gatewayv1alpha2.Scope{}, &InvalidError{Field: "NamespaceSelector", Reason: err.Error(), Err: err}
		}
		return gatewayv1alpha2.Scope{NamespaceSelector: opts.NamespaceSelector}, nil
	case opts.Scope.IsPlatform():
		return gatewayv1alpha2.Scope{}, nil
	}
	if _, _, err := checkScope(opts.Scope); err != nil {
		return gatewayv1alpha2.Scope{}, err
	}
	if err := c.scopeExists(ctx, opts.Scope); err != nil {
		return gatewayv1alpha2.Scope{}, err
	}
	if ws, ok := opts.Scope.WorkspaceName(); ok {
		return gatewayv1alpha2.Scope{NamespaceSelector: labels.Set{tenantv1beta1.WorkspaceLabel: ws}.String()}, nil
	}
	p, _ := opts.Scope.ProjectName()
	return gatewayv1alpha2.Scope{Namespaces: []string{p}}, nil
}

// AvailableIngressClass is an ingress class a namespace may use, as an
// IngressClassScope offers it.
type AvailableIngressClass struct {
	// Name is the IngressClass's name.
	Name string
	// Default is the scope's default flag: the class consoles preselect.
	Default bool
	// Scope is the IngressClassScope offering the class (a copy the caller
	// owns).
	Scope *gatewayv1alpha2.IngressClassScope
	// Addresses and Ports describe the gateway's Service, when the scope
	// names one (gatewayv1alpha2.ServiceNameAnnotation) and it exists: its
	// ports, and its load-balancer ingress addresses, or for a Service
	// that is not a LoadBalancer, the internal IP of every control-plane
	// node (ControlPlaneLabel), as KubeSphere reports them.
	Addresses []corev1.LoadBalancerIngress
	Ports     []corev1.ServicePort
}

// AvailableIngressClasses returns the ingress classes namespace may use:
// one entry per IngressClassScope whose scope admits the namespace, in the
// order of the scopes' names. A scope admits a namespace when it lists
// namespaces and the namespace is among them; when it lists none and its
// namespaceSelector matches the namespace's labels; and when it sets
// neither. This is KubeSphere's rule, with one difference: a selector that
// does not parse admits no namespace here, where KubeSphere's handler
// admits every namespace. An unknown namespace is a *NotFoundError.
//
// Acting for a user, it needs list on ingressclassscopes
// (gateway.kubesphere.io) in namespace, which a project member's view role
// grants; the IngressClassScopes themselves are cluster-scoped, and the
// Services and nodes behind the addresses are read with the Client's own
// rights, as KubeSphere's console API reads them for its users.
func (c *Client) AvailableIngressClasses(ctx context.Context, namespace string) ([]AvailableIngressClass, error) {
	if err := checkLabelName("namespace", namespace); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, inNamespace("list", gatewayv1alpha2.GroupName, gatewayv1alpha2.ResourceIngressClassScopes, "", namespace)); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{}
	if err := c.mustExist(ctx, "namespace", "Namespace", client.ObjectKey{Name: namespace}, ns); err != nil {
		return nil, err
	}
	// Read from a cache, the scopes are not copied (most are not returned):
	// the items are only read here, and those returned are copied below.
	list := &gatewayv1alpha2.IngressClassScopeList{}
	if err := c.c.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list ingressclassscopes: %w", err)
	}
	slices.SortFunc(list.Items, func(a, b gatewayv1alpha2.IngressClassScope) int { return strings.Compare(a.Name, b.Name) })
	var out []AvailableIngressClass
	var nodeAddresses []corev1.LoadBalancerIngress
	nodesRead := false
	for i := range list.Items {
		ics := &list.Items[i]
		if !admits(ics.Spec.Scope, ns.Name, ns.Labels, c.selectors.parse) {
			continue
		}
		ac := AvailableIngressClass{Name: ics.Spec.IngressClass.Name, Default: ics.Spec.IngressClass.Default, Scope: ics.DeepCopy()}
		svc, err := c.gatewayService(ctx, ics)
		if err != nil {
			return nil, err
		}
		if svc != nil {
			ac.Ports = svc.Spec.Ports
			ac.Addresses = svc.Status.LoadBalancer.Ingress
			if svc.Spec.Type != corev1.ServiceTypeLoadBalancer && len(ac.Addresses) == 0 {
				if !nodesRead {
					if nodeAddresses, err = c.controlPlaneAddresses(ctx); err != nil {
						return nil, err
					}
					nodesRead = true
				}
				ac.Addresses = slices.Clone(nodeAddresses)
			}
		}
		out = append(out, ac)
	}
	return out, nil
}

// Admits reports whether an IngressClassScope's scope admits the namespace
// named name with labels nsLabels, by AvailableIngressClasses' rule: the
// listed namespaces when there are any, else the namespaces the selector
// matches (none when it does not parse), else every namespace.
func Admits(scope gatewayv1alpha2.Scope, name string, nsLabels map[string]string) bool {
	return admits(scope, name, nsLabels, parseSelector)
}

func admits(scope gatewayv1alpha2.Scope, name string, nsLabels map[string]string, parse func(string) labels.Selector) bool {
	if len(scope.Namespaces) > 0 {
		return slices.Contains(scope.Namespaces, name)
	}
	if scope.NamespaceSelector == "" {
		return true
	}
	sel := parse(scope.NamespaceSelector)
	return sel != nil && sel.Matches(labels.Set(nsLabels))
}

// parseSelector parses a selector, giving nil when it does not parse.
func parseSelector(s string) labels.Selector {
	sel, err := labels.Parse(s)
	if err != nil {
		return nil
	}
	return sel
}

// maxCachedSelectors bounds selectorCache; past it, the cache starts over.
const maxCachedSelectors = 4096

// selectorCache keeps parsed namespaceSelectors: the same few selectors
// are evaluated on every AvailableIngressClasses call, and parsing them was
// most of its cost (BENCHMARKS.md). Parsed selectors are immutable.
type selectorCache struct {
	mu     sync.RWMutex
	parsed map[string]labels.Selector // nil: does not parse
}

func (sc *selectorCache) parse(s string) labels.Selector {
	sc.mu.RLock()
	sel, ok := sc.parsed[s]
	sc.mu.RUnlock()
	if ok {
		return sel
	}
	sel = parseSelector(s)
	sc.mu.Lock()
	if sc.parsed == nil || len(sc.parsed) >= maxCachedSelectors {
		sc.parsed = map[string]labels.Selector{}
	}
	sc.parsed[s] = sel
	sc.mu.Unlock()
	return sel
}

// gatewayService returns the Service ics names, or nil when it names none
// or one that does not exist (or names it malformed).
func (c *Client) gatewayService(ctx context.Context, ics *gatewayv1alpha2.IngressClassScope) (*corev1.Service, error) {
	ref, ok := ics.Annotations[gatewayv1alpha2.ServiceNameAnnotation]
	if !ok {
		return nil, nil
	}
	key, err := parseService(gatewayv1alpha2.ServiceNameAnnotation, ref)
	if err != nil {
		return nil, nil //nolint:nilerr // a malformed annotation names no Service, as in KubeSphere
	}
	svc := &corev1.Service{}
	if err := c.c.Get(ctx, key, svc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get gateway service %s of ingressclassscope %q: %w", key, ics.Name, err)
	}
	return svc, nil
}

// controlPlaneAddresses lists the internal IPs of the control-plane nodes.
func (c *Client) controlPlaneAddresses(ctx context.Context) ([]corev1.LoadBalancerIngress, error) {
	req, err := labels.NewRequirement(ControlPlaneLabel, selection.Exists, nil)
	if err != nil {
		return nil, err
	}
	nodes := &corev1.NodeList{}
	if err := c.c.List(ctx, nodes, client.MatchingLabelsSelector{Selector: labels.NewSelector().Add(*req)}); err != nil {
		return nil, fmt.Errorf("list control-plane nodes: %w", err)
	}
	slices.SortFunc(nodes.Items, func(a, b corev1.Node) int { return strings.Compare(a.Name, b.Name) })
	var out []corev1.LoadBalancerIngress
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				out = append(out, corev1.LoadBalancerIngress{IP: a.Address})
			}
		}
	}
	return out, nil
}

// parseService parses "<namespace>/<name>".
func parseService(field, ref string) (types.NamespacedName, error) {
	ns, name, ok := strings.Cut(ref, "/")
	if !ok {
		return types.NamespacedName{}, &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not <namespace>/<name>", ref)}
	}
	if err := checkLabelName(field, ns); err != nil {
		return types.NamespacedName{}, err
	}
	if err := checkLabelName(field, name); err != nil {
		return types.NamespacedName{}, err
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}
