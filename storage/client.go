package storage

import (
	"context"
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/actor"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-storage-client"

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// FieldOwner is the field manager of what the Client writes; empty
	// means DefaultFieldOwner.
	FieldOwner string

	// Reader serves ListVolumes, ListSnapshots and VolumeUsers, typically a
	// manager's cache (mgr.GetCache()); nil means the client. Everything
	// else reads through the client, so a decision is made on fresh state.
	Reader client.Reader
	// EventReader reads the provisioner's events about a claim that did not
	// bind, with a field selector a cache cannot serve: typically
	// mgr.GetAPIReader(). Nil means the client.
	EventReader client.Reader

	// OnBehalfOf makes the Client act for an end user, as a portal does:
	// every operation first asks Authorizer whether the user may make each
	// request it needs, reads included, and a refusal is a *ForbiddenError
	// with nothing read or written past the check.
	OnBehalfOf *authz.User
	// Authorizer decides for OnBehalfOf; required with it.
	Authorizer *authz.Authorizer
}

// Client answers what storage classes can do and which projects may use
// them, grants classes to workspaces and projects, and snapshots, restores,
// clones and expands volumes. It acts with the identity of the client it
// is given, or for the end user of ClientOptions.OnBehalfOf. A Client is
// safe for concurrent use.
type Client struct {
	c          client.Client
	reader     client.Reader
	events     client.Reader
	fieldOwner string
	// gate decides for the user of ClientOptions.OnBehalfOf.
	gate actor.Gate
}

// NewClient returns a Client over c, whose scheme must know the built-in
// kinds and the spherekit API groups (spherekit.AddToScheme); register
// snapshot.storage.k8s.io/v1 too (the external-snapshotter client's
// AddToScheme) or snapshot support reads unknown.
func NewClient(c client.Client, opts ClientOptions) (*Client, error) {
	if c == nil {
		return nil, &InvalidError{Field: "c", Reason: "a controller-runtime client is required"}
	}
	if _, err := c.GroupVersionKindFor(&storagev1alpha1.Accessor{}); err != nil {
		return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the spherekit API groups; register them with spherekit.AddToScheme", Err: err}
	}
	if _, err := c.GroupVersionKindFor(&storagev1.StorageClass{}); err != nil {
		return nil, &InvalidError{Field: "c", Reason: "its scheme lacks the built-in kinds; register them with clientgoscheme.AddToScheme", Err: err}
	}
	owner := opts.FieldOwner
	if owner == "" {
		owner = DefaultFieldOwner
	}
	gate, err := actor.New(opts.OnBehalfOf, opts.Authorizer)
	if err != nil {
		return nil, err
	}
	out := &Client{c: c, reader: opts.Reader, events: opts.EventReader, fieldOwner: owner, gate: gate}
	if out.reader == nil {
		out.reader = c
	}
	if out.events == nil {
		out.events = c
	}
	return out, nil
}

// authorize is the Client's one choke point for acting for a user: every
// exported operation calls it with the attributes of each request it is
// about to make, reads included, before making any. It does nothing when
// the Client acts for nobody.
func (c *Client) authorize(ctx context.Context, requests ...authz.Attributes) error {
	return c.gate.Check(ctx, requests...)
}

// cluster is a request on a cluster-scoped resource.
func cluster(verb, group, resource, name string) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: group, Resource: resource, Name: name, Scope: authz.ScopeCluster}
}

// Capabilities returns what StorageClass class can do (CapabilitiesOf);
// an unknown class is a *NotFoundError.
func (c *Client) Capabilities(ctx context.Context, class string) (*Capabilities, error) {
	if err := c.authorize(ctx, cluster("get", storagev1.GroupName, "storageclasses", class)); err != nil {
		return nil, err
	}
	sc, err := c.storageClass(ctx, "class", class)
	if err != nil {
		return nil, err
	}
	return CapabilitiesOf(ctx, c.c, sc)
}

// storageClass reads class, an unknown one being a *NotFoundError naming
// field.
func (c *Client) storageClass(ctx context.Context, field, class string) (*storagev1.StorageClass, error) {
	if class == "" {
		return nil, &InvalidError{Field: field, Reason: "a StorageClass name is required"}
	}
	sc := &storagev1.StorageClass{}
	if err := c.c.Get(ctx, client.ObjectKey{Name: class}, sc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{Field: field, Kind: "StorageClass", Name: class, Err: err}
		}
		return nil, fmt.Errorf("get storage class %s: %w", class, err)
	}
	return sc, nil
}
