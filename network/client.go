package network

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/actor"
	"github.com/spherekit/spherekit/internal/fielderr"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-network-client"

// NotFoundError reports an unknown workspace, project, policy or service
// (errors.Is(err, tenancy.ErrNotFound)). Nothing was written.
type NotFoundError = fielderr.NotFound

// ConflictError reports an operation the object's state does not allow,
// such as a policy in a project that is not isolated at project level.
// Nothing was written.
type ConflictError = fielderr.Conflict

// ForbiddenError reports an operation the user a Client acts for may not
// perform (tenancy's type: errors.Is(err, tenancy.ErrForbidden)). Nothing
// was written.
type ForbiddenError = tenancy.ForbiddenError

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// FieldOwner is the field manager of what the Client writes; empty means
	// DefaultFieldOwner.
	FieldOwner string

	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every write and every read first asks Authorizer whether the user may
	// make it, and a refusal is a *ForbiddenError with nothing written.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer

	// Isolation is what the network controllers are configured with, so
	// that a plan (PlanIsolation) builds the isolation policies they will.
	Isolation IsolationSettings
}

// IsolationSettings are the cluster-wide inputs of every isolation policy
// besides the project's own state: network/controllers.Options carries the
// same fields.
type IsolationSettings struct {
	// AllowedIngressNamespaces may reach every isolated project.
	AllowedIngressNamespaces []string
	// NodeLocalDNS is the node-local DNS address; empty means
	// DefaultNodeLocalDNS.
	NodeLocalDNS string
	// DNSServices ("namespace/name"), the first that exists counting; nil
	// means DefaultDNSServices.
	DNSServices []string
}

// Client switches isolation on and off for workspaces and projects and
// manages project network policies (NamespaceNetworkPolicies), checking
// every input against the tenancy before anything is written. The
// reconcilers of network/controllers (or KubeSphere's) turn what it writes
// into native NetworkPolicies. A Client is safe for concurrent use.
type Client struct {
	c          client.Client
	fieldOwner string
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate      actor.Gate
	isolation IsolationSettings
}

// NewClient returns a Client over c, whose scheme must know the built-in
// kinds and the spherekit API groups (spherekit.AddToScheme).
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	for _, obj := range []client.Object{&networkv1alpha1.NamespaceNetworkPolicy{}, &tenantv1beta1.Workspace{}} {
		if _, err := c.GroupVersionKindFor(obj); err != nil {
			return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the spherekit API groups; register them with spherekit.AddToScheme", Err: err}
		}
	}
	gate, err := actor.New(opts.OnBehalfOf, opts.Authorizer)
	if err != nil {
		return nil, err
	}
	owner := opts.FieldOwner
	if owner == "" {
		owner = DefaultFieldOwner
	}
	return &Client{c: c, fieldOwner: owner, gate: gate, isolation: opts.Isolation}, nil
}

// authorize is the Client's one choke point for acting for a user: every
// exported operation calls it with the attributes of each request it is
// about to make, reads included, before making any. It does nothing when
// the Client acts for nobody.
func (c *Client) authorize(ctx context.Context, requests ...authz.Attributes) error {
	return c.gate.Check(ctx, requests...)
}

func inNamespace(verb, group, resource, name, namespace string) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: group, Resource: resource, Name: name, Namespace: namespace, Scope: authz.ScopeNamespace}
}

// SetWorkspaceIsolation isolates workspace (enabled) or ends its isolation,
// with KubeSphere 4.x's annotation on the Workspace and on its
// WorkspaceTemplate's template when it has one (so the template's
// reconciler keeps it). Projects isolated at project level stay so.
func (c *Client) SetWorkspaceIsolation(ctx context.Context, workspace string, enabled bool) error {
	if err := dnsLabel("workspace", workspace); err != nil {
		return err
	}
	at := authz.Attributes{Verb: "patch", APIGroup: tenantv1beta1.GroupName, Resource: "workspaces", Name: workspace, Workspace: workspace, Scope: authz.ScopeWorkspace}
	if err := c.authorize(ctx, at); err != nil {
		return err
	}
	ws := &tenantv1beta1.Workspace{}
	if err := c.get(ctx, "workspace", "Workspace", client.ObjectKey{Name: workspace}, ws); err != nil {
		return err
	}
	tpl := &tenantv1beta1.WorkspaceTemplate{}
	err := c.c.Get(ctx, client.ObjectKey{Name: workspace}, tpl)
	switch {
	case err == nil:
		at.Resource = "workspacetemplates"
		if err := c.authorize(ctx, at); err != nil {
			return err
		}
		patch := client.MergeFrom(tpl.DeepCopy())
		if setIsolateAnnotation(&tpl.Spec.Template.Annotations, enabled) {
			if err := c.c.Patch(ctx, tpl, patch, client.FieldOwner(c.fieldOwner)); err != nil {
				return fmt.Errorf("isolate workspace template %s: %w", workspace, err)
			}
		}
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get workspace template %s: %w", workspace, err)
	}
	patch := client.MergeFrom(ws.DeepCopy())
	if setIsolateAnnotation(&ws.Annotations, enabled) {
		if err := c.c.Patch(ctx, ws, patch, client.FieldOwner(c.fieldOwner)); err != nil {
			return fmt.Errorf("isolate workspace %s: %w", workspace, err)
		}
	}
	return nil
}

// SetProjectIsolation isolates project at project level (enabled) or ends
// that, with KubeSphere's annotation on its Namespace. Ending it removes the
// project's NamespaceNetworkPolicies (the controllers do, as KubeSphere's).
func (c *Client) SetProjectIsolation(ctx context.Context, project string, enabled bool) error {
	if err := c.authorize(ctx, authz.Attributes{Verb: "patch", Resource: "namespaces", Name: project, Namespace: project, Scope: authz.ScopeNamespace}); err != nil {
		return err
	}
	ns, err := c.project(ctx, project)
	if err != nil {
		return err
	}
	patch := client.MergeFrom(ns.DeepCopy())
	if setIsolateAnnotation(&ns.Annotations, enabled) {
		if err := c.c.Patch(ctx, ns, patch, client.FieldOwner(c.fieldOwner)); err != nil {
			return fmt.Errorf("isolate project %s: %w", project, err)
		}
	}
	return nil
}

func setIsolateAnnotation(annotations *map[string]string, enabled bool) (changed bool) {
	if ((*annotations)[IsolateAnnotation] == IsolateEnabled) == enabled {
		return false
	}
	if !enabled {
		delete(*annotations, IsolateAnnotation)
		return true
	}
	if *annotations == nil {
		*annotations = map[string]string{}
	}
	(*annotations)[IsolateAnnotation] = IsolateEnabled
	return true
}

// CreatePolicy creates NamespaceNetworkPolicy name in project. Before
// writing anything it checks that the project exists and is isolated at
// project level (otherwise its policies are removed: *ConflictError), that
// name is a DNS label other than the isolation policy's ("network-isolate"),
// the spec (ValidatePolicySpec), that every service peer names a Service
// with a selector (*NotFoundError, *InvalidError), and that the API server
// accepts the native NetworkPolicy it converts to (a server-side dry run).
// Acting for a user, it needs create on namespacenetworkpolicies in the
// project and get on every Service a peer names.
func (c *Client) CreatePolicy(ctx context.Context, project, name string, spec networkv1alpha1.NamespaceNetworkPolicySpec) (*networkv1alpha1.NamespaceNetworkPolicy, error) {
	if err := dnsLabel("name", name); err != nil {
		return nil, err
	}
	if networkv1alpha1.NativePolicyPrefix+name == IsolationPolicyName {
		return nil, &InvalidError{Field: "name", Reason: fmt.Sprintf("%q is reserved: its native policy would replace the project's isolation policy", name)}
	}
	if err := ValidatePolicySpec(spec); err != nil {
		return nil, err
	}
	checks := []authz.Attributes{inNamespace("create", networkv1alpha1.GroupName, "namespacenetworkpolicies", name, project)}
	for _, key := range servicesNamed(spec) {
		checks = append(checks, inNamespace("get", "", "services", key.Name, key.Namespace))
	}
	if err := c.authorize(ctx, checks...); err != nil {
		return nil, err
	}
	ns, err := c.project(ctx, project)
	if err != nil {
		return nil, err
	}
	if mode, err := c.modeOf(ctx, ns); err != nil {
		return nil, err
	} else if mode != IsolationProject {
		return nil, &ConflictError{Field: "project", Reason: fmt.Sprintf("project %s is isolated: %s; its network policies apply only when it is isolated at project level (SetProjectIsolation)", project, mode)}
	}
	p := &networkv1alpha1.NamespaceNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name}, Spec: spec}
	native, err := NativePolicy(p, func(namespace, name string) (*corev1.Service, error) {
		svc := &corev1.Service{}
		return svc, c.c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, svc)
	})
	var pe *PolicyPeerError
	if errors.As(err, &pe) {
		if apierrors.IsNotFound(pe.Err) {
			return nil, &NotFoundError{Field: pe.Field + ".service", Kind: "Service", Err: pe.Err}
		}
		return nil, &InvalidError{Field: pe.Field + ".service", Reason: pe.Err.Error(), Err: pe.Err}
	}
	if err != nil {
		return nil, err
	}
	if err := c.c.Create(ctx, native, client.DryRunAll, client.FieldOwner(c.fieldOwner)); err != nil {
		if apierrors.IsInvalid(err) {
			return nil, &InvalidError{Field: "spec", Reason: "the API server refuses the native NetworkPolicy it converts to", Err: err}
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("dry-run the native policy %s/%s: %w", project, native.Name, err)
		}
	}
	if err := c.c.Create(ctx, p, client.FieldOwner(c.fieldOwner)); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, &ConflictError{Field: "name", Reason: fmt.Sprintf("project %s already has a network policy %s", project, name), Err: err}
		}
		return nil, fmt.Errorf("create network policy %s/%s: %w", project, name, err)
	}
	return p, nil
}

// servicesNamed lists the Services a spec's peers name.
func servicesNamed(spec networkv1alpha1.NamespaceNetworkPolicySpec) []client.ObjectKey {
	var out []client.ObjectKey
	add := func(peers []networkv1alpha1.NetworkPolicyPeer) {
		for _, p := range peers {
			if p.Service != nil {
				out = append(out, client.ObjectKey{Namespace: p.Service.Namespace, Name: p.Service.Name})
			}
		}
	}
	for _, r := range spec.Ingress {
		add(r.From)
	}
	for _, r := range spec.Egress {
		add(r.To)
	}
	return out
}

// DeletePolicy deletes NamespaceNetworkPolicy name of project; the
// controllers remove its native policy.
func (c *Client) DeletePolicy(ctx context.Context, project, name string) error {
	if err := dnsLabel("name", name); err != nil {
		return err
	}
	if err := c.authorize(ctx, inNamespace("delete", networkv1alpha1.GroupName, "namespacenetworkpolicies", name, project)); err != nil {
		return err
	}
	if _, err := c.project(ctx, project); err != nil {
		return err
	}
	p := &networkv1alpha1.NamespaceNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name}}
	if err := c.c.Delete(ctx, p); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "name", Kind: "NamespaceNetworkPolicy", Name: project + "/" + name, Err: err}
		}
		return fmt.Errorf("delete network policy %s/%s: %w", project, name, err)
	}
	return nil
}

// ListPolicies lists the NamespaceNetworkPolicies of project with the
// resources API's query semantics (filters, sorting, paging; q.Namespace is
// set to project) and returns one page and the total that match.
func (c *Client) ListPolicies(ctx context.Context, project string, q resources.Query) ([]networkv1alpha1.NamespaceNetworkPolicy, int, error) {
	if err := c.authorize(ctx, inNamespace("list", networkv1alpha1.GroupName, "namespacenetworkpolicies", "", project)); err != nil {
		return nil, 0, err
	}
	if _, err := c.project(ctx, project); err != nil {
		return nil, 0, err
	}
	q.Namespace = project
	var list networkv1alpha1.NamespaceNetworkPolicyList
	total, err := resources.List(ctx, c.c, &list, q)
	if err != nil {
		return nil, 0, fmt.Errorf("list network policies of %s: %w", project, err)
	}
	return list.Items, total, nil
}

// project gets project's Namespace: it must exist and belong to a
// workspace.
func (c *Client) project(ctx context.Context, project string) (*corev1.Namespace, error) {
	if err := dnsLabel("project", project); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{}
	if err := c.get(ctx, "project", "Namespace", client.ObjectKey{Name: project}, ns); err != nil {
		return nil, err
	}
	if ns.Labels[tenantv1beta1.WorkspaceLabel] == "" {
		return nil, &NotFoundError{Field: "project", Kind: "project", Name: project,
			Err: fmt.Errorf("namespace %s belongs to no workspace", project)}
	}
	return ns, nil
}

// modeOf is ModeOf with the project's workspace read.
func (c *Client) modeOf(ctx context.Context, ns *corev1.Namespace) (IsolationMode, error) {
	ws := &tenantv1beta1.Workspace{}
	if err := c.c.Get(ctx, client.ObjectKey{Name: ns.Labels[tenantv1beta1.WorkspaceLabel]}, ws); err != nil {
		if apierrors.IsNotFound(err) {
			return ModeOf(ns, nil), nil
		}
		return "", fmt.Errorf("get workspace of %s: %w", ns.Name, err)
	}
	return ModeOf(ns, ws), nil
}

// get reads key into obj, turning NotFound into a *NotFoundError naming
// field.
func (c *Client) get(ctx context.Context, field, kind string, key client.ObjectKey, obj client.Object) error {
	if err := c.c.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: field, Kind: kind, Name: key.String(), Err: err}
		}
		return fmt.Errorf("get %s %s: %w", kind, key, err)
	}
	return nil
}
