package gateways

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/spherekit/spherekit/internal/actor"
	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	"github.com/spherekit/spherekit/tenancy"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-gateways-client"

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// FieldOwner is the field manager of the objects the Client applies;
	// empty means DefaultFieldOwner.
	FieldOwner string

	// GatewayClassName is the GatewayClass of the Gateways EnableGateway
	// writes when EnableGatewayOptions names none. Empty means the
	// cluster's only GatewayClass (see EnableGatewayOptions).
	GatewayClassName string

	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every operation, reads included, first asks Authorizer whether the
	// user may make the requests it is about to make (see the package
	// documentation for which), and a refusal is a *ForbiddenError with
	// nothing read or written.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer
}

// Client enables and disables workspace and project gateways (Gateway API
// Gateways whose routes may come only from the scope's namespaces), shares
// ingress classes with namespaces (KubeSphere's IngressClassScopes) and
// answers which ingress classes a namespace may use. It acts with the
// rights of its controller-runtime client, or, with
// ClientOptions.OnBehalfOf, for an end user whose every request it checks
// first. A Client is safe for concurrent use.
type Client struct {
	c          client.Client
	fieldOwner string
	className  string
	selectors  *selectorCache
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate actor.Gate
}

// NewClient returns a Client over c. c's scheme must know the built-in
// kinds, the spherekit API groups (spherekit.AddToScheme) and Gateway API's
// v1 kinds (gatewayapiv1.Install from sigs.k8s.io/gateway-api/apis/v1).
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	for _, k := range []struct {
		obj  client.Object
		hint string
	}{
		{&tenantv1beta1.Workspace{}, "register the spherekit API groups with spherekit.AddToScheme"},
		{&gatewayv1alpha2.IngressClassScope{}, "register the spherekit API groups with spherekit.AddToScheme"},
		{&gatewayapiv1.Gateway{}, "register Gateway API's kinds with gatewayapiv1.Install (sigs.k8s.io/gateway-api/apis/v1)"},
	} {
		if _, err := c.GroupVersionKindFor(k.obj); err != nil {
			return nil, &InvalidError{Field: "c", Reason: fmt.Sprintf("its scheme lacks a kind the Client writes (%v); %s", err, k.hint)}
		}
	}
	if opts.GatewayClassName != "" {
		if err := checkSubdomain("GatewayClassName", opts.GatewayClassName); err != nil {
			return nil, err
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
	return &Client{c: c, fieldOwner: owner, className: opts.GatewayClassName, selectors: &selectorCache{}, gate: gate}, nil
}

// authorize is the Client's one choke point for acting for a user: every
// exported operation calls it with the attributes of each request it is
// about to make, reads included, before making any, so a refusal comes
// before anything is read (and before any NotFound could tell the user
// whether another tenant's object exists). It does nothing when the Client
// acts for nobody, and refuses a call that names no request, which could
// not be checked.
func (c *Client) authorize(ctx context.Context, requests ...authz.Attributes) error {
	return c.gate.Check(ctx, requests...)
}

// mayRead reports whether the user the Client acts for (anyone, when it
// acts for nobody) may make read, for filtering what a read returns.
func (c *Client) mayRead(ctx context.Context, read authz.Attributes) (bool, error) {
	err := c.authorize(ctx, read)
	if errors.Is(err, tenancy.ErrForbidden) {
		return false, nil
	}
	return err == nil, err
}

// inNamespace is a request on resource of group in namespace.
func inNamespace(verb, group, resource, name, namespace string) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: group, Resource: resource, Name: name, Namespace: namespace, Scope: authz.ScopeNamespace}
}

// inCluster is a request on a cluster-scoped resource of group: the
// platform's objects, which no workspace or project role reaches.
func inCluster(verb, group, resource, name string) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: group, Resource: resource, Name: name, Scope: authz.ScopeCluster}
}

// mustExist gets key into obj, turning NotFound into a *NotFoundError naming
// field that wraps the API server's answer.
func (c *Client) mustExist(ctx context.Context, field, kind string, key client.ObjectKey, obj client.Object) error {
	if err := c.c.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			name := key.Name
			if key.Namespace != "" {
				name = key.Namespace + "/" + key.Name
			}
			return &NotFoundError{Field: field, Kind: kind, Name: name, Err: err}
		}
		return fmt.Errorf("get %s %s: %w", kind, key, err)
	}
	return nil
}

// checkLabelName validates a name that is also a label value: a DNS-1123
// label (workspaces, projects, namespaces).
func checkLabelName(field, name string) error {
	if name == "" {
		return &InvalidError{Field: field, Reason: "must not be empty"}
	}
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: strings.Join(errs, "; ")}
	}
	return nil
}

// checkSubdomain validates an object name that is a DNS-1123 subdomain.
func checkSubdomain(field, name string) error {
	if name == "" {
		return &InvalidError{Field: field, Reason: "must not be empty"}
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: strings.Join(errs, "; ")}
	}
	return nil
}
