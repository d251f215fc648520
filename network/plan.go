package network

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/reachability"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// IsolationChange is a what-if: isolation switched on (Enabled) or off for
// one workspace or one project (set exactly one of them).
type IsolationChange struct {
	Workspace string
	Project   string
	Enabled   bool
}

// PlanOptions tunes PlanIsolation.
type PlanOptions struct {
	// Ports are the ports compared. Nil means every port a pod of the
	// cluster declares (containers' ports, by number and protocol).
	Ports []reachability.PortProtocol
}

// IsolationPlan is what an isolation change would do, computed before it is
// made.
type IsolationPlan struct {
	// Projects are the projects whose isolation mode changes, with their
	// mode before and after.
	Projects []ProjectModeChange
	// Diff lists every connection (source pod, destination pod, port) the
	// change opens or closes, from the cluster's NetworkPolicies now to
	// those the controllers will leave.
	Diff *reachability.DiffResult
}

// ProjectModeChange is one project's isolation before and after a change.
type ProjectModeChange struct {
	Project       string
	Before, After IsolationMode
}

// PlanIsolation computes what change would do without making it: the
// projects whose isolation mode changes, and every connection between the
// cluster's pods that flips, from the NetworkPolicies stored now to the ones
// the network controllers will leave (isolation policies written or
// removed, and in workspace mode the project's own policies removed), with
// the Client's IsolationSettings. So a portal can say "isolating team-a
// closes these 37 connections" before doing it.
//
// It reads every namespace, pod and NetworkPolicy of the cluster: acting for
// a user, it needs list on namespaces, pods and networkpolicies at cluster
// scope, since the answer is about other tenants' pods too.
func (c *Client) PlanIsolation(ctx context.Context, change IsolationChange, opts PlanOptions) (*IsolationPlan, error) {
	if (change.Workspace == "") == (change.Project == "") {
		return nil, &InvalidError{Field: "change", Reason: "set exactly one of Workspace and Project"}
	}
	if err := c.authorize(ctx,
		authz.Attributes{Verb: "list", Resource: "namespaces", Scope: authz.ScopeCluster},
		authz.Attributes{Verb: "list", Resource: "pods", Scope: authz.ScopeCluster},
		authz.Attributes{Verb: "list", APIGroup: networkingv1.GroupName, Resource: "networkpolicies", Scope: authz.ScopeCluster},
	); err != nil {
		return nil, err
	}
	var (
		nss      corev1.NamespaceList
		pods     corev1.PodList
		policies networkingv1.NetworkPolicyList
		nsnps    networkv1alpha1.NamespaceNetworkPolicyList
		wss      tenantv1beta1.WorkspaceList
		nodes    corev1.NodeList
	)
	for _, l := range []client.ObjectList{&nss, &pods, &policies, &nsnps, &wss, &nodes} {
		if err := c.c.List(ctx, l); err != nil {
			return nil, fmt.Errorf("read the cluster for a plan: %w", err)
		}
	}
	// The workspaces before and after the change.
	workspaces, changed := map[string]*tenantv1beta1.Workspace{}, map[string]*tenantv1beta1.Workspace{}
	for i := range wss.Items {
		workspaces[wss.Items[i].Name] = &wss.Items[i]
		changed[wss.Items[i].Name] = &wss.Items[i]
	}
	// The change, applied to copies.
	switch {
	case change.Workspace != "":
		ws, ok := workspaces[change.Workspace]
		if !ok {
			return nil, &NotFoundError{Field: "change.Workspace", Kind: "Workspace", Name: change.Workspace}
		}
		ws = ws.DeepCopy()
		setIsolateAnnotation(&ws.Annotations, change.Enabled)
		changed[ws.Name] = ws
	default:
		i := slices.IndexFunc(nss.Items, func(ns corev1.Namespace) bool { return ns.Name == change.Project })
		if i < 0 || nss.Items[i].Labels[tenantv1beta1.WorkspaceLabel] == "" {
			return nil, &NotFoundError{Field: "change.Project", Kind: "project", Name: change.Project}
		}
	}
	egress := map[string]bool{}
	for _, p := range nsnps.Items {
		if len(p.Spec.Egress) > 0 {
			egress[p.Namespace] = true
		}
	}
	dns, err := c.dnsService(ctx)
	if err != nil {
		return nil, err
	}

	plan := &IsolationPlan{}
	after := slices.Clone(policies.Items)
	for i := range nss.Items {
		ns := &nss.Items[i]
		wsName := ns.Labels[tenantv1beta1.WorkspaceLabel]
		if wsName == "" || (change.Workspace != "" && wsName != change.Workspace) || (change.Project != "" && ns.Name != change.Project) {
			continue
		}
		before := ModeOf(ns, workspaces[wsName])
		next := ns.DeepCopy()
		if change.Project != "" {
			setIsolateAnnotation(&next.Annotations, change.Enabled)
		}
		mode := ModeOf(next, changed[wsName])
		if mode == before {
			continue
		}
		plan.Projects = append(plan.Projects, ProjectModeChange{Project: ns.Name, Before: before, After: mode})
		after = slices.DeleteFunc(after, func(np networkingv1.NetworkPolicy) bool {
			return np.Namespace == ns.Name && (np.Name == IsolationPolicyName ||
				(mode != IsolationProject && strings.HasPrefix(np.Name, networkv1alpha1.NativePolicyPrefix)))
		})
		if mode == IsolationNone {
			continue
		}
		after = append(after, *IsolationPolicy(IsolationInput{
			Project: ns.Name, Workspace: wsName, Mode: mode,
			AllowedIngressNamespaces: c.isolation.AllowedIngressNamespaces,
			NodeLocalDNS:             c.isolation.NodeLocalDNS,
			Nodes:                    nodes.Items,
			Egress:                   mode == IsolationProject && egress[ns.Name],
			DNSService:               dns,
		}))
	}

	ports := opts.Ports
	if ports == nil {
		ports = declaredPorts(pods.Items)
	}
	beforeEngine, err := engine(nss.Items, pods.Items, policies.Items)
	if err != nil {
		return nil, err
	}
	afterEngine, err := engine(nss.Items, pods.Items, after)
	if err != nil {
		return nil, err
	}
	plan.Diff = reachability.Diff(beforeEngine, afterEngine, ports)
	return plan, nil
}

// dnsService returns the first of the configured DNS Services that exists.
func (c *Client) dnsService(ctx context.Context) (*corev1.Service, error) {
	names := c.isolation.DNSServices
	if names == nil {
		names = DefaultDNSServices
	}
	for _, s := range names {
		ns, name, _ := strings.Cut(s, "/")
		svc := &corev1.Service{}
		err := c.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, svc)
		if err == nil {
			return svc, nil
		}
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("get DNS service %s: %w", s, err)
		}
	}
	return nil, nil
}

func engine(nss []corev1.Namespace, pods []corev1.Pod, policies []networkingv1.NetworkPolicy) (*reachability.Engine, error) {
	objs := make([]runtime.Object, 0, len(nss)+len(pods)+len(policies))
	for i := range nss {
		objs = append(objs, &nss[i])
	}
	for i := range pods {
		objs = append(objs, &pods[i])
	}
	for i := range policies {
		objs = append(objs, &policies[i])
	}
	e, err := reachability.New(objs...)
	if err != nil {
		return nil, fmt.Errorf("model the cluster's policies: %w", err)
	}
	return e, nil
}

// declaredPorts lists every container port of pods, by number and
// protocol, sorted.
func declaredPorts(pods []corev1.Pod) []reachability.PortProtocol {
	seen := map[reachability.PortProtocol]bool{}
	for _, p := range pods {
		for _, ctr := range p.Spec.Containers {
			for _, port := range ctr.Ports {
				proto := port.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				seen[reachability.PortProtocol{Port: port.ContainerPort, Protocol: proto}] = true
			}
		}
	}
	out := make([]reachability.PortProtocol, 0, len(seen))
	for pp := range seen {
		out = append(out, pp)
	}
	slices.SortFunc(out, func(a, b reachability.PortProtocol) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out
}
