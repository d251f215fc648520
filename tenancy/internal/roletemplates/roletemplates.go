package roletemplates

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// ErrInvalidSelector is Selected's error for a roleSelector that is not a
// valid label selector (KubeSphere's schema accepts any).
var ErrInvalidSelector = errors.New("aggregationRoleTemplates.roleSelector is not a valid label selector")

// Selected reads the templates agg selects, sorted by name: with a
// roleSelector, the templates labelled with scope (iam.kubesphere.io/scope)
// that it matches; without one, the templates named in templateNames that
// exist (one named but missing selects nothing until it exists). A nil agg
// selects nothing.
func Selected(ctx context.Context, r client.Reader, agg *iamv1beta1.AggregationRoleTemplates, scope string) ([]iamv1beta1.RoleTemplate, error) {
	if agg == nil {
		return nil, nil
	}
	var out []iamv1beta1.RoleTemplate
	if agg.RoleSelector != nil {
		sel := agg.RoleSelector.DeepCopy()
		sel.MatchLabels = maps.Clone(sel.MatchLabels)
		if sel.MatchLabels == nil {
			sel.MatchLabels = map[string]string{}
		}
		sel.MatchLabels[iamv1beta1.ScopeLabel] = scope
		selector, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidSelector, err)
		}
		var list iamv1beta1.RoleTemplateList
		if err := r.List(ctx, &list, client.MatchingLabelsSelector{Selector: selector}); err != nil {
			return nil, fmt.Errorf("list role templates: %w", err)
		}
		out = list.Items
	} else {
		for _, name := range agg.TemplateNames {
			if slices.ContainsFunc(out, func(t iamv1beta1.RoleTemplate) bool { return t.Name == name }) {
				continue
			}
			var t iamv1beta1.RoleTemplate
			if err := r.Get(ctx, client.ObjectKey{Name: name}, &t); err != nil {
				if client.IgnoreNotFound(err) == nil {
					continue
				}
				return nil, fmt.Errorf("get role template %q: %w", name, err)
			}
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y iamv1beta1.RoleTemplate) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}
