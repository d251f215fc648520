package gateways

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Labels EnableGateway puts on the Gateways it writes. DisableGateway and
// ListGateways find a scope's Gateways by them, and EnableGateway never
// takes over a Gateway that lacks them.
const (
	// ScopeLabel is the kind of scope a Gateway serves: ScopeWorkspace or
	// ScopeProject.
	ScopeLabel = "gateway.spherekit.io/scope"
	// ScopeNameLabel is the name of the workspace or project it serves.
	ScopeNameLabel = "gateway.spherekit.io/scope-name"
)

// Values of ScopeLabel.
const (
	ScopeWorkspace = "workspace"
	ScopeProject   = "project"
)

// DefaultWorkspaceGatewayNamespace is where EnableGateway puts a
// workspace's Gateway unless EnableGatewayOptions.Namespace says otherwise:
// the namespace KubeSphere keeps its gateways in, which tenants do not
// administer. It must exist.
const DefaultWorkspaceGatewayNamespace = "kubesphere-controls-system"

// MaxListeners is the most listeners a Gateway may have (Gateway API's
// limit).
const MaxListeners = 64

// EnableGatewayOptions are the optional inputs of EnableGateway and, for
// Name and Namespace, of DisableGateway.
type EnableGatewayOptions struct {
	// Name is the Gateway's name; empty means DefaultGatewayName(scope):
	// "workspace-<workspace>" or "project-<project>".
	Name string
	// Namespace is the Gateway's namespace; empty means the project itself
	// for a project, and DefaultWorkspaceGatewayNamespace for a workspace.
	// It must exist.
	Namespace string
	// GatewayClassName is the Gateway's class; empty means
	// ClientOptions.GatewayClassName, and when that is empty too, the
	// cluster's only GatewayClass (an *InvalidError when there are none or
	// several). The GatewayClass must exist.
	GatewayClassName string
	// Listeners are the Gateway's listeners; empty means one HTTP listener
	// named "http" on port 80. Their AllowedRoutes.Namespaces must be unset:
	// EnableGateway sets it on every listener to admit routes only from the
	// scope's namespaces. AllowedRoutes.Kinds is kept.
	Listeners []gatewayapiv1.Listener
	// Labels and Annotations are set on the Gateway besides ScopeLabel and
	// ScopeNameLabel, which are the Client's.
	Labels, Annotations map[string]string
}

// DefaultGatewayName is the name EnableGateway gives scope's Gateway when
// EnableGatewayOptions.Name is empty: "workspace-<workspace>" or
// "project-<project>", and "" for other scopes.
func DefaultGatewayName(scope tenancy.Scope) string {
	if ws, ok := scope.WorkspaceName(); ok {
		return ScopeWorkspace + "-" + ws
	}
	if p, ok := scope.ProjectName(); ok {
		return ScopeProject + "-" + p
	}
	return ""
}

// RouteNamespaces is the allowedRoutes.namespaces EnableGateway sets on
// every listener of scope's Gateway: from Selector, selecting the
// namespaces labelled kubesphere.io/workspace=<workspace> for a workspace,
// and the one namespace labelled kubernetes.io/metadata.name=<project> (the
// label Kubernetes itself keeps on every namespace) for a project. It is
// nil for other scopes.
func RouteNamespaces(scope tenancy.Scope) *gatewayapiv1.RouteNamespaces {
	var sel map[string]string
	if ws, ok := scope.WorkspaceName(); ok {
		sel = map[string]string{tenantv1beta1.WorkspaceLabel: ws}
	} else if p, ok := scope.ProjectName(); ok {
		sel = map[string]string{corev1.LabelMetadataName: p}
	} else {
		return nil
	}
	from := gatewayapiv1.NamespacesFromSelector
	return &gatewayapiv1.RouteNamespaces{From: &from, Selector: &metav1.LabelSelector{MatchLabels: sel}}
}

// EnableGateway gives a workspace or a project a gateway: a Gateway API
// Gateway whose listeners admit routes (HTTPRoutes, GRPCRoutes ...) only
// from the scope's namespaces (see RouteNamespaces), so a route in another
// workspace's namespace cannot attach to it. It is an ensure: the Gateway
// is created, or brought back to what opts describe: its class and
// listeners are replaced as a whole (a listener someone else added, which
// could admit routes from anywhere, is removed), allowedListeners and
// defaultScope are cleared, and labels and annotations are set key by key;
// other fields stay as others set them. It returns the Gateway as the API
// server stored it.
//
// Inputs are checked before anything is written: a zero or platform scope,
// malformed names, listeners or labels are an *InvalidError naming the
// field; an unknown workspace, project, namespace or GatewayClass a
// *NotFoundError; a Gateway of that name that belongs to another scope, or
// that EnableGateway did not write, a *ConflictError. What the Gateway API
// CRD's own rules refuse (TLS settings, duplicate ports ...) is an
// *InvalidError naming the field the API server named.
//
// Acting for a user, it needs get, create and update on the Gateway
// (gateways of gateway.networking.k8s.io): at workspace scope for a
// workspace's, in the project for a project's, and in the namespace it
// lives in when that is not DefaultWorkspaceGatewayNamespace or the
// project; a workspace's Gateway in DefaultWorkspaceGatewayNamespace must
// have its default name.
func (c *Client) EnableGateway(ctx context.Context, scope tenancy.Scope, opts EnableGatewayOptions) (*gatewayapiv1.Gateway, error) {
	kind, name, err := checkScope(scope)
	if err != nil {
		return nil, err
	}
	key, err := gatewayKey(scope, opts)
	if err != nil {
		return nil, err
	}
	listeners, err := scopedListeners(scope, opts.Listeners)
	if err != nil {
		return nil, err
	}
	labels, err := gatewayLabels(kind, name, opts.Labels)
	if err != nil {
		return nil, err
	}
	if err := checkAnnotations(opts.Annotations); err != nil {
		return nil, err
	}
	if opts.GatewayClassName != "" {
		if err := checkSubdomain("GatewayClassName", opts.GatewayClassName); err != nil {
			return nil, err
		}
	}
	if err := c.authorizeGateway(ctx, scope, key, "get", "create", "update"); err != nil {
		return nil, err
	}
	if err := c.scopeExists(ctx, scope); err != nil {
		return nil, err
	}
	if err := c.mustExist(ctx, "Namespace", "Namespace", client.ObjectKey{Name: key.Namespace}, &corev1.Namespace{}); err != nil {
		return nil, err
	}
	class, err := c.gatewayClass(ctx, opts.GatewayClassName)
	if err != nil {
		return nil, err
	}
	var out *gatewayapiv1.Gateway
	err = retryWrite(func() error {
		gw := &gatewayapiv1.Gateway{}
		err := c.c.Get(ctx, key, gw)
		switch {
		case apierrors.IsNotFound(err):
			gw = &gatewayapiv1.Gateway{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
			setGateway(gw, class, listeners, labels, opts.Annotations)
			err = c.c.Create(ctx, gw, client.FieldOwner(c.fieldOwner))
		case err != nil:
			return fmt.Errorf("get gateway %s: %w", key, err)
		default:
			if err := ownedBy(gw, kind, name); err != nil {
				return err
			}
			setGateway(gw, class, listeners, labels, opts.Annotations)
			err = c.c.Update(ctx, gw, client.FieldOwner(c.fieldOwner))
		}
		out = gw
		return err
	})
	if err != nil {
		if ie := apiInvalid(err); ie != nil {
			return nil, ie
		}
		if isInputError(err) {
			return nil, err
		}
		return nil, fmt.Errorf("enable gateway of %s: write gateway %s: %w", scope, key, err)
	}
	return out, nil
}

// setGateway makes gw the Gateway EnableGateway describes. The class and
// the listeners are replaced as a whole, and the fields through which
// routes or listeners from elsewhere could attach (allowedListeners,
// defaultScope) are cleared; the rest of the spec (addresses,
// infrastructure, tls) is left to whoever set it. Labels and annotations
// are set key by key.
func setGateway(gw *gatewayapiv1.Gateway, class string, listeners []gatewayapiv1.Listener, labels, annotations map[string]string) {
	gw.Spec.GatewayClassName = gatewayapiv1.ObjectName(class)
	gw.Spec.Listeners = listeners
	gw.Spec.AllowedListeners = nil
	gw.Spec.DefaultScope = ""
	if gw.Labels == nil {
		gw.Labels = map[string]string{}
	}
	maps.Copy(gw.Labels, labels)
	if len(annotations) > 0 && gw.Annotations == nil {
		gw.Annotations = map[string]string{}
	}
	maps.Copy(gw.Annotations, annotations)
}

// retryWrite runs a read-modify-write until it does not meet a conflict
// (an object changed or created since the read), a few times at most.
func retryWrite(write func() error) error {
	return retry.OnError(retry.DefaultRetry, func(err error) bool {
		return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
	}, write)
}

// isInputError reports whether err is one of the typed input errors.
func isInputError(err error) bool {
	var ie *InvalidError
	var nf *NotFoundError
	var ce *ConflictError
	return errors.As(err, &ie) || errors.As(err, &nf) || errors.As(err, &ce)
}

// DisableGateway deletes scope's Gateway, the one EnableGateway with the
// same Name and Namespace options wrote (the other options are ignored).
// The scope's workspace or project need not exist any more. A missing
// Gateway is a *NotFoundError naming "Name"; a Gateway there that serves
// another scope, or that EnableGateway did not write, is a *ConflictError
// and is left alone. Acting for a user, it needs get and delete on the
// Gateway where EnableGateway needs its verbs.
func (c *Client) DisableGateway(ctx context.Context, scope tenancy.Scope, opts EnableGatewayOptions) error {
	kind, name, err := checkScope(scope)
	if err != nil {
		return err
	}
	key, err := gatewayKey(scope, opts)
	if err != nil {
		return err
	}
	if err := c.authorizeGateway(ctx, scope, key, "get", "delete"); err != nil {
		return err
	}
	gw := &gatewayapiv1.Gateway{}
	if err := c.mustExist(ctx, "Name", "Gateway", key, gw); err != nil {
		return err
	}
	if err := ownedBy(gw, kind, name); err != nil {
		return err
	}
	// The precondition keeps a Gateway replaced since the read alive.
	if err := c.c.Delete(ctx, gw, client.Preconditions{UID: &gw.UID, ResourceVersion: &gw.ResourceVersion}); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "Name", Kind: "Gateway", Name: key.String(), Err: err}
		}
		return fmt.Errorf("disable gateway of %s: delete gateway %s: %w", scope, key, err)
	}
	return nil
}

// ListGateways returns the Gateways EnableGateway wrote for scope, in every
// namespace, sorted by namespace and name. Acting for a user, it needs
// list on gateways at workspace scope for a workspace, in the project for
// a project, and returns a Gateway outside DefaultWorkspaceGatewayNamespace
// (workspace) or the project only when the user may list the gateways of
// its namespace.
func (c *Client) ListGateways(ctx context.Context, scope tenancy.Scope) ([]gatewayapiv1.Gateway, error) {
	kind, name, err := checkScope(scope)
	if err != nil {
		return nil, err
	}
	home := homeNamespace(scope)
	if err := c.authorize(ctx, gatewayRequests(scope, client.ObjectKey{Namespace: home}, "list")...); err != nil {
		return nil, err
	}
	list := &gatewayapiv1.GatewayList{}
	if err := c.c.List(ctx, list, client.MatchingLabels{ScopeLabel: kind, ScopeNameLabel: name}); err != nil {
		return nil, fmt.Errorf("list gateways of %s: %w", scope, err)
	}
	// A Gateway outside the scope's home namespace is listed only to a user
	// who may list the Gateways where it lives: anyone who may write
	// Gateways in a namespace can label one as the scope's.
	visible := list.Items[:0]
	for _, gw := range list.Items {
		if gw.Namespace != home {
			ok, err := c.mayRead(ctx, inNamespace("list", gatewayapiv1.GroupName, "gateways", "", gw.Namespace))
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		visible = append(visible, gw)
	}
	list.Items = visible
	slices.SortFunc(list.Items, func(a, b gatewayapiv1.Gateway) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return list.Items, nil
}

// homeNamespace is where scope's Gateway lives by default: the project
// itself, or DefaultWorkspaceGatewayNamespace for a workspace.
func homeNamespace(scope tenancy.Scope) string {
	if p, ok := scope.ProjectName(); ok {
		return p
	}
	return DefaultWorkspaceGatewayNamespace
}

// gatewayRequests are the requests verbs on scope's Gateway at key make,
// for the Authorizer: at workspace scope for a workspace's Gateway (it
// lives in a system namespace the workspace's members have no role in),
// in the project for a project's; and, when the Gateway lives elsewhere
// than the scope's home namespace, in the namespace it lives in as well,
// so that no one writes a Gateway into a namespace they may not write.
func gatewayRequests(scope tenancy.Scope, key client.ObjectKey, verbs ...string) []authz.Attributes {
	var out []authz.Attributes
	for _, verb := range verbs {
		if ws, ok := scope.WorkspaceName(); ok {
			out = append(out, authz.Attributes{Verb: verb, APIGroup: gatewayapiv1.GroupName, Resource: "gateways", Name: key.Name, Workspace: ws, Scope: authz.ScopeWorkspace})
		} else if p, ok := scope.ProjectName(); ok {
			out = append(out, inNamespace(verb, gatewayapiv1.GroupName, "gateways", key.Name, p))
		}
		if key.Namespace != homeNamespace(scope) {
			out = append(out, inNamespace(verb, gatewayapiv1.GroupName, "gateways", key.Name, key.Namespace))
		}
	}
	return out
}

// authorizeGateway checks that the user the Client acts for may make
// verbs on scope's Gateway at key (gatewayRequests). In the namespace the
// workspaces' Gateways share, it also refuses every name but the
// workspace's default one, so that one workspace cannot touch, nor learn
// of, another's Gateway there.
func (c *Client) authorizeGateway(ctx context.Context, scope tenancy.Scope, key client.ObjectKey, verbs ...string) error {
	if _, ok := scope.WorkspaceName(); ok && c.gate.Acting() && key.Namespace == DefaultWorkspaceGatewayNamespace && key.Name != DefaultGatewayName(scope) {
		return c.gate.Forbidden(fmt.Sprintf("acting for a user, the gateway of %s in the shared namespace %s is named %s, not %s", scope, key.Namespace, DefaultGatewayName(scope), key.Name))
	}
	return c.authorize(ctx, gatewayRequests(scope, key, verbs...)...)
}

// checkScope returns the ScopeLabel value and the name of a workspace or
// project scope, checking the name; other scopes are an *InvalidError.
func checkScope(scope tenancy.Scope) (kind, name string, err error) {
	if ws, ok := scope.WorkspaceName(); ok {
		return ScopeWorkspace, ws, checkLabelName("workspace", ws)
	}
	if p, ok := scope.ProjectName(); ok {
		return ScopeProject, p, checkLabelName("project", p)
	}
	if scope.IsPlatform() {
		return "", "", &InvalidError{Field: "scope", Reason: "gateways are per workspace or per project; the platform has none"}
	}
	return "", "", &InvalidError{Field: "scope", Reason: "must not be the zero Scope (make one with tenancy.Workspace or tenancy.Project)"}
}

// scopeExists checks that scope's workspace (a live Workspace) or project
// (a namespace) exists.
func (c *Client) scopeExists(ctx context.Context, scope tenancy.Scope) error {
	if ws, ok := scope.WorkspaceName(); ok {
		w := &tenantv1beta1.Workspace{}
		if err := c.mustExist(ctx, "workspace", "Workspace", client.ObjectKey{Name: ws}, w); err != nil {
			return err
		}
		if !w.DeletionTimestamp.IsZero() {
			return &InvalidError{Field: "workspace", Reason: fmt.Sprintf("workspace %q is being deleted", ws)}
		}
		return nil
	}
	p, _ := scope.ProjectName()
	ns := &corev1.Namespace{}
	if err := c.mustExist(ctx, "project", "Namespace", client.ObjectKey{Name: p}, ns); err != nil {
		return err
	}
	if !ns.DeletionTimestamp.IsZero() {
		return &InvalidError{Field: "project", Reason: fmt.Sprintf("project %q is being deleted", p)}
	}
	return nil
}

// gatewayKey is where scope's Gateway lives, from opts or the defaults.
func gatewayKey(scope tenancy.Scope, opts EnableGatewayOptions) (client.ObjectKey, error) {
	key := client.ObjectKey{Name: opts.Name, Namespace: opts.Namespace}
	if key.Name == "" {
		key.Name = DefaultGatewayName(scope)
	}
	if err := checkSubdomain("Name", key.Name); err != nil {
		return key, err
	}
	if key.Namespace == "" {
		if p, ok := scope.ProjectName(); ok {
			key.Namespace = p
		} else {
			key.Namespace = DefaultWorkspaceGatewayNamespace
		}
	}
	return key, checkLabelName("Namespace", key.Namespace)
}

// scopedListeners checks listeners (or supplies the default) and returns
// copies that admit routes only from scope's namespaces.
func scopedListeners(scope tenancy.Scope, listeners []gatewayapiv1.Listener) ([]gatewayapiv1.Listener, error) {
	if len(listeners) == 0 {
		listeners = []gatewayapiv1.Listener{{Name: "http", Port: 80, Protocol: gatewayapiv1.HTTPProtocolType}}
	}
	if len(listeners) > MaxListeners {
		return nil, &InvalidError{Field: "Listeners", Reason: fmt.Sprintf("at most %d listeners, got %d", MaxListeners, len(listeners))}
	}
	out := make([]gatewayapiv1.Listener, len(listeners))
	seen := map[gatewayapiv1.SectionName]bool{}
	for i, l := range listeners {
		field := fmt.Sprintf("Listeners[%d]", i)
		if err := checkSubdomain(field+".Name", string(l.Name)); err != nil {
			return nil, err
		}
		if seen[l.Name] {
			return nil, &InvalidError{Field: field + ".Name", Reason: fmt.Sprintf("listener name %q is used twice", l.Name)}
		}
		seen[l.Name] = true
		if l.Port < 1 || l.Port > 65535 {
			return nil, &InvalidError{Field: field + ".Port", Reason: fmt.Sprintf("must be between 1 and 65535, got %d", l.Port)}
		}
		if l.Protocol == "" {
			return nil, &InvalidError{Field: field + ".Protocol", Reason: "must not be empty (HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed protocol)"}
		}
		if l.AllowedRoutes != nil && l.AllowedRoutes.Namespaces != nil {
			return nil, &InvalidError{Field: field + ".AllowedRoutes.Namespaces", Reason: fmt.Sprintf("must be unset: EnableGateway admits routes only from the namespaces of %s", scope)}
		}
		l = *l.DeepCopy()
		if l.AllowedRoutes == nil {
			l.AllowedRoutes = &gatewayapiv1.AllowedRoutes{}
		}
		l.AllowedRoutes.Namespaces = RouteNamespaces(scope)
		out[i] = l
	}
	return out, nil
}

// gatewayLabels returns extra with the scope labels, refusing extra labels
// that are malformed or that set the scope labels.
func gatewayLabels(kind, name string, extra map[string]string) (map[string]string, error) {
	out := maps.Clone(extra)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if k == ScopeLabel || k == ScopeNameLabel {
			return nil, &InvalidError{Field: "Labels", Reason: k + " is set from the scope"}
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, &InvalidError{Field: "Labels", Reason: fmt.Sprintf("key %q: %s", k, strings.Join(errs, "; "))}
		}
		if errs := validation.IsValidLabelValue(extra[k]); len(errs) > 0 {
			return nil, &InvalidError{Field: "Labels", Reason: fmt.Sprintf("value of %q: %s", k, strings.Join(errs, "; "))}
		}
	}
	out[ScopeLabel] = kind
	out[ScopeNameLabel] = name
	return out, nil
}

func checkAnnotations(annotations map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return &InvalidError{Field: "Annotations", Reason: fmt.Sprintf("key %q: %s", k, strings.Join(errs, "; "))}
		}
	}
	return nil
}

// gatewayClass resolves the GatewayClass name and checks that it exists.
func (c *Client) gatewayClass(ctx context.Context, name string) (string, error) {
	if name == "" {
		name = c.className
	}
	if name != "" {
		if err := c.mustExist(ctx, "GatewayClassName", "GatewayClass", client.ObjectKey{Name: name}, &gatewayapiv1.GatewayClass{}); err != nil {
			return "", err
		}
		return name, nil
	}
	list := &gatewayapiv1.GatewayClassList{}
	if err := c.c.List(ctx, list); err != nil {
		return "", fmt.Errorf("list gateway classes: %w", err)
	}
	switch len(list.Items) {
	case 0:
		return "", &InvalidError{Field: "GatewayClassName", Reason: "none given and the cluster has no GatewayClass"}
	case 1:
		return list.Items[0].Name, nil
	default:
		names := make([]string, len(list.Items))
		for i, gc := range list.Items {
			names[i] = gc.Name
		}
		slices.Sort(names)
		return "", &InvalidError{Field: "GatewayClassName", Reason: "none given and the cluster has several GatewayClasses: " + strings.Join(names, ", ")}
	}
}

// ownedBy checks that gw is the Gateway EnableGateway wrote for the scope.
func ownedBy(gw *gatewayapiv1.Gateway, kind, name string) error {
	gotKind, gotName := gw.Labels[ScopeLabel], gw.Labels[ScopeNameLabel]
	if gotKind == kind && gotName == name {
		return nil
	}
	key := gw.Namespace + "/" + gw.Name
	if gotKind == "" {
		return &ConflictError{Field: "Name", Reason: fmt.Sprintf("gateway %s exists and was not written by EnableGateway (no %s label)", key, ScopeLabel)}
	}
	return &ConflictError{Field: "Name", Reason: fmt.Sprintf("gateway %s is the gateway of %s %s", key, gotKind, gotName)}
}

// apiInvalid turns the API server's refusal of an invalid object into an
// *InvalidError naming the first field it named; other errors give nil.
func apiInvalid(err error) *InvalidError {
	var status apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !errors.As(err, &status) {
		return nil
	}
	field := "spec"
	var reasons []string
	if d := status.Status().Details; d != nil {
		for i, cause := range d.Causes {
			if i == 0 && cause.Field != "" {
				field = cause.Field
			}
			reasons = append(reasons, cause.Message)
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, status.Status().Message)
	}
	return &InvalidError{Field: field, Reason: strings.Join(reasons, "; "), Err: err}
}
