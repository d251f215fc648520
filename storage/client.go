package storage

import (
	"context"
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
)

// DefaultFieldOwner is the field manager of what Client writes.
const DefaultFieldOwner = "spherekit-storage-client"

// ClientOptions configures NewClient. The zero value is ready to use.
type ClientOptions struct {
	// FieldOwner is the field manager of what the Client writes; empty
	// means DefaultFieldOwner.
	FieldOwner string
}

// Client answers what storage classes can do and which projects may use
// them, and grants classes to workspaces and projects. It acts with the
// identity of the client it is given: it does not act for end users, so a
// portal must authorize a user's request before calling it (GrantClass
// writes cluster-scoped Accessors, a platform administrator's action). A
// Client is safe for concurrent use.
type Client struct {
	c          client.Client
	fieldOwner string
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
	return &Client{c: c, fieldOwner: owner}, nil
}

// Capabilities returns what StorageClass class can do (CapabilitiesOf);
// an unknown class is a *NotFoundError.
func (c *Client) Capabilities(ctx context.Context, class string) (*Capabilities, error) {
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
