package tenancy

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	"github.com/spherekit/spherekit/tenancy/internal/builtin"
)

// stampedRoles returns the short names of the roles the BuiltinRoles of
// scope stamp into a target with the given labels.
func (c *Client) stampedRoles(ctx context.Context, scope string, target map[string]string) ([]string, error) {
	roles, err := builtin.Matching(ctx, c.c, scope, target)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, br := range roles {
		var role metav1.PartialObjectMetadata
		if builtin.Decode(br, &role) == nil {
			names = append(names, role.Name)
		}
	}
	return names, nil
}

// rolesExist reports whether every role in names exists in scope: workspace
// roles of workspace when namespace is empty, else project roles.
func (c *Client) rolesExist(ctx context.Context, workspace, namespace string, names []string) (bool, error) {
	for _, n := range names {
		var obj client.Object = &iamv1beta1.Role{}
		key := client.ObjectKey{Namespace: namespace, Name: n}
		if namespace == "" {
			obj, key = &iamv1beta1.WorkspaceRole{}, client.ObjectKey{Name: iamv1beta1.WorkspaceRoleName(workspace, n)}
		}
		if err := c.c.Get(ctx, key, obj); err != nil {
			return false, client.IgnoreNotFound(err)
		}
	}
	return true, nil
}
