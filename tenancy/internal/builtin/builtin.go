package builtin

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// Matching lists the BuiltinRoles of scope (iamv1beta1.ScopeWorkspace or
// ScopeNamespace) whose target selector matches a target with the given
// labels, in name order. A BuiltinRole with an invalid selector matches
// nothing.
func Matching(ctx context.Context, r client.Reader, scope string, target map[string]string) ([]iamv1beta1.BuiltinRole, error) {
	var list iamv1beta1.BuiltinRoleList
	if err := r.List(ctx, &list, client.MatchingLabels{iamv1beta1.ScopeLabel: scope}); err != nil {
		return nil, fmt.Errorf("list builtin roles: %w", err)
	}
	var out []iamv1beta1.BuiltinRole
	for _, br := range list.Items {
		sel, err := metav1.LabelSelectorAsSelector(&br.TargetSelector)
		if err == nil && sel.Matches(labels.Set(target)) {
			out = append(out, br)
		}
	}
	return out, nil
}

// Decode decodes the role br carries into into (a WorkspaceRole, a Role, or
// metav1.PartialObjectMetadata for its name alone).
func Decode(br iamv1beta1.BuiltinRole, into client.Object) error {
	if len(br.Role.Raw) == 0 {
		return fmt.Errorf("builtin role %s carries no role", br.Name)
	}
	if err := json.Unmarshal(br.Role.Raw, into); err != nil {
		return fmt.Errorf("builtin role %s: decode role: %w", br.Name, err)
	}
	if into.GetName() == "" {
		return fmt.Errorf("builtin role %s: its role has no metadata.name", br.Name)
	}
	return nil
}
