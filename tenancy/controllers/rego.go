package controllers

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	ctrl "sigs.k8s.io/controller-runtime"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// aggregatedOverrideAnnotation on a role holds the rego override aggregation
// last wrote to its iam.kubesphere.io/rego-override annotation, so an
// override aggregation owns is told from one written by hand. It is
// spherekit's bookkeeping, beside aggregatedRulesAnnotation.
const aggregatedOverrideAnnotation = "iam.spherekit.io/aggregated-rego-override"

// aggregateOverride sets the rego override in a role's annotations ann to
// the merge of its templates' overrides (templatesOverride), as KubeSphere's
// aggregation does, when the role has no override or has the one
// aggregation wrote before; an override written by hand (or by KubeSphere's
// own aggregation) is kept. A merge that comes out empty removes the
// override aggregation wrote.
func aggregateOverride(ctx context.Context, ann map[string]string, templates []iamv1beta1.RoleTemplate) {
	current, previous := ann[iamv1beta1.RegoOverrideAnnotation], ann[aggregatedOverrideAnnotation]
	if current != "" && current != previous {
		return
	}
	merged, ok := templatesOverride(ctx, templates)
	if !ok {
		return
	}
	if merged == "" {
		if previous != "" {
			delete(ann, iamv1beta1.RegoOverrideAnnotation)
		}
		delete(ann, aggregatedOverrideAnnotation)
		return
	}
	ann[iamv1beta1.RegoOverrideAnnotation] = merged
	ann[aggregatedOverrideAnnotation] = merged
}

// templatesOverride merges the rego overrides of templates the way
// KubeSphere's aggregation does: one module in the first policy's package
// holding every distinct rule of them all, in template order, written out
// in the v0 syntax KubeSphere's policies use (the authorizer parses
// overrides as v0). It is "" when no template has one. A policy that does
// not parse is left out and logged; ok is false only when the merge cannot
// be written out.
func templatesOverride(ctx context.Context, templates []iamv1beta1.RoleTemplate) (policy string, ok bool) {
	var merged *ast.Module
	seen := map[string]bool{}
	for _, t := range templates {
		raw := t.Annotations[iamv1beta1.RegoOverrideAnnotation]
		if raw == "" {
			continue
		}
		m, err := ast.ParseModuleWithOpts("authz.rego", raw, ast.ParserOptions{RegoVersion: ast.RegoV0})
		if err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "leave out a role template's rego override that does not parse", "roleTemplate", t.Name)
			continue
		}
		if merged == nil {
			merged = &ast.Module{Package: m.Package}
		}
		for _, r := range m.Rules {
			if k := r.String(); !seen[k] {
				seen[k] = true
				merged.Rules = append(merged.Rules, r)
			}
		}
	}
	if merged == nil || len(merged.Rules) == 0 {
		return "", true
	}
	out, err := format.AstWithOpts(merged, format.Opts{RegoVersion: ast.RegoV0, IgnoreLocations: true})
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(fmt.Errorf("format merged rego override: %w", err), "leave the role's rego override as it is")
		return "", false
	}
	return string(out), true
}
