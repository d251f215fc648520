package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/membership"
	"github.com/spherekit/spherekit/tenancy/internal/usage"
)

// MoveProjectOptions are the optional inputs of MoveProject.
type MoveProjectOptions struct {
	// Apply moves the project. Without it MoveProject only previews.
	Apply bool
}

// MoveProjectResult previews (or reports) a move.
type MoveProjectResult struct {
	// From and To are the workspaces; From is empty for a namespace that was
	// in none.
	From, To string
	// AccessLost lists the workspace members whose access to the project
	// came from From's bindings; AccessGained those who get access through
	// To's. Project members (the project's own bindings) keep their roles.
	AccessLost, AccessGained []Member
	// Usage is what the project counts against To's quotas.
	Usage corev1.ResourceList
	// Shortfalls lists the limits of To's quotas the move would exceed. A
	// move with shortfalls is refused.
	Shortfalls []QuotaShortfall
	// Applied is true when the project was moved.
	Applied bool
}

// MoveProject moves project into workspace to: the workspace label changes,
// so the old workspace's members lose the access their workspace roles gave
// them there and the new workspace's members gain it; the project's usage
// moves from one workspace quota to the other. Without opts.Apply it only
// returns the preview. A move that would exceed a quota of to is refused
// with a *ConflictError (and the preview), and nothing is changed.
func (c *Client) MoveProject(ctx context.Context, project, to string, opts MoveProjectOptions) (*MoveProjectResult, error) {
	if err := c.projectExists(ctx, "project", project); err != nil {
		return nil, err
	}
	if _, err := c.workspaceExists(ctx, "to", to); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{}
	if err := c.c.Get(ctx, client.ObjectKey{Name: project}, ns); err != nil {
		return nil, fmt.Errorf("move project %q: %w", project, err)
	}
	from := ns.Labels[tenantv1beta1.WorkspaceLabel]
	if from == to {
		return nil, &InvalidError{Field: "to", Reason: fmt.Sprintf("project %q is already in workspace %q", project, to)}
	}
	res := &MoveProjectResult{From: from, To: to}
	var err error
	if from != "" {
		if res.AccessLost, err = c.workspaceAccess(ctx, from); err != nil {
			return nil, err
		}
	}
	if res.AccessGained, err = c.workspaceAccess(ctx, to); err != nil {
		return nil, err
	}

	// Usage against every resource the target's quotas limit.
	var wsQuotas quotav1alpha2.ResourceQuotaList
	if err := c.c.List(ctx, &wsQuotas); err != nil {
		return nil, fmt.Errorf("move project %q: list workspace quotas: %w", project, err)
	}
	names := map[corev1.ResourceName]bool{}
	for _, q := range wsQuotas.Items {
		if q.Spec.Selector[tenantv1beta1.WorkspaceLabel] == to {
			for n := range q.Spec.Quota.Hard {
				names[n] = true
			}
		}
	}
	list := make([]corev1.ResourceName, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	res.Usage, _, err = usage.Namespace(ctx, c.c, c.c.RESTMapper(), project, list)
	if err != nil {
		return nil, fmt.Errorf("move project %q: usage: %w", project, err)
	}
	if res.Shortfalls, err = c.shortfalls(ctx, project, res.Usage, to); err != nil {
		return nil, fmt.Errorf("move project %q: %w", project, err)
	}
	if !opts.Apply {
		return res, nil
	}
	// Moving takes the project out of from (an update of the namespace
	// there) and into to (as creating a project there would).
	out := writeOf("update", "", "namespaces", project, inWorkspace(from))
	if from == "" {
		out = writeOf("update", "", "namespaces", project, authz.Grant{Scope: authz.ScopeCluster})
	}
	if err := c.authorize(ctx, out, writeOf("create", "", "namespaces", project, inWorkspace(to))); err != nil {
		return res, err
	}
	if len(res.Shortfalls) > 0 {
		return res, &ConflictError{Field: "to", Reason: fmt.Sprintf("moving project %q would exceed %s", project, res.Shortfalls[0])}
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"labels":          map[string]string{tenantv1beta1.WorkspaceLabel: to},
		"resourceVersion": ns.ResourceVersion, // refuse if the namespace changed since the preview
	}})
	if err != nil {
		return nil, err
	}
	if err := c.c.Patch(ctx, ns, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		return nil, fmt.Errorf("move project %q: %w", project, err)
	}
	res.Applied = true
	return res, nil
}

// workspaceAccess lists the members of workspace.
func (c *Client) workspaceAccess(ctx context.Context, workspace string) ([]Member, error) {
	var bindings iamv1beta1.WorkspaceRoleBindingList
	if err := c.c.List(ctx, &bindings, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: workspace}); err != nil {
		return nil, fmt.Errorf("list bindings of workspace %q: %w", workspace, err)
	}
	var out []Member
	for _, b := range bindings.Items {
		role := membership.Scope{Workspace: workspace}.ShortRole(b.RoleRef.Name)
		for _, s := range b.Subjects {
			out = append(out, Member{User: s.Name, Role: role})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].User < out[j].User })
	return out, nil
}
