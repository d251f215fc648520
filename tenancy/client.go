package tenancy

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/actor"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-tenancy-client"

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// FieldOwner is the field manager of the objects the Client applies;
	// empty means DefaultFieldOwner.
	FieldOwner string

	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every write then first asks Authorizer whether the user may make
	// exactly that write (the Kubernetes-style attributes of each object
	// it creates, updates or deletes), and every role grant must not
	// escalate the user's privileges (they hold every permission of the
	// role, or the bind or escalate verb on it; see authz.CanGrant). A
	// refusal is a *ForbiddenError and nothing is written. When nil, the
	// Client acts with the rights of its controller-runtime client only.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer

	// LiveReader, when set with OnBehalfOf, confirms every allowing
	// decision with a read from the API server (pass mgr.GetAPIReader()):
	// the binding must still bind the user to the role and the role must
	// still hold the rule. An Authorizer fed by a cache trails the API
	// server by the watch latency (typically milliseconds, longer under
	// load), so without it a grant revoked a moment ago may still count.
	// Each check then costs two reads.
	LiveReader client.Reader
}

// Client performs tenancy operations (workspaces, projects, members, users,
// groups, quotas) against one cluster. It writes KubeSphere-shaped objects;
// the reconcilers in package controllers (or a KubeSphere installation) turn
// them into roles, bindings and native RBAC. A Client is safe for concurrent
// use.
type Client struct {
	c          client.Client
	fieldOwner string
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate actor.Gate
	live client.Reader
}

// NewClient returns a Client over c, whose scheme must know the built-in
// kinds and the spherekit API groups (spherekit.AddToScheme).
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	for _, obj := range []client.Object{&tenantv1beta1.Workspace{}, &iamv1beta1.User{}, &quotav1alpha2.ResourceQuota{}} {
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
	if opts.LiveReader != nil && opts.OnBehalfOf == nil {
		return nil, &InvalidError{Field: "LiveReader", Reason: "only confirms decisions for OnBehalfOf, which is not set"}
	}
	return &Client{c: c, fieldOwner: owner, gate: gate, live: opts.LiveReader}, nil
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

func (c *Client) userExists(ctx context.Context, field, user string) error {
	if err := checkUserName(field, user); err != nil {
		return err
	}
	return c.mustExist(ctx, field, "User", client.ObjectKey{Name: user}, &iamv1beta1.User{})
}

// isInputError reports whether err is one of the typed input errors.
func isInputError(err error) bool {
	var ie *InvalidError
	var nf *NotFoundError
	var ce *ConflictError
	return errors.As(err, &ie) || errors.As(err, &nf) || errors.As(err, &ce)
}
