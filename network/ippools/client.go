package ippools

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/actor"
	"github.com/spherekit/spherekit/internal/fielderr"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-ippools-client"

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// FieldOwner is the field manager of the Client's writes; empty means
	// DefaultFieldOwner.
	FieldOwner string

	// Reader is what the checks read the existing pools, workspaces and
	// namespaces from; nil means the client itself. A client whose reads
	// come from a cache may miss a pool created a moment ago, so pass a
	// live reader (a manager's GetAPIReader()) for the overlap and default
	// checks to see every pool the API server has.
	Reader client.Reader

	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every operation, reads included, first asks Authorizer whether the
	// user may make the requests it is about to make (see the package
	// documentation for which), and a refusal is a *ForbiddenError with
	// nothing read or written.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer
}

// Client performs IP pool operations against one cluster: it creates pools,
// assigns them to workspaces, enables, disables and deletes them, moves the
// default, and lists them with their usage. Every operation checks its
// input against the rules (CheckCreate, CheckUpdate, CheckDelete) before it
// writes, and writes one object (SetDefaultPool two, undoing the first when
// the second fails); a refusal is an *InvalidError,
// *NotFoundError or *ConflictError and nothing is written. With
// ClientOptions.OnBehalfOf it acts for an end user, whose every request it
// checks first. A Client is safe for concurrent use.
type Client struct {
	c          client.Client
	r          client.Reader
	fieldOwner string
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate actor.Gate
}

// NewClient returns a Client over c, whose scheme must know the built-in
// kinds and the spherekit API groups (spherekit.AddToScheme).
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	for _, obj := range []client.Object{&networkv1alpha1.IPPool{}, &tenantv1beta1.Workspace{}} {
		if _, err := c.GroupVersionKindFor(obj); err != nil {
			return nil, &InvalidError{Field: "c", Reason: fmt.Sprintf("its scheme lacks the spherekit API groups (%v); register them with spherekit.AddToScheme", err)}
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
	r := opts.Reader
	if r == nil {
		r = c
	}
	return &Client{c: c, r: r, fieldOwner: owner, gate: gate}, nil
}

// authorize is the Client's one choke point for acting for a user: every
// exported operation calls it with the attributes of each request it is
// about to make, reads included, before making any, so a refusal comes
// before anything is read (and before any NotFound could tell the user
// whether a pool, workspace or namespace exists). It does nothing when the
// Client acts for nobody, and refuses a call that names no request, which
// could not be checked.
func (c *Client) authorize(ctx context.Context, requests ...authz.Attributes) error {
	return c.gate.Check(ctx, requests...)
}

// resourceIPPools is the resource name of IPPool.
const resourceIPPools = "ippools"

// onPools are the requests verbs on the pool name ("" for any pool, or all
// of them) make: pools are cluster-scoped platform objects, which only a
// platform or cluster role reaches.
func onPools(name string, verbs ...string) []authz.Attributes {
	out := make([]authz.Attributes, len(verbs))
	for i, verb := range verbs {
		out[i] = authz.Attributes{Verb: verb, APIGroup: networkv1alpha1.GroupName, Resource: resourceIPPools, Name: name, Scope: authz.ScopeCluster}
	}
	return out
}

// mustExist reads key into obj, turning NotFound into a *NotFoundError
// naming field that wraps the API server's answer.
func (c *Client) mustExist(ctx context.Context, field, kind string, key client.ObjectKey, obj client.Object) error {
	if err := c.r.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: field, Kind: kind, Name: key.Name, Err: err}
		}
		return fmt.Errorf("get %s %s: %w", kind, key.Name, err)
	}
	return nil
}

// workspaceExists checks that the workspace named by field exists.
func (c *Client) workspaceExists(ctx context.Context, field, ws string) error {
	if err := checkWorkspaceName(field, ws); err != nil {
		return err
	}
	return c.mustExist(ctx, field, "Workspace", client.ObjectKey{Name: ws}, &tenantv1beta1.Workspace{})
}

// pool reads the pool named by the argument pool.
func (c *Client) pool(ctx context.Context, name string) (*networkv1alpha1.IPPool, error) {
	if name == "" {
		return nil, &InvalidError{Field: fieldPool, Reason: "must not be empty"}
	}
	p := &networkv1alpha1.IPPool{}
	if err := c.mustExist(ctx, fieldPool, "IPPool", client.ObjectKey{Name: name}, p); err != nil {
		return nil, err
	}
	return p, nil
}

// pools lists every pool.
func (c *Client) pools(ctx context.Context) ([]networkv1alpha1.IPPool, error) {
	var l networkv1alpha1.IPPoolList
	if err := c.r.List(ctx, &l); err != nil {
		return nil, fmt.Errorf("list ip pools: %w", err)
	}
	return l.Items, nil
}

// renameFields gives an error of the checks, which name object paths, the
// names of the operation's inputs.
func renameFields(err error, names map[string]string) error {
	var ie *InvalidError
	if errors.As(err, &ie) {
		if n, ok := names[ie.Field]; ok {
			c := *ie
			c.Field = n
			return &c
		}
		return err
	}
	var ce *ConflictError
	if errors.As(err, &ce) {
		if n, ok := names[ce.Field]; ok {
			c := *ce
			c.Field = n
			return &c
		}
	}
	return err
}

// isInputError reports whether err is one of the typed input errors.
func isInputError(err error) bool {
	var ie *fielderr.Invalid
	var nf *fielderr.NotFound
	var ce *fielderr.Conflict
	return errors.As(err, &ie) || errors.As(err, &nf) || errors.As(err, &ce)
}
