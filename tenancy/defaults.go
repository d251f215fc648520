package tenancy

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy/authz"
)

//go:embed defaults/*.yaml
var defaultFiles embed.FS

// Defaults returns the built-in objects EnsureDefaults writes: the global
// roles platform-admin, platform-regular, platform-self-provisioner,
// anonymous and authenticated; the BuiltinRoles that stamp the workspace
// roles (admin, regular, self-provisioner, viewer) and project roles (admin,
// operator, viewer); and the RoleTemplates those roles aggregate. Each call
// returns fresh objects.
func Defaults() ([]*unstructured.Unstructured, error) {
	names, err := fs.Glob(defaultFiles, "defaults/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, name := range names {
		data, err := defaultFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("decode %s: %w", name, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// EnsureDefaults writes the built-in roles, BuiltinRoles and RoleTemplates
// (see Defaults) with server-side apply. Fields the defaults set are reset
// to their built-in values; fields they do not set, such as rules an
// administrator added to an aggregated role, are kept. It is safe to call on
// every start.
func (c *Client) EnsureDefaults(ctx context.Context) error {
	objs, err := Defaults()
	if err != nil {
		return fmt.Errorf("ensure defaults: %w", err)
	}
	if err := c.mayEnsureDefaults(ctx, objs); err != nil {
		return err
	}
	for _, u := range objs {
		if err := c.c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(c.fieldOwner), client.ForceOwnership); err != nil {
			return fmt.Errorf("ensure default %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}

// mayEnsureDefaults checks, when acting for a user, that they may apply
// every default object (a server-side apply is a patch that may create) and,
// for roles, hold the escalate verb on them: the defaults include
// platform-admin, so only a platform administrator passes.
func (c *Client) mayEnsureDefaults(ctx context.Context, objs []*unstructured.Unstructured) error {
	if !c.actingFor() {
		return nil
	}
	var writes []authz.Attributes
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		m, err := c.c.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("ensure defaults: map %s: %w", gvk, err)
		}
		res := m.Resource.Resource
		writes = append(writes, writeOf("create", gvk.Group, res, u.GetName(), platform), writeOf("patch", gvk.Group, res, u.GetName(), platform))
		switch gvk.Kind {
		case "GlobalRole", "WorkspaceRole", "ClusterRole", "Role":
			writes = append(writes, writeOf("escalate", gvk.Group, res, u.GetName(), platform))
		}
	}
	return c.authorize(ctx, writes...)
}
