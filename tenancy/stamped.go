package tenancy

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// stampedRoles returns the short names of the roles the BuiltinRoles of
// scope stamp into a target with the given labels.
func (c *Client) stampedRoles(ctx context.Context, scope string, target map[string]string) ([]string, error) {
	var list iamv1beta1.BuiltinRoleList
	if err := c.c.List(ctx, &list, client.MatchingLabels{iamv1beta1.ScopeLabel: scope}); err != nil {
		return nil, fmt.Errorf("list builtin roles: %w", err)
	}
	var names []string
	for _, br := range list.Items {
		sel, err := metav1.LabelSelectorAsSelector(&br.TargetSelector)
		if err != nil || !sel.Matches(labels.Set(target)) {
			continue
		}
		var role metav1.PartialObjectMetadata
		if err := json.Unmarshal(br.Role.Raw, &role); err != nil || role.Name == "" {
			continue
		}
		names = append(names, role.Name)
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
